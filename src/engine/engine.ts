// The engine: Scrapy's design on Crawlee. A BasicCrawler over a RequestQueue runs the spider's
// requests and chains; Crawlee's router sends each request to the spider callback its label names,
// and each chain to the loop that reads its pages with the spider's paginator (chain-runner.ts); the
// items they yield go through the ordered item pipelines, the requests and chains back into the queue.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BasicCrawler, Configuration, createBasicRouter, Request as CrawleeRequest, RequestQueue, type BasicCrawlingContext } from '@crawlee/basic';
import type { CrawlContext } from '../core/context.js';
import { runIdOf } from '../core/context.js';
import { isLineItem, type Item, type LineItem, type StemEnd } from '../core/items.js';
import type { Logger } from '../core/logger.js';
import type { PipelineFactory } from '../core/pipeline.js';
import { RunReport, type RunStatus } from '../core/report.js';
import type { PageState } from '../core/paginator.js';
import { NonRetryableError, StopCrawlError, type Spider, type SpiderClass, type SpiderOutput, type SpiderTask } from '../core/spider.js';
import { SettingsError, type Settings } from '../settings.js';
import { releaseRunS3Client } from '../pipelines/s3-client.js';
import { Bookkeeping } from '../state/bookkeeping.js';
import { startRunMarker, type ResumeMode } from '../state/resume-start.js';
import { MAX_TIMER_MS, runChain, withTimeout } from './chain-runner.js';
import { routeCrawleeLog } from './crawlee-log.js';
import { buildPipelines, PipelineChain } from './pipeline-chain.js';
import { ProgressReporter, ProgressTracker } from './progress.js';
import type { StatusArea } from './status-area.js';

export interface CrawlOptions {
  spider: SpiderClass;
  settings: Settings;
  logger: Logger;
  /** Pipelines by name; ITEM_PIPELINES picks and orders them. */
  pipelines: Record<string, PipelineFactory>;
  /** A terminal's status block for live progress; without one progress is logged now and then. */
  status?: StatusArea;
  /** The run's start; default now. Decides the run folder's name. */
  startedAt?: Date;
  /**
   * Resumable spiders only: continue the spider's unfinished (killed) run if there is one (auto,
   * the default), never, or only that run (`{run}`; an error when it is not the unfinished one).
   */
  resume?: ResumeMode;
}

export interface CrawlResult {
  status: RunStatus;
  runId: string;
  runDir: string;
  report: RunReport;
  /** Items that reached the end of the pipelines, by kind. */
  items: Record<string, number>;
}

export async function crawl(opts: CrawlOptions): Promise<CrawlResult> {
  try {
    return await crawlOnce(opts);
  } finally {
    // The run's one S3 client (uploader and incremental state) is closed after everything used it.
    releaseRunS3Client(opts.settings);
  }
}

