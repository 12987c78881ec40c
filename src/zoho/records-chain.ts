// The pagination rules of one module's records, as pure functions over a JSON state that travels
// in the request's userData (Singer's "next page token" function, for Zoho):
// - a chain is sequential: each page's next_page_token asks for the next page, from the first page on
//   (page numbers stop at 2,000 records); one token per field batch, each bound to its field list;
// - the chain ends on more_records:false (no extra call) or when the cap is reached;
// - per_page is chosen once per chain (tokens are bound to the query) so that the cap is reached with
//   as few surplus records as possible;
// - a chain stops at ZOHO_PAGE_TOKEN_LIMIT records (Zoho: 100,000). Modules larger than that are read
//   ordered by Modified_Time ascending; at the limit a new chain starts with If-Modified-Since one
//   second before the last record's Modified_Time, and the records of that boundary second that were
//   already written are dropped by id. Same shape of records as any other page (no Bulk Read CSV);
// - a stale chain (EXPIRED_VALUE, TOKEN_BOUND_DATA_MISMATCH) restarts without repeating what was
//   written: in Modified_Time order as above; in Zoho's default order (id descending) by keeping only
//   ids below the lowest one already written;
// - a range chain (zoho/ranges.ts) reads only Modified_Time in [start, end): If-Modified-Since is
//   strict and to the second, so it asks from one second before `start` and drops what is older; it
//   ends on the first page that reaches `end` (ascending order: the rest belong to the next range).
import { mergeBatchPages, type Part, type PendingParts } from './field-batches.js';
import { imsBefore, type TimeRange } from './ranges.js';
import { MAX_PER_PAGE, type RecordOrder } from './requests.js';
import { morePages, type EntriesPage, type ZohoEntry } from './schemas.js';

export interface ChainState {
  module: string;
  batches: string[][];
  /** Next page_token per batch; null for a batch whose chain ended. Absent on a chain's first page. */
  tokens?: Array<string | null>;
  perPage: number;
  converted: boolean;
  order: RecordOrder;
  /** If-Modified-Since of this chain (ISO). */
  ims?: string;
  /** ZOHO_LAST_MODIFIED_TIME (ISO): no chain asks for older changes. */
  baseIms?: string;
  cap?: number;
  /** Records of the module written so far, over all chains. */
  written: number;
  /** Records read by the current chain, towards the page_token limit. */
  chainRead: number;
  pageTokenLimit: number;
  pending: PendingParts;
  /** Modified_Time order: the latest Modified_Time written (epoch ms) and the ids written at it. */
  boundary?: { at: number; ids: string[] };
  /** A range chain: its Modified_Time range, epoch ms, start inclusive, end exclusive. */
  range?: { start: number; end: number };
  /** Default order: the lowest id written so far. */
  lowestId?: string;
  /** Default order, after a restart: only ids below this one are new. */
  below?: string;
  staleRestarts: number;
}

/** Restarts of a stale chain before the module is given up (each one re-reads from the start). */
export const MAX_STALE_RESTARTS = 3;

/**
 * per_page for a chain that should stop after `cap` records: the fewest pages possible (⌈cap/200⌉),
 * evenly filled, so at most pages−1 records are fetched only to be dropped. The same per_page must
 * serve the whole chain because page tokens are bound to the query.
 */
export function perPageFor(cap?: number): number {
  if (cap === undefined) return MAX_PER_PAGE;
  const pages = Math.max(1, Math.ceil(cap / MAX_PER_PAGE));
  return Math.ceil(cap / pages);
}

export class ChainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}

/** What the chain reads of a record: its id and, in Modified_Time order, its Modified_Time. */
export interface ChainEntry {
  readonly id: string;
  readonly Modified_Time?: unknown;
}

export interface PageOutcome<E extends ChainEntry = ZohoEntry> {
  /** Records to write, in order: merged, de-duplicated against earlier chains, within the cap. */
  records: E[];
  /** The next page's state, or undefined when the module's records are done. */
  next?: ChainState;
  /** When done: records seen in only some field batches (changed while being read), left out. */
  leftover: number;
}

const modifiedAt = (record: ChainEntry): number => {
  const value = record.Modified_Time;
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) throw new ChainError(`record ${String(record.id)} has no readable Modified_Time; cannot page past the page_token limit by time`);
  return at;
};

