// A chain of pages, as in the Singer SDK's RESTStream: a spider that reads a paginated source does
// not yield one request per page; it yields ONE chain, `chain(label, state)`, and gives the engine a
// small paginator for that label: `fetch(state)` asks for one page, `parse(answer, state)` says what
// the page holds (items, stem ends, other requests or chains) and the state of the next page, if any.
//
// The engine runs the chain as a loop (src/engine/chain-runner.ts). As soon as `parse` has returned
// `next`, the fetch of that page starts (unless the paginator says `prefetch: false`), while this page's outputs are still being produced and
// committed through the pipelines: one page ahead per chain, never more, so a chain never waits for
// the pipelines and memory stays bounded. A page's outputs are committed only once all of them were
// produced (all or nothing, as for a callback), and the chain moves on only after that commit: a
// page that fails is retried from its own state, never from the chain's start, and nothing is
// written twice.
import type { SpiderOutput } from './spider.js';

/** A chain's state: one page's worth of "where am I" (page token, URL, counters). JSON-serialisable. */
export type PageState = Record<string, unknown>;

/** Starts a chain: yielded by a spider (from startRequests, a callback or a page) like a request. */
export interface SpiderChain<S extends PageState = PageState> {
  kind: 'chain';
  /** Selects the paginator (`spider.paginators[label]`); also names the chain in logs and reports. */
  label: string;
  /** The state of the chain's first page. Must be JSON-serialisable. */
  state: S;
}

/** What one page holds and where the chain goes next. */
export interface PageParse<S extends PageState = PageState> {
  /**
   * The page's outputs, in order. An async iterable when producing them needs more calls (the Zoho
   * spider completes rich text): the next page is already being fetched meanwhile.
   */
  outputs: Iterable<SpiderOutput> | AsyncIterable<SpiderOutput>;
  /** The next page's state; absent when this was the chain's last page. */
  next?: S;
}

/**
 * The next-page function of one kind of chain. Both methods may throw: the page fails and is handled
 * like a failed callback (NonRetryableError at once, StopCrawlError stops the run, any other error is
 * retried up to the spider's maxRequestRetries, from this page).
 */
export interface Paginator<S extends PageState = PageState, A = unknown> {
  /** Asks for the page `state` describes. May be called before the previous page was committed. */
  fetch(state: S): Promise<A>;
  /** Reads the answer: the page's outputs and the next page's state. */
  parse(answer: A, state: S): PageParse<S> | Promise<PageParse<S>>;
  /**
   * Called once the chain's last page is committed (never when the run halts first), with that
   * page's state; its outputs are committed in turn. Where a spider reads one stem in several chains,
   * the stem's end belongs here: every earlier commit, the other chains' last pages included, is
   * through the pipelines by then.
   */
  ended?(last: S): Iterable<SpiderOutput> | AsyncIterable<SpiderOutput>;
  /**
   * false: the next page is fetched only once this one is committed (a short chain gains little
   * from the overlap, and then a page is on disk before the next call goes out). Default true.
   */
  readonly prefetch?: boolean;
}

export function chain<S extends PageState>(label: string, state: S): SpiderChain<S> {
  return { kind: 'chain', label, state };
}
