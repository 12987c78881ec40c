// Uploads started as files come, bounded by the target's slots; one failure never stops the others.
import type { UploadCounters } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { describeUploadFailure, type S3Target, type UploadJob } from './s3-target.js';

export interface UploadFailure<J extends UploadJob = UploadJob> {
  job: J;
  /** Why, without the file's name: `failed after N attempt(s): …`. */
  message: string;
}

export class UploadQueue<J extends UploadJob = UploadJob> {
  readonly failures: UploadFailure<J>[] = [];
  uploaded = 0;
  /** Files found in the bucket already (resumed runs), not sent again. */
  alreadyThere = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly target: S3Target,
    private readonly logger: Logger,
    private readonly counters: UploadCounters = { queued: 0, done: 0, failed: 0 },
  ) {}

  /**
   * Starts the upload of one file (it waits for a slot); its outcome is collected for settle().
   * `unlessStored`: first ask the bucket, and skip a file that is there with the same size and SHA-256.
   */
  add(job: J, opts: { unlessStored?: boolean } = {}): void {
    this.counters.queued += 1;
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
          this.counters.done += 1;
          this.logger.debug(`uploaded ${job.path} to s3://${this.target.bucket}/${job.key}`);
        },
        (error: unknown) => {
          const message = describeUploadFailure(error);
          this.failures.push({ job, message });
          this.counters.failed += 1;
          this.logger.error(`upload of ${job.path} ${message}`);
        },
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Waits until every upload added so far has succeeded or failed for good. */
  async settle(): Promise<UploadFailure<J>[]> {
    while (this.running.size) await Promise.all([...this.running]);
    return this.failures;
  }
}
