// Runs one chain of pages (src/core/paginator.ts): fetch, parse, commit, page after page, with the
// next page's fetch sent as soon as the page before has named it. The engine runs each chain as one
// Crawlee request whose handler is this loop, so Crawlee's pool bounds how many chains (and
// callbacks) run at once; the chain's current state lives in the request's userData, so a retry
// after a failed page starts from that page.
import type { PageState, Paginator } from '../core/paginator.js';
import { NonRetryableError, type SpiderOutput, type SpiderTask } from '../core/spider.js';

export interface ChainHost<S extends PageState> {
  /** Sends a page's outputs through the pipelines, in order after every earlier commit; returns its tasks. */
  commit(outputs: SpiderOutput[]): Promise<SpiderTask[]>;
  /** Called once a page is committed, with the state of the next page (undefined: the chain is done). */
  committed(next: S | undefined): void;
  /** Schedules the requests and chains a page yielded (after its commit). */
  schedule(tasks: SpiderTask[]): Promise<void>;
  /** True once the run is stopping: no further page is fetched or read. */
  halted(): boolean;
  /** Longest one page may take, from the moment the loop waits for its answer to its last output. */
  pageTimeoutSecs: number;
}

/**
 * Reads the chain from `state` to its end (or until the run halts). Throws the error of the page
 * that failed; the pages before it are committed and `committed` has moved the state past them.
 */
export async function runChain<S extends PageState, A>(paginator: Paginator<S, A>, state: S, host: ChainHost<S>): Promise<void> {
  let answer = send(paginator, state);
  for (;;) {
    if (host.halted()) return;
    const page = await withTimeout(host.pageTimeoutSecs, () => readPage(paginator, answer, state, host));
    const tasks = await host.commit(page.outputs);
    host.committed(page.next);
    if (tasks.length) await schedule(host, tasks);
    if (host.halted()) return;
    if (page.next === undefined) return ended(paginator, state, host);
    state = page.next;
    answer = page.ahead ?? send(paginator, state);
  }
}

/** The paginator's word on the chain's end, committed after its last page. The chain has moved past its pages: a failure is final. */
async function ended<S extends PageState, A>(paginator: Paginator<S, A>, last: S, host: ChainHost<S>): Promise<void> {
  if (!paginator.ended) return;
  const outputs: SpiderOutput[] = [];
  try {
    for await (const out of paginator.ended(last)) outputs.push(out);
  } catch (error) {
    if (error instanceof NonRetryableError) throw error;
    throw new NonRetryableError(`ending the chain failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const tasks = await host.commit(outputs);
  if (tasks.length) await schedule(host, tasks);
}

/**
 * A page's tasks are queued after its commit, and the chain's state has moved on: a retry would
 * read the next page and these tasks would be lost without a word, so a failure here is final.
 */
async function schedule<S extends PageState>(host: ChainHost<S>, tasks: SpiderTask[]): Promise<void> {
  try {
    await host.schedule(tasks);
  } catch (error) {
    if (error instanceof NonRetryableError) throw error;
    throw new NonRetryableError(`queueing what a page yielded failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface ReadPage<S, A> {
  outputs: SpiderOutput[];
  next?: S;
  /** The next page's fetch, already sent. */
  ahead?: Promise<A>;
}

async function readPage<S extends PageState, A>(paginator: Paginator<S, A>, answer: Promise<A>, state: S, host: ChainHost<S>): Promise<ReadPage<S, A>> {
  const parsed = await paginator.parse(await answer, state);
  // The prefetch: sent before this page's outputs are produced and committed.
  const ahead = parsed.next !== undefined && paginator.prefetch !== false && !host.halted() ? send(paginator, parsed.next) : undefined;
  const outputs: SpiderOutput[] = [];
  for await (const out of parsed.outputs) outputs.push(out);
  return { outputs, next: parsed.next, ahead };
}

/** Starts a fetch. Its rejection is the page's failure once the loop reaches it, never an unhandled one. */
function send<S extends PageState, A>(paginator: Paginator<S, A>, state: S): Promise<A> {
  const sent = new Promise<A>((resolve) => resolve(paginator.fetch(state)));
  sent.catch(() => undefined);
  return sent;
}

export class CallbackTimeoutError extends Error {
  override name = 'CallbackTimeoutError';
}

/** `work()`, failed with a CallbackTimeoutError after `secs` seconds (the work itself is not cancelled). */
export async function withTimeout<T>(secs: number, work: () => Promise<T>, what = 'page'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallbackTimeoutError(`${what} timed out after ${secs} seconds`)), Math.min(secs * 1000, MAX_TIMER_MS));
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** setTimeout's longest delay. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
