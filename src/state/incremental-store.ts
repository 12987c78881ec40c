// Where incremental bookmarks live: `<LOCAL_OUTPUT_DIRECTORY>/.state/<spider>.json` and, when a
// bucket is set, `[AWS_S3_PREFIX/]state/<spider>.json` next to the runs, so that a fresh machine or
// container continues where the last one stopped. Saved only after a complete run whose data is
// stored (the engine saves it after the manifest is written and uploaded): first the local
// file (temporary name + rename), then the S3 object (a PutObject replaces an object atomically:
// readers see the old state or the new, never a mix). At start both are read and the newer wins.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { Logger } from '../core/logger.js';
import { safeStem } from '../core/items.js';
import { runS3Client } from '../pipelines/s3-client.js';
import { describeS3Error, JSON_CONTENT_TYPE, S3Target } from '../pipelines/s3-target.js';
import type { Settings } from '../settings.js';
import { parseJsonText, readJsonFile, writeJsonAtomic } from '../core/atomic-file.js';
import { bookmarkSchema } from './watermarks.js';

const fieldSchema = z.object({ api_name: z.string(), data_type: z.string() });

export const moduleStateSchema = z.object({
  fields: z.array(fieldSchema).optional(),
  record: bookmarkSchema.optional(),
  deleted: bookmarkSchema.optional(),
});
export type ModuleState = z.infer<typeof moduleStateSchema>;

export const stateSchema = z.object({
  spider: z.string(),
  version: z.literal(1),
  /** The run that saved this state, and when it started. */
  run: z.string(),
  started_at: z.string(),
  saved_at: z.string(),
  overlap_secs: z.number(),
  modules: z.record(z.string(), moduleStateSchema),
});
export type IncrementalState = z.infer<typeof stateSchema>;

export interface LoadedState {
  state?: IncrementalState;
  /** Where it came from, for the log. */
  source: string;
}

export class StateStore {
  readonly localPath: string;

  constructor(
    private readonly spider: string,
    stateDir: string,
    private readonly settings: Settings,
    private readonly logger: Logger,
  ) {
    this.localPath = join(stateDir, `${safeStem(spider)}.json`);
  }

  /** `[prefix/]state/<spider>.json` */
  get key(): string {
    return [this.settings.AWS_S3_PREFIX, 'state', `${safeStem(this.spider)}.json`].filter(Boolean).join('/');
  }

  async load(): Promise<LoadedState> {
    const local = await readJsonFile(this.localPath, stateSchema);
    const remote = this.settings.AWS_BUCKET_NAME ? await this.loadRemote() : undefined;
    if (local && remote) {
      const newer = Date.parse(remote.started_at) > Date.parse(local.started_at);
      return newer
        ? { state: remote, source: `s3://${this.settings.AWS_BUCKET_NAME}/${this.key} (newer than the local one of run ${local.run})` }
        : { state: local, source: `${this.localPath} (as new as or newer than the one in S3)` };
    }
    if (local) return { state: local, source: this.localPath };
    if (remote) return { state: remote, source: `s3://${this.settings.AWS_BUCKET_NAME}/${this.key}` };
    return { source: 'none' };
  }

  private async loadRemote(): Promise<IncrementalState | undefined> {
    const target = new S3Target(this.settings, runS3Client(this.settings));
    try {
      const out = await target.client.send(new GetObjectCommand({ Bucket: target.bucket, Key: this.key }));
      const text = (await out.Body?.transformToString('utf8')) ?? '';
      return parseJsonText(text, stateSchema, `s3://${target.bucket}/${this.key}`);
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404 || (error as Error).name === 'NoSuchKey' || (error as Error).name === 'NoSuchBucket') return undefined;
      if (error instanceof Error && error.message.includes('expected a file this crawler wrote')) throw error;
      this.logger.warn(`incremental: cannot read the state in S3 (${describeS3Error(error)}); using the local state only`);
      return undefined;
    }
  }

  /** Local file first, then S3; throws when either fails (the caller logs it). */
  async save(state: IncrementalState): Promise<void> {
    await writeJsonAtomic(this.localPath, state);
    if (!this.settings.AWS_BUCKET_NAME) return;
    const body = await readFile(this.localPath);
    const target = new S3Target(this.settings, runS3Client(this.settings));
    try {
      await target.putFile({
        path: this.key,
        absPath: this.localPath,
        key: this.key,
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
        contentType: JSON_CONTENT_TYPE,
      });
    } catch (error) {
      throw new Error(`the state was saved in ${this.localPath} but not in s3://${target.bucket}/${this.key}: ${describeS3Error(error)}`);
    }
  }
}
