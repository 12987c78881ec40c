// Memory benchmark of the item pipelines: a spider emitting N small items (default 1,000,000) runs
// through the three pipelines (ndjson → s3 → manifest) into a temp folder and an S3-compatible
// store, and the peak RSS is printed. The store runs in a child process, so its in-memory objects
// are not counted against the crawler.
//
// By default the spider's callbacks are driven directly into the pipeline chain, so the figure is
// the pipelines' own; --engine runs the same spider through crawl() (Crawlee's queue included).
//
//   node dist/bench/pipelines-memory.js [--items N] [--lines-per-file N] [--engine] [--no-s3] [--keep]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { join, resolve } from 'node:path';
import { runIdOf, type CrawlContext } from '../core/context.js';
import type { Item } from '../core/items.js';
import { createLogger, type Logger } from '../core/logger.js';
import { RunReport, type RunStatus } from '../core/report.js';
import { chain, type PageState, type Paginator } from '../core/paginator.js';
import { Spider, type SpiderClass, type SpiderOutput } from '../core/spider.js';
import { startLocalS3 } from '../dev/local-s3.js';
import { tuneHeapGrowth } from '../cli.js';
import { crawl } from '../engine/engine.js';
import { buildPipelines, PipelineChain } from '../engine/pipeline-chain.js';
import { PIPELINES } from '../pipelines/index.js';
import { defaultSettings, type Settings } from '../settings.js';

const PAGE = 200;

const { values: flags } = parseArgs({
  options: {
    items: { type: 'string' },
    'lines-per-file': { type: 'string' },
    'no-s3': { type: 'boolean' },
    engine: { type: 'boolean' },
    keep: { type: 'boolean' },
    's3-server': { type: 'boolean' },
  },
});

function benchSpider(total: number) {
  return class BenchSpider extends Spider {
    readonly name = 'bench';
    override maxConcurrency = 5;
    constructor(ctx: CrawlContext) {
      super(ctx);
    }
    async *startRequests(): AsyncIterable<SpiderOutput> {
      yield { kind: 'module', module: 'Leads', fields: [{ api_name: 'id', data_type: 'bigint' }], expected: total };
      yield chain('page', { from: 0 });
    }
    readonly callbacks = {};
    // One chain of pages of PAGE items, as a paginated source is read.
    override readonly paginators = {
      page: {
        fetch: async ({ from }) => from,
        parse: (from) => ({ outputs: pageItems(from), next: from + PAGE < total ? { from: from + PAGE } : undefined }),
      } satisfies Paginator<{ from: number }, number>,
    };
  };

  function* pageItems(from: number): Iterable<SpiderOutput> {
    for (let i = from; i < Math.min(from + PAGE, total); i++) {
      const id = String(4_000_000_000_000 + i);
      // One in ten is a deletion, so two stems are written at once.
      const item: Item =
        i % 10 === 9
          ? { kind: 'deleted', module: 'Leads', data: { id, type: 'recycle', deleted_time: '2026-01-31T12:00:00+00:00' } }
          : { kind: 'record', module: 'Leads', data: { id, Last_Name: `Lead ${i}`, Email: `lead${i}@example.com`, Amount: i % 997 } };
      yield item;
    }
  }
}

/** The spider's chain, page after page, its items through the ordered pipelines. */
async function driveDirectly(spiderClass: SpiderClass, settings: Settings, logger: Logger): Promise<{ status: RunStatus; runDir: string; report: RunReport }> {
  const startedAt = new Date();
  const outputDir = resolve(settings.LOCAL_OUTPUT_DIRECTORY);
  const ctx: CrawlContext = {
    spiderName: '',
    settings,
    logger,
    runId: runIdOf(startedAt),
    startedAt,
    runDir: join(outputDir, runIdOf(startedAt)),
    stateDir: join(outputDir, '.state'),
    report: new RunReport(),
  };
  const spider = new spiderClass(ctx);
  ctx.spiderName = spider.name;
  const chain = new PipelineChain(buildPipelines(settings.ITEM_PIPELINES, PIPELINES), ctx);
  try {
    await chain.open();
    for await (const out of spider.startRequests()) {
      if (out.kind === 'request') throw new Error('the bench spider yields no requests');
      if (out.kind !== 'chain') {
        await chain.process(out);
        continue;
      }
      const paginator = spider.paginators[out.label];
      for (let state: PageState | undefined = out.state; state !== undefined; ) {
        const page = await paginator.parse(await paginator.fetch(state), state);
        for await (const item of page.outputs) {
          if (item.kind !== 'request' && item.kind !== 'chain') await chain.process(item);
        }
        state = page.next;
      }
    }
  } finally {
    await chain.close();
  }
  return { status: ctx.report.status, runDir: ctx.runDir, report: ctx.report };
}

