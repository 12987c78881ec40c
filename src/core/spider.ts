// The spider contract, as in Scrapy: a spider yields requests and items and knows nothing of storage.
// Each request names the callback (by label) that handles its response; every callback is an async
// generator. A paginated source is read as a chain of pages instead (src/core/paginator.ts). The
// engine runs the requests and chains through Crawlee and the items through the pipelines.
import type { SettingName, Settings } from '../settings.js';
import type { CrawlContext } from './context.js';
import type { Logger } from './logger.js';
import type { LineItem, StemEnd, Item } from './items.js';
import type { Paginator, SpiderChain } from './paginator.js';

export interface SpiderRequest {
  kind: 'request';
  /** Selects the callback, like Crawlee's router labels. */
  label: string;
  url: string;
  /** Typed state the callback needs (page tokens, module name, …). Must be JSON-serialisable. */
  userData?: Record<string, unknown>;
  /** Crawlee's de-duplication key; default: a fresh one per request (nothing is silently merged). */
  uniqueKey?: string;
}

export type SpiderOutput = Item | SpiderRequest | SpiderChain | StemEnd;

/** What the engine schedules: a request (one callback) or a chain (a paginator's pages). */
export type SpiderTask = SpiderRequest | SpiderChain;

export interface CallbackInput {
  request: SpiderRequest;
  /** 0 on the first attempt; counts Crawlee's retries. */
  retryCount: number;
  signal?: AbortSignal;
}

export type SpiderCallback = (input: CallbackInput) => AsyncIterable<SpiderOutput>;

export function request(label: string, url: string, userData?: Record<string, unknown>, uniqueKey?: string): SpiderRequest {
  return { kind: 'request', label, url, userData, uniqueKey };
}

/** An error that retrying cannot fix: the request fails at once. */
export class NonRetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonRetryableError';
  }
}

/**
 * The run cannot go on for now, for a reason that passes with time (the API's daily credits are spent,
 * a budget is reached): the engine stops the crawl at once, keeps everything already stored, ends the
 * run partial with this message, and leaves it resumable, so the next crawl continues it.
 */
export class StopCrawlError extends NonRetryableError {
  constructor(message: string) {
    super(message);
    this.name = 'StopCrawlError';
  }
}

/**
 * How a spider's lines are timed, for incremental runs kept by the framework: each stem is asked for
 * changes since its bookmark, repeats of the overlap are dropped, and bookmarks move after a complete
 * run's output is stored (the argument is in src/state/watermarks.ts).
 */
export interface IncrementalSpec {
  /** Whether this run reads only changes (a spider setting, e.g. ZOHO_INCREMENTAL). */
  enabled: boolean;
  /** Per line kind, the field holding a line's time in the source's clock: what "changed since" filters on. */
  timeField: Record<LineItem['kind'], string>;
  /** How far our clock and the source's may differ: bookmarks step back this much. */
  overlapSecs: number;
  /** A start the user gave (setting and time): it wins over the bookmarks and nothing is dropped as a repeat. */
  explicitSince?: { setting: string; at: Date };
  /** Kinds whose bookmarks must not move this run, with the reason said in the log (e.g. a capped read). */
  frozen?: Partial<Record<LineItem['kind'], string>>;
}

export abstract class Spider {
  abstract readonly name: string;
  /** Most callbacks and chains running at once (Crawlee's maxConcurrency). */
  maxConcurrency = 5;
  /**
   * A resumable spider supports crash resume (src/state/): it yields a StemEnd after each stem's
   * last line, does not read again what `ctx.resume` says is finished, and every line has an `id`.
   */
  readonly resumable: boolean = false;
  /**
   * The spider's settings that shape its output (which modules, which records, which fields): a
   * resumed run must have the same values. The framework adds its own (file type, chunk size, bucket).
   */
  readonly shapingSettings: readonly SettingName[] = [];
  /**
   * A resumable spider may look at each line the killed attempt left in the kept chunks, once, before
   * startRequests: e.g. to resume each part of a stem after its last stored line rather than from the
   * stem's start (the writer still drops every kept id).
   */
  keptLine?(item: LineItem): void;
  /** Declared by a spider with incremental runs: the framework keeps its bookmarks (ctx.bookmarks). */
  readonly incremental?: IncrementalSpec;
  /** How often Crawlee retries a request whose callback threw (a chain: each of its pages). */
  maxRequestRetries = 3;
  /** Longest one callback (or one page of a chain) may run, retries and backoff inside it included. */
  callbackTimeoutSecs = 600;

  constructor(protected readonly ctx: CrawlContext) {}

  /** The first requests (and possibly items). A throw here fails the whole run (e.g. auth). */
  abstract startRequests(): AsyncIterable<SpiderOutput>;

  /** Callbacks by label. */
  abstract readonly callbacks: Record<string, SpiderCallback>;

  /** Paginators by label: how the chains this spider yields are read (src/core/paginator.ts). */
  readonly paginators: Record<string, Paginator> = {};

  /**
   * Called when a request failed for good (its retries spent): the spider decides what it means,
   * by default an error on the run report under the request's label.
   */
  onRequestFailed(req: SpiderRequest, error: Error): void {
    this.ctx.report.error(String(req.userData?.module ?? req.label), error.message);
  }

  /**
   * Called when a page of a chain failed for good, with the chain at that page's state; the chain
   * ends there. By default an error on the run report under the state's `module` or the label.
   */
  onChainFailed(chain: SpiderChain, error: Error): void {
    this.ctx.report.error(String(chain.state.module ?? chain.label), error.message);
  }

  /** Called once after the last request, before the pipelines close. */
  async close(): Promise<void> {}
}

export type SpiderClass = (new (ctx: CrawlContext) => Spider) & {
  /**
   * Problems with the settings this spider needs, one line each (`NAME: problem; expected …`), found
   * without any request. The engine stops with them before anything runs: exit code 2, like bad values.
   */
  checkSettings?(settings: Settings): string[];
  /**
   * What a crawl with these settings would cost, learnt from metadata only (`plan <spider>`), for a
   * person (text) and for scripts (json). Writes nothing: no run folder, no state.
   */
  plan?(settings: Settings, logger: Logger): Promise<SpiderPlan>;
};

export interface SpiderPlan {
  text: string;
  json: object;
}
