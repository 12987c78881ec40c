// How a large module is read as several chains at once: its records are cut into ranges of
// Modified_Time, each read by its own chain — on the records path a page_token chain
// (sort_by=Modified_Time ascending, If-Modified-Since one second before the range's start;
// records-chain.ts keeps each chain inside its range), on the COQL path a keyset chain whose WHERE
// holds the range (coql.ts). The ranges partition time, so each version of a record falls in exactly
// one range and is written once, whatever the order the chains finish in.
//
// Bounds cost no call of their own: the oldest record is the first of the first ascending page (the
// first range's first page, kept), the newest ones are on one descending page whose records above
// its lowest second are written as they are; the ranges end at that second's end.
import { MAX_PER_PAGE } from './requests.js';

export interface TimeRange {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
}

/** Pages a range should hold at least: fewer, and the two bound pages cost more than parallel reading saves. */
export const MIN_RANGE_PAGES = 10;

/** Records from which a module takes every chain the crawl allows, whatever else is being read. */
export const BIG_MODULE_RECORDS = 50_000;

/** Zoho's sub-concurrency of sort_by calls, in every edition (reference §8). */
export const SORT_BY_CONCURRENCY = 10;

/**
 * How many ranges a module of `records` is read in, given `chains` chains it could use at once: at
 * most one per chain, each of at least MIN_RANGE_PAGES pages of `pageRows`. 1 means one chain, as for
 * any small module.
 */
export function rangeCount(records: number, chains: number, pageRows = MAX_PER_PAGE): number {
  return Math.max(1, Math.min(chains, Math.floor(records / (MIN_RANGE_PAGES * pageRows))));
}

const SECOND = 1000;

/**
 * [start, end) cut into at most `k` ranges of about equal time, on whole seconds (Modified_Time and
 * If-Modified-Since have second precision). Uneven data makes uneven ranges: chains that finish
 * early take over half of the largest remaining one (work stealing).
 */
export function splitTime(start: number, end: number, k: number): TimeRange[] {
  const from = Math.floor(start / SECOND);
  const seconds = Math.max(1, Math.ceil(end / SECOND) - from);
  const n = Math.max(1, Math.min(k, seconds));
  const bounds: number[] = [];
  for (let i = 0; i <= n; i++) bounds.push((from + Math.floor((i * seconds) / n)) * SECOND);
  bounds[n] = Math.max(bounds[n], end);
  const out: TimeRange[] = [];
  for (let i = 0; i < n; i++) if (bounds[i + 1] > bounds[i]) out.push({ start: bounds[i], end: bounds[i + 1] });
  return out;
}

/** If-Modified-Since for a range that starts at `start`: strict and to the second, so one second before. */
export const imsBefore = (start: number): string => new Date(Math.floor(start / SECOND) * SECOND - SECOND).toISOString();

interface LiveRange extends TimeRange {
  /** Latest Modified_Time written by the range's chain (epoch ms); `start` before its first record. */
  at: number;
  /** Records its chain has written. */
  written: number;
}

/** A range is split only if about this many pages are left in it: each split costs about one page. */
export const MIN_STEAL_PAGES = 4;

/**
 * The ranges of one module still being read, and work stealing: when a chain finishes while others
 * read on, the largest remaining range (from where its chain is to its end) is cut in two and the
 * second half goes to a new chain, so uneven data keeps every allowed call busy. The victim's
 * chain learns its new end at its next page (records-chain drops what lies past it, so a page
 * already fetched costs nothing twice); the cut is always past the second it has written up to,
 * so nothing it wrote belongs to the new range.
 */
export class RangeBoard {
  private readonly live = new Map<number, LiveRange>();
  /** Every range, finished ones too: what a resumed run must cover (they partition the module's time). */
  private readonly ranges: TimeRange[] = [];
  private nextId = 0;

  /** Registers a range being read; returns its id. */
  add(range: TimeRange): number {
    const id = this.nextId++;
    const live = { ...range, at: range.start, written: 0 };
    this.live.set(id, live);
    this.ranges.push(live);
    return id;
  }