async function crawlOnce(opts: CrawlOptions): Promise<CrawlResult> {
  const { settings, logger } = opts;
  const problems = opts.spider.checkSettings?.(settings) ?? [];
  if (problems.length) throw new SettingsError(problems);
  const startedAt = opts.startedAt ?? new Date();
  const runId = runIdOf(startedAt);
  const outputDir = resolve(settings.LOCAL_OUTPUT_DIRECTORY);
  const report = new RunReport();
  const ctx: CrawlContext = {
    spiderName: '',
    settings,
    logger,
    runId,
    startedAt,
    runDir: join(outputDir, runId),
    stateDir: join(outputDir, '.state'),
    report,
  };
  const spider = new opts.spider(ctx);
  ctx.spiderName = spider.name;
  routeCrawleeLog(logger);
  const books = spider.incremental ? new Bookkeeping(ctx, spider.incremental) : undefined;
  ctx.bookmarks = books;
  const stored = new StoredLines();
  ctx.stored = (module, kind) => stored.of(module, kind);
  const keep = (item: Item): void => {
    books?.observe(item);
    if (isLineItem(item)) stored.add(item);
  };
  const chain = new PipelineChain(buildPipelines(settings.ITEM_PIPELINES, opts.pipelines), ctx);
  // May switch ctx to the unfinished run (its id, folder and start) and set ctx.resume; what the
  // killed attempt wrote is the output stage's to say.
  const committed = chain.committed.bind(chain);
  const tracker = new ProgressTracker(Date.now(), () => chain.activity());
  const marker = spider.resumable
    ? await startRunMarker(ctx, opts.resume ?? 'auto', {
        shaping: spider.shapingSettings,
        onKeptLine: (item) => {
          keep(item);
          tracker.kept(item);
          spider.keptLine?.(item);
        },
        committed,
      })
    : undefined;
  ctx.checkpoint = marker;
  const counts: Record<string, number> = {};
  const progress = new ProgressReporter({ logger, tracker, status: opts.status });
  const commit = new CommitQueue(chain, counts, tracker, {
    passed: (item) => {
      keep(item);
      if (item.kind === 'module') void marker?.moduleSeen(item.module, item.fields, item.expected).catch(() => undefined);
    },
    // After every pipeline handled the end (the writer closed the stem's last file): only now is
    // the stem finished for a resumed run.
    ended: async (end) => {
      books?.stemEnded(end.module, end.of);
      await marker?.stemEnded(end.module, end.of);
    },
  });

  const chains = new RunningChains();
  try {
    await chain.open();
    const crawler = await createCrawler(spider, ctx, commit, chains);
    commit.onFailure = (error) => {
      report.error('pipelines', error.message);
      logger.error('an item pipeline failed; stopping the crawl', { error });
      void crawler.autoscaledPool?.abort();
    };
    let first: SpiderTask[];
    try {
      await books?.start();
      first = await commit.run(await drain(spider.startRequests()));
    } catch (error) {
      if (error instanceof StopCrawlError) stopped(ctx, error);
      else {
        report.fatal = error instanceof Error ? error.message : String(error);
        logger.error(`${spider.name}: ${report.fatal}`);
      }
      first = [];
    }
    progress.start();
    if (first.length) await crawler.run(first.map(toCrawleeRequest));
    // An aborted pool leaves its handlers running: chains end at their next page once halted.
    await chains.settled();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (report.fatal === undefined) report.fatal = message;
    logger.error(`crawl failed: ${message}`, { error });
  } finally {
    // The spider closes before the pipelines, also after a failed crawl (it may hold connections).
    await spider.close().catch((error: unknown) => logger.error(`${spider.name}: close failed`, { error }));
    await chain.close();
    progress.stop();
  }
  // After the pipelines closed: the output is stored (the manifest written and, with a bucket, uploaded).
  try {
    await books?.afterRun(report.status);
  } catch (error) {
    logger.error(`${spider.name}: saving the incremental state: ${error instanceof Error ? error.message : String(error)}`, { error });
  }
  // Last: a kill before this point leaves the run resumable (and a resumed run redoes the end). A
  // stopped run keeps its marker on purpose: the next crawl continues it.
  if (report.stoppedBy === undefined) await marker?.finish();
  else if (marker) logger.warn(`run ${ctx.runId} stopped early and stays resumable: the next crawl of ${spider.name} continues it`);
  return { status: report.status, runId: ctx.runId, runDir: ctx.runDir, report, items: counts };
}