const idLess = (a: string, b: string): boolean => {
  try {
    return BigInt(a) < BigInt(b);
  } catch {
    return a.length < b.length || (a.length === b.length && a < b);
  }
};

/**
 * Takes one page of every batch of the chain (null for a batch already finished, or that answered
 * 204/304) and decides what is written and what comes next. `repeat` names merged records written
 * by an earlier run (incremental overlap): they are dropped before the cap counts.
 */
export function takePage<E extends ChainEntry>(
  state: ChainState,
  pages: ReadonlyArray<EntriesPage<E & { id: string }> | null>,
  repeat?: (record: E) => boolean,
): PageOutcome<E> {
  const merged = mergePages(state, pages);
  let fresh = merged.complete;
  let reachedEnd = false;
  if (state.range) ({ inside: fresh, reachedEnd } = withinRange(fresh, state.range));
  if (state.boundary && state.order === 'modified-asc') {
    const { at, ids } = state.boundary;
    const seen = new Set(ids);
    fresh = fresh.filter((r) => !(seen.has(r.id) && modifiedAt(r) === at));
  }
  if (state.below !== undefined) {
    const below = state.below;
    fresh = fresh.filter((r) => idLess(r.id, below));
  }
  if (repeat) fresh = fresh.filter((r) => !repeat(r));
  const room = state.cap === undefined ? Infinity : state.cap - state.written;
  const records = fresh.slice(0, Math.max(0, room));

  const next: ChainState = { ...state, written: state.written + records.length, pending: merged.pending };
  for (const r of records) {
    if (state.order === 'modified-asc') {
      const at = modifiedAt(r);
      if (!next.boundary || at > next.boundary.at) next.boundary = { at, ids: [r.id] };
      else if (at === next.boundary.at) next.boundary = { at, ids: [...next.boundary.ids, r.id] };
    } else if (next.lowestId === undefined || idLess(r.id, next.lowestId)) {
      next.lowestId = r.id;
    }
  }
  next.tokens = pages.map((p, i) => {
    if (!p || !morePages(p, 'token', state.perPage)) return null;
    const token = p.info.next_page_token;
    if (!token) throw new ChainError(`batch ${i + 1}: more_records is true but no next_page_token came; expected one from the first page on`);
    // The same token again would ask for the same page forever.
    if (token === state.tokens?.[i]) {
      throw new ChainError(`batch ${i + 1}: Zoho answered the page_token it was sent as the next one; expected a new token or more_records false`);
    }
    return token;
  });
  next.chainRead = state.chainRead + Math.max(0, ...pages.map((p) => p?.data.length ?? 0));

  if (next.cap !== undefined && next.written >= next.cap) return { records, leftover: 0 };
  if (reachedEnd) return { records, leftover: 0 };
  if (next.tokens.every((t) => t === null)) return { records, leftover: next.pending.length };
  // The next call of this chain would pass the page_token limit: start a new chain instead of
  // spending a call on the 400 PAGINATION_LIMIT_EXCEEDED it would get.
  if (next.chainRead >= next.pageTokenLimit) return { records, next: restartPastLimit(next), leftover: 0 };
  if (keysetPossible(state, next, merged.complete)) return { records, next: newChainFromBoundary(next, 'keyset', true), leftover: 0 };
  return { records, next, leftover: 0 };
}

/**
 * The page's complete records. One field batch needs no merge: its entries are passed on as they
 * are. Several batches are merged by id (mergeBatchPages: as bytes when read as bytes).
 */
function mergePages<E extends ChainEntry>(
  state: ChainState,
  pages: ReadonlyArray<EntriesPage<E & { id: string }> | null>,
): { complete: E[]; pending: PendingParts } {
  if (pages.length === 1 && state.pending.length === 0) return { complete: firstOfEachId(pages[0]?.data ?? []), pending: [] };
  const merged = mergeBatchPages(
    pages.map((p) => (p?.data ?? null) as Part[] | null),
    state.pending,
    state.batches,
  );
  return { complete: merged.complete as unknown as E[], pending: merged.pending };
}

