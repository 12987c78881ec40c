// How a large module is read as several chains at once: its records are cut into ranges of
// Modified_Time, each read by its own page_token chain (sort_by=Modified_Time ascending,
// If-Modified-Since one second before the range's start; records-chain.ts keeps each chain inside
// its range). The ranges partition time, so each version of a record falls in exactly one range and
// is written once, whatever the order the chains finish in.
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

/** Zoho's sub-concurrency of sort_by calls, in every edition (reference §8). */
export const SORT_BY_CONCURRENCY = 10;

/**
 * How many ranges a module of `records` is read in, given `chains` chains it could use at once: at
 * most one per chain, each of at least MIN_RANGE_PAGES pages. 1 means one chain, as for any small module.
 */
export function rangeCount(records: number, chains: number): number {
  return Math.max(1, Math.min(chains, Math.floor(records / (MIN_RANGE_PAGES * MAX_PER_PAGE))));
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