async function createCrawler(spider: Spider, ctx: CrawlContext, commit: CommitQueue, chains: RunningChains): Promise<BasicCrawler> {
  const router = createBasicRouter();
  for (const [label, callback] of Object.entries(spider.callbacks)) {
    router.addHandler(label, async ({ request, crawler }: BasicCrawlingContext) => {
      const spiderRequest = fromCrawleeRequest(spider, request);
      if (spiderRequest.kind !== 'request') throw new NonRetryableError(`request ${label} is not a request`);
      const run = (): Promise<SpiderOutput[]> => drain(callback({ request: spiderRequest, retryCount: request.retryCount }));
      const outputs = await withTimeout(spider.callbackTimeoutSecs, run, `callback ${label}`);
      const next = await commit.run(outputs);
      if (next.length) await crawler.addRequests(next.map(toCrawleeRequest), { waitForAllRequestsToBeAdded: true });
    });
  }
  for (const [label, paginator] of Object.entries(spider.paginators)) {
    if (label in spider.callbacks) {
      throw new Error(`spider ${spider.name}: ${JSON.stringify(label)} names both a callback and a paginator; expected one label per kind of task`);
    }
    router.addHandler(label, async ({ request, crawler }: BasicCrawlingContext) => {
      const userData = request.userData as ChainData;
      const done = runChain(paginator, userData.state, {
        commit: (outputs) => commit.run(outputs),
        committed: (next) => {
          // Where a retry starts: the page after the last committed one, with a page's own retries.
          if (next !== undefined) userData.state = next;
          request.retryCount = 0;
        },
        schedule: async (tasks) => void (await crawler.addRequests(tasks.map(toCrawleeRequest), { waitForAllRequestsToBeAdded: true })),
        halted: () => ctx.report.stoppedBy !== undefined || commit.failed,
        pageTimeoutSecs: spider.callbackTimeoutSecs,
      });
      await chains.track(done);
    });
  }
  router.addDefaultHandler(async ({ request }) => {
    throw new NonRetryableError(`no callback for label ${JSON.stringify(request.label)} in spider ${spider.name}`);
  });

  // Storage in memory only: no ./storage in the working directory, nothing inside a run folder.
  // systemInfoIntervalMillis: Crawlee samples memory by spawning `ps -A` every second to scale its
  // concurrency; ours is fixed (min = max), so once an hour is plenty (a spawn a second is CPU the
  // crawl can use).
  const config = new Configuration({
    persistStorage: false,
    purgeOnStart: true,
    storageClientOptions: { localDataDirectory: join(ctx.stateDir, 'crawlee') },
    systemInfoIntervalMillis: 60 * 60 * 1000,
  });
  mkdirSync(ctx.stateDir, { recursive: true });
  return new BasicCrawler(
    {
      requestQueue: await RequestQueue.open(null, { config }),
      requestHandler: router,
      maxConcurrency: spider.maxConcurrency,
      // Fixed concurrency: the spider knows the API's limit; Crawlee's autoscaling would start at 1.
      minConcurrency: spider.maxConcurrency,
      maxRequestRetries: spider.maxRequestRetries,
      // A chain runs as long as its pages: the engine times each callback and each page itself
      // (spider.callbackTimeoutSecs), Crawlee's timeout of the whole handler is set as far as it goes.
      requestHandlerTimeoutSecs: Math.floor(MAX_TIMER_MS / 1000),
      useSessionPool: false,
      retryOnBlocked: false,
      statusMessageLoggingInterval: 3600,
      errorHandler: async ({ request, crawler }, error) => {
        if (error instanceof NonRetryableError) request.noRetry = true;
        if (error instanceof StopCrawlError) {
          // Callbacks already running finish (what they fetched is kept); nothing new starts.
          if (stopped(ctx, error)) crawler.stop(error.message);
          return;
        }
        ctx.logger.debug(`retrying ${request.label} (${request.retryCount + 1}/${spider.maxRequestRetries}): ${error.message}`);
      },
      failedRequestHandler: async ({ request, crawler }, error) => {
        // A stop is the run's, said once; the requests it cut short are not failures of their own.
        // Seen here first when the spider allows no retries (then Crawlee skips the errorHandler).
        if (error instanceof StopCrawlError) {
          if (stopped(ctx, error)) crawler.stop(error.message);
          return;
        }
        ctx.logger.error(`${spider.name}: request ${request.label} failed for good: ${error.message}`);
        const task = fromCrawleeRequest(spider, request);
        if (task.kind === 'chain') spider.onChainFailed(task, error);
        else spider.onRequestFailed(task, error);
      },
    },
    config,
  );
}

/** Records the first stop of the run (and logs it); false when the run was already stopping. */
function stopped(ctx: CrawlContext, error: StopCrawlError): boolean {
  if (ctx.report.stoppedBy !== undefined) return false;
  ctx.report.stoppedBy = error.message;
  ctx.logger.error(`${ctx.spiderName}: ${ctx.report.stoppedBy}; stopping the crawl, keeping what was fetched`);
  return true;
}

/** Prefix of the uniqueKeys the engine makes up for tasks that bring none. */
const ENGINE_KEY = '~engine:';

/** What a chain's Crawlee request carries: the state of the page it reads next. */
interface ChainData extends Record<string, unknown> {
  state: PageState;
}

/** The chain loops running now: an aborted crawl waits for them before the pipelines close. */
class RunningChains {
  private readonly running = new Set<Promise<void>>();