/** Child mode: an S3-compatible store on 127.0.0.1 until the parent goes away. */
async function serveS3(): Promise<void> {
  const s3 = await startLocalS3();
  process.send!({ endpoint: s3.endpoint });
  process.on('disconnect', () => void s3.stop().then(() => process.exit(0)));
}

async function startStore(): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--s3-server'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const endpoint = await new Promise<string>((done, fail) => {
    child.once('message', (m) => done((m as { endpoint: string }).endpoint));
    child.once('exit', (code) => fail(new Error(`the S3 store process exited (${code})`)));
  });
  return { endpoint, child };
}

async function countObjects(endpoint: string, bucket: string): Promise<number> {
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  let n = 0;
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    n += page.KeyCount ?? 0;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  client.destroy();
  return n;
}

async function bench(): Promise<void> {
  const total = Number(flags.items ?? 1_000_000);
  const linesPerFile = flags['lines-per-file'] ?? '1000';
  // The same V8 heap tuning as every CLI run (`runAsProcess`), so the figure is what a user's crawl gets.
  tuneHeapGrowth();
  const useS3 = !flags['no-s3'];
  const outputDir = mkdtempSync(join(tmpdir(), 'bench-pipelines-'));
  const store = useS3 ? await startStore() : undefined;
  const bucket = 'bench';
  const settings = defaultSettings({
    LOCAL_OUTPUT_DIRECTORY: outputDir,
    OUTPUT_LINES_PER_FILE: linesPerFile,
    LOG_LEVEL: 'warn',
    ...(store
      ? {
          AWS_BUCKET_NAME: bucket,
          AWS_S3_ENDPOINT: store.endpoint,
          AWS_S3_FORCE_PATH_STYLE: 'true',
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench-secret',
        }
      : {}),
  });
  const logger = createLogger({ level: 'warn', format: 'json' });

  let sampledPeak = 0;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    sampledPeak = Math.max(sampledPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 50);
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  try {
    const spider = benchSpider(total);
    const viaEngine = flags.engine === true;
    const result = viaEngine ? await crawl({ spider, settings, logger, pipelines: PIPELINES }) : await driveDirectly(spider, settings, logger);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    const mib = (bytes: number): string => (bytes / 1024 ** 2).toFixed(1);
    const manifest = JSON.parse(readFileSync(join(result.runDir, 'manifest.json'), 'utf8')) as {
      modules: Record<string, { records: number; deleted: number; files: Array<{ bytes: number }> }>;
    };
    const leads = manifest.modules.Leads;
    const dataBytes = leads.files.reduce((n, f) => n + f.bytes, 0);
    const objects = store ? await countObjects(store.endpoint, bucket) : 0;
    const lines = [
      `driven by:        ${viaEngine ? 'the engine (crawl(), Crawlee request queue)' : 'the spider callbacks straight into the pipeline chain'}`,
      `items:            ${total} (${leads.records} records, ${leads.deleted} deletions)`,
      `status:           ${result.status}${result.report.errors.length ? ` (${result.report.errors.length} errors: ${result.report.errors[0].message})` : ''}`,
      `chunk files:      ${leads.files.length} (${mib(dataBytes)} MiB of NDJSON)`,
      `S3 objects:       ${store ? `${objects} (chunks + manifest)` : 'not uploaded (--no-s3)'}`,
      `elapsed:          ${seconds.toFixed(1)} s (${Math.round(total / seconds)} items/s)`,
      `RSS at start:     ${mib(rssBefore)} MiB`,
      `peak RSS:         ${mib(process.resourceUsage().maxRSS * 1024)} MiB (kernel maxRSS); sampled ${mib(sampledPeak)} MiB`,
      `peak heap used:   ${mib(heapPeak)} MiB`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (result.status !== 'complete' || (store && objects !== leads.files.length + 1)) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    store?.child.disconnect();
    if (!flags.keep) rmSync(outputDir, { recursive: true, force: true });
    else process.stdout.write(`output kept in ${outputDir}\n`);
  }
}

if (flags['s3-server']) await serveS3();
else await bench().then(() => process.exit());