/** A page that repeats an id (moved while being read) keeps its first entry, as the merge does. */
function firstOfEachId<E extends ChainEntry>(entries: readonly E[]): E[] {
  const seen = new Set<string>();
  let repeated = false;
  for (const e of entries) {
    if (seen.has(e.id)) repeated = true;
    seen.add(e.id);
  }
  if (!repeated) return entries as E[];
  seen.clear();
  return entries.filter((e) => !seen.has(e.id) && seen.add(e.id) !== undefined);
}

/**
 * A range chain asks for its next page as a new query from its boundary second (keyset) rather than
 * by page_token whenever that makes progress: the reference does not say whether a page_token is a
 * snapshot or an offset into a live result, and with an offset a record modified during the crawl
 * (it moves to the end of the Modified_Time order) shifts the rest of the chain and one record
 * would be skipped. A new query sees every unchanged record after the boundary, whatever moved
 * before it; it costs the boundary second's records once more (about one a page on real data).
 * Progress needs the page to reach past the second it started in; else the page_token goes on (e.g.
 * through thousands of records of one mass update). Parts seen in only some field batches are not
 * kept: those after the boundary come again whole in the new query; those before it are records that
 * moved (modified while the batches were read), whose new version the next incremental run gets.
 */
function keysetPossible<E extends ChainEntry>(state: ChainState, next: ChainState, seen: readonly E[]): boolean {
  if (!state.range || !next.boundary || seen.length === 0) return false;
  const last = modifiedAt(seen[seen.length - 1]);
  return next.boundary.at === last && Math.floor(modifiedAt(seen[0]) / 1000) < Math.floor(last / 1000);
}

/**
 * The records of an ascending page inside [start, end), and whether the page reached `end`: then the
 * rest of the chain belongs to the next range.
 */
function withinRange<E extends ChainEntry>(records: E[], range: { start: number; end: number }): { inside: E[]; reachedEnd: boolean } {
  const inside: E[] = [];
  let reachedEnd = false;
  for (const r of records) {
    const at = modifiedAt(r);
    if (at >= range.end) reachedEnd = true;
    else if (at >= range.start) inside.push(r);
  }
  return { inside, reachedEnd };
}

/** A new chain after the page_token limit: only possible in Modified_Time order. */
export function restartPastLimit(state: ChainState): ChainState {
  if (state.order !== 'modified-asc') {
    throw new ChainError(
      `the module has more than ${state.pageTokenLimit} records (the page_token limit) but was read in id order, ` +
        'as its count said it was smaller; it grew during the crawl: run again',
    );
  }
  return newChainFromBoundary(state, 'page_token limit');
}

/** A new chain after the current one went stale (expired or rejected page_token). */
export function restartStale(state: ChainState, why: string): ChainState {
  if (state.staleRestarts >= MAX_STALE_RESTARTS) {
    throw new ChainError(`the page_token chain went stale ${state.staleRestarts + 1} times (${why}); giving up`);
  }
  const restarted = state.order === 'modified-asc' ? newChainFromBoundary(state, why, true) : { ...fresh(state), below: state.lowestId ?? state.below };
  return { ...restarted, staleRestarts: state.staleRestarts + 1 };
}

const fresh = (state: ChainState): ChainState => ({ ...state, tokens: undefined, chainRead: 0, pending: [] });

/** The first page of a chain that reads `range` of the module `of` reads: a query of its own from one second before its start. */
export function rangeChainState(of: ChainState, range: TimeRange): ChainState {
  const ims = imsBefore(range.start);
  const { boundary: _b, lowestId: _l, below: _below, ...rest } = fresh(of);
  return { ...rest, order: 'modified-asc', range, ims, baseIms: ims, written: 0, staleRestarts: 0 };
}

function newChainFromBoundary(state: ChainState, why: string, allowSamePoint = false): ChainState {
  if (!state.boundary) return { ...fresh(state), ims: state.baseIms };
  const from = Math.max(state.boundary.at - 1000, state.baseIms ? Date.parse(state.baseIms) : -Infinity);
  const ims = new Date(from).toISOString();
  if (!allowSamePoint && state.ims === ims) {
    throw new ChainError(
      `more than ${state.pageTokenLimit} records share Modified_Time ${new Date(state.boundary.at).toISOString()}; ` +
        `a ${why} chain cannot get past them (Bulk Read would be needed)`,
    );
  }
  return { ...fresh(state), ims };
}