  async track(chain: Promise<void>): Promise<void> {
    this.running.add(chain);
    try {
      await chain;
    } finally {
      this.running.delete(chain);
    }
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}

/**
 * Items from every callback are sent through the pipelines one callback's batch at a time. A batch
 * is committed only once its callback has finished, so a callback that fails halfway and is retried
 * by Crawlee never writes its items twice.
 */
class CommitQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** A pipeline failed: the crawl is stopping. */
  failed = false;
  onFailure: (error: Error) => void = () => {};

  constructor(
    private readonly chain: PipelineChain,
    private readonly counts: Record<string, number>,
    private readonly tracker: ProgressTracker,
    private readonly observer: { passed(item: Item): void; ended(end: StemEnd): Promise<void> },
  ) {}

  /** Processes the batch's items in order; returns its requests and chains. */
  run(outputs: SpiderOutput[]): Promise<SpiderTask[]> {
    const job = this.tail.then(async () => {
      const requests: SpiderTask[] = [];
      try {
        for (const out of outputs) {
          if (out.kind === 'request' || out.kind === 'chain') requests.push(out);
          else if (out.kind === 'end') {
            await this.chain.process(out);
            await this.observer.ended(out);
          } else {
            // Awaited only when a pipeline had to wait: most items pass synchronously.
            const result = this.chain.process(out);
            if (result instanceof Promise ? await result : result) {
              this.count(out);
              this.observer.passed(out);
            }
          }
        }
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        this.failed = true;
        this.onFailure(err);
        throw new NonRetryableError(`item pipeline failed: ${err.message}`);
      }
      return requests;
    });
    this.tail = job.catch(() => undefined);
    return job;
  }

  private count(item: Item): void {
    this.counts[item.kind] = (this.counts[item.kind] ?? 0) + 1;
    this.tracker.observe(item);
  }
}


/** Lines stored so far per stem, for spiders that estimate what is left (e.g. credits). */
class StoredLines {
  // By kind, then module: no key string is built per line (this runs for every stored line).
  private readonly counts: Record<LineItem['kind'], Map<string, number>> = { record: new Map(), deleted: new Map() };

  add(item: LineItem): void {
    const byModule = this.counts[item.kind];
    byModule.set(item.module, (byModule.get(item.module) ?? 0) + 1);
  }

  of(module: string, kind: LineItem['kind']): number {
    return this.counts[kind].get(module) ?? 0;
  }
}

async function drain(outputs: AsyncIterable<SpiderOutput>): Promise<SpiderOutput[]> {
  const all: SpiderOutput[] = [];
  for await (const out of outputs) all.push(out);
  return all;
}

function toCrawleeRequest(task: SpiderTask): CrawleeRequest {
  if (task.kind === 'chain') {
    // Crawlee's queue takes only http(s) URLs; a chain is a task, not a URL, and nothing fetches this one.
    return new CrawleeRequest({
      url: `https://chain.invalid/${encodeURIComponent(task.label)}`,
      label: task.label,
      uniqueKey: `${ENGINE_KEY}${task.label}:${crypto.randomUUID()}`,
      userData: { state: task.state } satisfies ChainData,
    });
  }
  const req = task;
  // Crawlee only rejects a bad URL later, when the batch is queued, as "Received one or more errors".
  if (!URL.canParse(req.url) || !/^https?:$/.test(new URL(req.url).protocol)) {
    throw new NonRetryableError(`request ${req.label}: ${JSON.stringify(req.url)} is not an absolute http(s) URL`);
  }
  return new CrawleeRequest({
    url: req.url,
    label: req.label,
    uniqueKey: req.uniqueKey ?? `${ENGINE_KEY}${req.label}:${crypto.randomUUID()}`,
    userData: { ...req.userData },
  });
}

function fromCrawleeRequest(spider: Spider, request: CrawleeRequest): SpiderTask {
  const label = String(request.label);
  if (label in spider.paginators) return { kind: 'chain', label, state: (request.userData as ChainData).state };
  // Crawlee keeps the label inside userData; the spider's userData is the rest.
  const { label: _label, ...userData } = request.userData as Record<string, unknown>;
  return { kind: 'request', label, url: request.url, userData, uniqueKey: request.uniqueKey };
}
