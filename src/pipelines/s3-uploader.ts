// The S3 uploader pipeline ('s3'): checks (or creates) the bucket at open, uploads every file the
// stage before it passes (each closed chunk) while the crawl goes on, and passes each one on once it
// is stored or could not be. At close it waits for them, reports the failures, and only then closes
// the stages after it: what they make as they close (the manifest) is stored last, and only when
// every other file is there, so that the manifest in S3 means "complete". One S3 client does it all.
import { join } from 'node:path';
import type { CrawlContext, OutputFile } from '../core/context.js';
import type { Item } from '../core/items.js';
import type { Downstream, ItemPipeline, StageActivity } from '../core/pipeline.js';
import { MANIFEST_KIND, UPLOAD_ERROR_PREFIX } from './manifest.js';
import { describeUploadFailure, JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE, S3Target, S3UnreachableError, type UploadJob } from './s3-target.js';
import { runS3Client } from './s3-client.js';
import { UploadQueue, type UploadFailure } from './upload-queue.js';

interface FileJob extends UploadJob {
  file: OutputFile;
}

export class S3UploadPipeline implements ItemPipeline {
  private target: S3Target | undefined;
  private queue: UploadQueue<FileJob> | undefined;
  private next: Downstream = { pass: async () => {} };

  async open(ctx: CrawlContext, next: Downstream): Promise<void> {
    this.next = next;
    const { settings, logger } = ctx;
    if (!settings.AWS_BUCKET_NAME) {
      logger.warn('AWS_BUCKET_NAME is not set: local run, nothing will be uploaded to S3');
      return;
    }
    const target = new S3Target(settings, runS3Client(settings));
    try {
      await target.ensureBucket(logger);
    } catch (error) {
      if (!(error instanceof S3UnreachableError)) throw error;
      // An outage is no reason to lose tonight's data: crawl to disk, end partial, upload later.
      // (A refusal — 403, wrong region — is a setting to fix and still fails the run at once.)
      const message = `${error.message}; crawling to ${ctx.runDir} only, finish it later with: node dist/cli.js upload ${ctx.runDir}`;
      logger.error(message);
      ctx.report.error('upload', `${UPLOAD_ERROR_PREFIX}${message}`);
      return;
    }
    logger.info(`uploading run ${ctx.runId} to ${target.location}${ctx.runId}/ while crawling`);
    this.target = target;
    this.queue = new UploadQueue<FileJob>(target, logger, (job, failure) => this.next.pass(stored(job.file, failure)));
  }

  process(item: Item): Item {
    return item;
  }

  /** A finished file: uploaded in the background, passed on once that is over. */
  receive(file: OutputFile, ctx: CrawlContext): Promise<void> | void {
    // Files of a resumed run's earlier attempt may be in the bucket already: checked first.
    if (this.queue) this.queue.add(this.jobOf(file, ctx), { unlessStored: file.resumed });
    else return this.next.pass(file);
  }

  activity(): StageActivity | undefined {
    return this.queue?.activity();
  }

  async close(ctx: CrawlContext, closeRest: () => Promise<OutputFile[]>): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    // The client is the crawl's (runS3Client): the engine closes it once the incremental state is saved too.
    const failures = await queue.settle();
    this.reportChunks(ctx, failures);
    const last = await closeRest();
    for (const file of last) await this.storeLast(file, failures.length, ctx);
  }

  private reportChunks(ctx: CrawlContext, failures: UploadFailure<FileJob>[]): void {
    for (const f of failures) ctx.report.error(f.job.file.module, `${UPLOAD_ERROR_PREFIX}${f.job.path}: ${f.message}`);
    if (failures.length) {
      ctx.logger.error(
        `${failures.length} file(s) not uploaded: ${failures.map((f) => f.job.path).join(', ')}. ` +
          `The local run is kept in ${ctx.runDir}; finish it with: node dist/cli.js upload ${ctx.runDir}`,
      );
    } else {
      const there = this.queue!.alreadyThere ? ` (${this.queue!.alreadyThere} more were there already)` : '';
      ctx.logger.info(`uploaded ${this.queue!.uploaded} file(s) to ${this.target!.location}${ctx.runId}/${there}`);
    }
  }

  /** A file made as the stages after this one closed (the manifest): stored after every other, or not at all. */
  private async storeLast(file: OutputFile, missing: number, ctx: CrawlContext): Promise<void> {
    if (missing) {
      ctx.logger.warn(`${file.path} not uploaded: ${missing} file(s) are missing in S3, and its presence there would claim a complete run`);
      return;
    }
    const target = this.target!;
    try {
      await target.putFile(this.jobOf(file, ctx));
    } catch (error) {
      const message = describeUploadFailure(error);
      ctx.report.error('upload', `${UPLOAD_ERROR_PREFIX}${file.path}: ${message}`);
      // Its maker hears of it, so that the local copy does not claim what the store lacks.
      await this.next.pass(stored(file, { message }));
      return;
    }
    ctx.logger.info(`uploaded ${file.path} last: the whole run is in s3://${target.bucket}/${target.keyOf(ctx.runId, '')}`);
  }

  private jobOf(file: OutputFile, ctx: CrawlContext): FileJob {
    return {
      file,
      path: file.path,
      absPath: join(ctx.runDir, file.path),
      key: this.target!.keyOf(ctx.runId, file.path),
      bytes: file.bytes,
      sha256: file.sha256,
      contentType: file.kind === MANIFEST_KIND ? JSON_CONTENT_TYPE : NDJSON_CONTENT_TYPE,
    };
  }
}

/** The file as passed on: marked when it could not be stored. */
const stored = (file: OutputFile, failure?: Pick<UploadFailure, 'message'>): OutputFile => (failure ? { ...file, notStored: failure.message } : file);
