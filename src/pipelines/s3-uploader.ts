// The S3 uploader pipeline ('s3'): checks (or creates) the bucket at open, uploads every finished
// chunk while the crawl goes on, waits for them at close and reports the failures, and stores the
// manifest last — only when every chunk is there, so that the manifest in S3 means "complete".
// One S3 client does all of it, from the bucket check to the manifest.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CrawlContext, OutputFile } from '../core/context.js';
import { outputsOf } from '../core/context.js';
import type { Item } from '../core/items.js';
import type { ItemPipeline } from '../core/pipeline.js';
import { UPLOAD_ERROR_PREFIX } from './manifest.js';
import { describeUploadFailure, JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE, S3Target, S3UnreachableError, type UploadJob } from './s3-target.js';
import { UploadQueue } from './upload-queue.js';

interface FileJob extends UploadJob {
  module: string;
}

export class S3UploadPipeline implements ItemPipeline {
  private target: S3Target | undefined;
  private queue: UploadQueue<FileJob> | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Which of close() and the manifest's upload are still to come; the client is kept until both ran. */
  private pendingEnds = 0;

  async open(ctx: CrawlContext): Promise<void> {
    const { settings, logger } = ctx;
    if (!settings.AWS_BUCKET_NAME) {
      logger.warn('AWS_BUCKET_NAME is not set: local run, nothing will be uploaded to S3');
      return;
    }
    const target = new S3Target(settings);
    this.target = target;
    try {
      await target.ensureBucket(logger);
    } catch (error) {
      if (!(error instanceof S3UnreachableError)) throw error;
      // An outage is no reason to lose tonight's data: crawl to disk, end partial, upload later.
      // (A refusal — 403, wrong region — is a setting to fix and still fails the run at once.)
      const message = `${error.message}; crawling to ${ctx.runDir} only, finish it later with: node dist/cli.js upload ${ctx.runDir}`;
      logger.error(message);
      ctx.report.error('upload', `${UPLOAD_ERROR_PREFIX}${message}`);
      target.destroy();
      this.target = undefined;
      return;
    }
    logger.info(`uploading run ${ctx.runId} to ${target.location}${ctx.runId}/ while crawling`);
    const outputs = outputsOf(ctx);
    const queue = new UploadQueue<FileJob>(target, logger, outputs.uploads);
    this.queue = queue;
    // Files there before the crawl (kept by a resumed run) may be in the bucket already: checked first.
    for (const file of outputs.files) queue.add(this.jobOf(file, ctx), { unlessStored: file.resumed });
    this.unsubscribe = outputs.onFile((file) => queue.add(this.jobOf(file, ctx), { unlessStored: file.resumed }));
    outputs.onLast((path) => this.uploadLast(path, ctx).finally(() => this.ended()));
    // Without a manifest pipeline no manifest comes, and close() is the end.
    this.pendingEnds = 'manifest' in settings.ITEM_PIPELINES ? 2 : 1;
  }

  process(item: Item): Item {
    return item;
  }

  async close(ctx: CrawlContext): Promise<void> {
    this.unsubscribe?.();
    try {
      if (!this.queue) return;
      const failures = await this.queue.settle();
      for (const f of failures) ctx.report.error(f.job.module, `${UPLOAD_ERROR_PREFIX}${f.job.path}: ${f.message}`);
      if (failures.length) {
        ctx.logger.error(
          `${failures.length} file(s) not uploaded: ${failures.map((f) => f.job.path).join(', ')}. ` +
            `The local run is kept in ${ctx.runDir}; finish it with: node dist/cli.js upload ${ctx.runDir}`,
        );
      } else {
        const there = this.queue.alreadyThere ? ` (${this.queue.alreadyThere} more were there already)` : '';
        ctx.logger.info(`uploaded ${this.queue.uploaded} file(s) to ${this.target!.location}${ctx.runId}/${there}`);
      }
    } finally {
      this.ended();
    }
  }

  private ended(): void {
    if (--this.pendingEnds <= 0) this.target?.destroy();
  }

  /** The last-file hook: stores the manifest after every chunk, or not at all when a chunk is missing. */
  private async uploadLast(path: string, ctx: CrawlContext): Promise<void> {
    // Normally settled by close() already; this keeps "manifest last" even if ITEM_PIPELINES put
    // the manifest pipeline before this one.
    await this.queue?.settle();
    const missing = this.queue?.failures.length ?? 0;
    if (missing) {
      ctx.logger.warn(`${path} not uploaded: ${missing} file(s) are missing in S3, and its presence there would claim a complete run`);
      return;
    }
    const target = this.target!;
    const body = await readFile(join(ctx.runDir, path));
    const job: UploadJob = {
      path,
      absPath: join(ctx.runDir, path),
      key: target.keyOf(ctx.runId, path),
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      contentType: JSON_CONTENT_TYPE,
    };
    try {
      await target.putFile(job);
    } catch (error) {
      throw new Error(describeUploadFailure(error));
    }
    ctx.logger.info(`uploaded ${path} last: the whole run is in s3://${target.bucket}/${target.keyOf(ctx.runId, '')}`);
  }

  private jobOf(file: OutputFile, ctx: CrawlContext): FileJob {
    return {
      module: file.module,
      path: file.path,
      absPath: join(ctx.runDir, file.path),
      key: this.target!.keyOf(ctx.runId, file.path),
      bytes: file.bytes,
      sha256: file.sha256,
      contentType: NDJSON_CONTENT_TYPE,
    };
  }
}
