// Shared by the pipeline tests: a tiny spider that emits planned items, settings in a temp folder,
// and readers for what a run left on disk and in S3.
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { CrawlContext } from '../../src/core/context.js';
import type { Item } from '../../src/core/items.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import type { PipelineFactory } from '../../src/core/pipeline.js';
import { request, Spider, type SpiderClass, type SpiderOutput } from '../../src/core/spider.js';
import { crawl, type CrawlResult } from '../../src/engine/engine.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { ManifestPipeline } from '../../src/pipelines/manifest-pipeline.js';
import { NdjsonWriterPipeline } from '../../src/pipelines/ndjson-writer.js';
import { S3UploadPipeline } from '../../src/pipelines/s3-uploader.js';
import { defaultSettings, type Settings } from '../../src/settings.js';

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `${name}-`));

/** Fresh pipelines as shipped, S3 client and retries included. */
export function registry(): Record<string, PipelineFactory> {
  return { ...PIPELINES, ndjson: () => new NdjsonWriterPipeline(), s3: () => new S3UploadPipeline(), manifest: () => new ManifestPipeline() };
}

/** A spider whose pages yield the given items; `beforePage` runs inside the callback (e.g. an outage). */
export function plannedSpider(
  pages: Item[][],
  opts: { start?: Item[]; beforePage?: (page: number) => Promise<void>; requests?: number; moduleOfPage?: (page: number) => string } = {},
): SpiderClass {
  return class Planned extends Spider {
    readonly name = 'planned';
    override maxConcurrency = 1;
    override maxRequestRetries = 0;
    constructor(ctx: CrawlContext) {
      super(ctx);
    }
    async *startRequests(): AsyncIterable<SpiderOutput> {
      this.ctx.report.api.requests = opts.requests ?? pages.length;
      this.ctx.report.api.credits = (opts.requests ?? pages.length) * 2;
      for (const item of opts.start ?? []) yield item;
      for (let i = 0; i < pages.length; i++) yield request('page', `http://planned.invalid/page/${i}`, { page: i, module: opts.moduleOfPage?.(i) });
    }
    readonly callbacks = {
      page: async function* ({ request: req }: { request: { userData?: Record<string, unknown> } }): AsyncIterable<SpiderOutput> {
        const page = Number(req.userData?.page);
        await opts.beforePage?.(page);
        yield* pages[page];
      },
    };
  };
}

export interface Ran extends CrawlResult {
  lines: string[];
  settings: Settings;
  outputDir: string;
}

/** Runs a crawl with the planned spider and the pipelines into a fresh temp output folder. */
export async function runCrawl(
  spider: SpiderClass,
  settings: Record<string, unknown>,
  pipelines: Record<string, PipelineFactory> = registry(),
): Promise<Ran> {
  const outputDir = tempDir('pipelines-out');
  const effective = defaultSettings({ LOCAL_OUTPUT_DIRECTORY: outputDir, ...settings });
  const { logger, lines } = createCapturingLogger('debug');
  const result = await crawl({ spider, settings: effective, logger, pipelines, startedAt: new Date('2026-01-31T12:34:56Z') });
  return { ...result, lines, settings: effective, outputDir };
}

export const records = (module: string, from: number, count: number, extra: Record<string, unknown> = {}): Item[] =>
  Array.from({ length: count }, (_, i) => ({ kind: 'record' as const, module, data: { id: String(from + i), Name: `${module} ${from + i}`, ...extra } }));

export const deletions = (module: string, from: number, count: number): Item[] =>
  Array.from({ length: count }, (_, i) => ({
    kind: 'deleted' as const,
    module,
    data: { id: String(from + i), type: 'recycle', deleted_time: '2026-01-01T00:00:00+00:00' },
  }));

/** Every file under the run folder, relative path → bytes. */
export function filesOf(runDir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      if (statSync(abs).isDirectory()) walk(abs, relPath);
      else out.set(relPath, readFileSync(abs));
    }
  };
  walk(runDir, '');
  return out;
}

export interface StoredObject {
  body: Buffer;
  contentType?: string;
  metadata?: Record<string, string>;
}

/** Every object under a prefix, read back whole (ListObjectsV2 with continuation). */
export async function objectsOf(client: S3Client, bucket: string, prefix: string): Promise<Map<string, StoredObject>> {
  const out = new Map<string, StoredObject>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 7 }));
    for (const o of page.Contents ?? []) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      out.set(o.Key!, { body: Buffer.from(await got.Body!.transformToByteArray()), contentType: got.ContentType, metadata: got.Metadata });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

export function clientFor(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'reader', secretAccessKey: 'reader-secret' } });
}
