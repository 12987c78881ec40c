// Uploads started as files come, bounded by the target's slots; one failure never stops the others.
import type { Logger } from '../core/logger.js';
import type { StageActivity } from '../core/pipeline.js';
import { describeUploadFailure, type S3Target, type UploadJob } from './s3-target.js';

export interface UploadFailure<J extends UploadJob = UploadJob> {
  job: J;
  /** Why, without the file's name: `failed after N attempt(s): …`. */
  message: string;
}

/** Told of each job once its upload succeeded (no failure) or failed for good. */
export type UploadOutcome<J extends UploadJob> = (job: J, failure?: UploadFailure<J>) => void | Promise<void>;

export class UploadQueue<J extends UploadJob = UploadJob> {
  readonly failures: UploadFailure<J>[] = [];
  uploaded = 0;
  /** Files found in the bucket already (resumed runs), not sent again. */
  alreadyThere = 0;
  private queued = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly target: S3Target,
    private readonly logger: Logger,
    private readonly outcome: UploadOutcome<J> = () => {},
  ) {}

  /**
   * Starts the upload of one file (it waits for a slot); its outcome is collected for settle().
   * `unlessStored`: first ask the bucket, and skip a file that is there with the same size and SHA-256.
   */
  add(job: J, opts: { unlessStored?: boolean } = {}): void {
    this.queued += 1;
    const put = async (): Promise<void> => {
      if (opts.unlessStored && (await this.target.isStored(job))) {
        this.alreadyThere += 1;
        return;
      }
      await this.target.putFile(job);
      this.uploaded += 1;
    };
    const run = put()
      .then(
        () => {
          this.logger.debug(`uploaded ${job.path} to s3://${this.target.bucket}/${job.key}`);
          return this.outcome(job);
        },
        (error: unknown) => {
          const failure = { job, message: describeUploadFailure(error) };
          this.failures.push(failure);
          this.logger.error(`upload of ${job.path} ${failure.message}`);
          return this.outcome(job, failure);
        },
      )
      // Nobody awaits a run before settle(): a throw here must not become an unhandled rejection.
      .catch((error: unknown) => {
        this.logger.error(`after the upload of ${job.path}: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Files queued, in flight and done so far; undefined before the first. */
  activity(): StageActivity | undefined {
    if (!this.queued) return undefined;
    const done = this.uploaded + this.alreadyThere;
    return { inFlight: this.queued - done - this.failures.length, done, failed: this.failures.length };
  }

  /** Waits until every upload added so far has succeeded or failed for good. */
  async settle(): Promise<UploadFailure<J>[]> {
    while (this.running.size) await Promise.all([...this.running]);
    return this.failures;
  }
}