  /** Every range registered, with its end as it stands, in time order. */
  all(): TimeRange[] {
    return this.ranges.map(({ start, end }) => ({ start, end })).sort((a, b) => a.start - b.start);
  }

  /** The range's end as it stands now (a steal may have moved it earlier). */
  endOf(id: number): number {
    const r = this.live.get(id);
    if (!r) throw new Error(`RangeBoard: no range ${id}`);
    return r.end;
  }

  /** The range's chain wrote up to `at` (ms), `written` records in all. */
  moved(id: number, at: number | undefined, written: number): void {
    const r = this.live.get(id);
    if (!r) return;
    if (at !== undefined) r.at = Math.max(r.at, at);
    r.written = written;
  }

  finished(id: number): void {
    this.live.delete(id);
  }

  /** Records per ms over what the live chains have read; a range not yet started is assumed as dense. */
  private density(): number {
    let written = 0;
    let covered = 0;
    for (const r of this.live.values()) {
      written += r.written;
      covered += Math.max(0, r.at - r.start);
    }
    return covered > 0 ? written / covered : Number.MAX_SAFE_INTEGER;
  }

  /**
   * Cuts the range with the most records left (estimated from its chain's pace so far) in two; the
   * new half, or none when no range has about `minRecords` left (a split costs about a page).
   */
  steal(minRecords = MIN_STEAL_PAGES * MAX_PER_PAGE): TimeRange | undefined {
    return this.stealable(minRecords)?.take();
  }

  /** The split steal would make, not made yet: the records its range has left, and the cut. */
  stealable(minRecords = MIN_STEAL_PAGES * MAX_PER_PAGE): { left: number; take: () => TimeRange } | undefined {
    let best: { r: LiveRange; cut: number; left: number } | undefined;
    for (const r of this.live.values()) {
      // Past the second already written: the victim has written nothing at or after `from`.
      const from = Math.floor(r.at / SECOND) * SECOND + SECOND;
      if (r.end - from < 2 * SECOND) continue;
      const left = estimateLeft(r, from, this.density());
      if (!best || left > best.left) best = { r, cut: Math.floor((from + r.end) / 2 / SECOND) * SECOND, left };
    }
    if (!best || best.left < minRecords) return undefined;
    const { r, cut, left } = best;
    return {
      left,
      take: () => {
        const stolen = { start: cut, end: r.end };
        r.end = cut;
        return stolen;
      },
    };
  }
}

/** Records left in a range from `from` on, at the density its chain has read so far, else at `fallback` (records per ms). */
function estimateLeft(r: LiveRange, from: number, fallback: number): number {
  const covered = r.at - r.start;
  const density = r.written > 0 && covered > 0 ? r.written / covered : fallback;
  return density * (r.end - from);
}

/** What the run marker keeps of a module read in ranges, for a resumed run. */
export interface RangesNote {
  /** Every range, with its current end (steals included). */
  ranges: TimeRange[];
  /** The newest records, written from the descending page: (its lowest second, its newest second]. */
  top?: TimeRange;
}

/**
 * The ranges a resumed run still has to read, from what the killed attempt noted and the
 * Modified_Time of every record it kept. Each range's chain wrote in ascending time order and the
 * kept chunks are a prefix of all that was written, so in each range every record older than the
 * newest kept one's second was kept: the range goes on from that second (the writer drops the kept
 * ids of it). The newest records went out in descending order: their range is read again whole.
 */
export function rangesToResume(note: RangesNote, kept: readonly number[]): TimeRange[] {
  const sorted = [...kept].sort((a, b) => a - b);
  const out: TimeRange[] = [];
  for (const r of note.ranges) {
    const newest = newestBelow(sorted, r.end);
    const from = newest !== undefined && newest >= r.start ? Math.floor(newest / SECOND) * SECOND : r.start;
    out.push({ start: Math.max(r.start, from), end: r.end });
  }
  if (note.top && note.top.end > note.top.start) out.push(note.top);
  return out;
}

/** The largest value below `end` in ascending `sorted`, if any. */
function newestBelow(sorted: readonly number[], end: number): number | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < end) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? sorted[lo - 1] : undefined;
}
