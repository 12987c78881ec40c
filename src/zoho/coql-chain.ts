// The COQL chain of one module, as pure functions over a JSON state that travels in the chain's
// place in the queue (like records-chain.ts for GET records):
// - each page asks for the rows after the last one read, in (Modified_Time, id) order (coql.ts);
// - its LIMIT is what is still needed (the cap's rest, the count's rest), so the last call asks for no
//   more than is left: it costs fewer credits and answers more_records false, and no call follows it;
// - the chain ends on more_records false, on an empty page, or once the cap is reached;
// - a page whose rows do not come after the place asked for would repeat rows (or loop): the chain
//   stops with an error rather than write a record twice;
// - a resumed run starts after the greatest (Modified_Time, id) the killed attempt stored (CoqlKept):
//   its pages were committed in that order, so what was stored is exactly what precedes that place;
// - a range chain (a large module, ranges.ts) keeps to its range: rows at or past its end, which a
//   steal may have moved since the call went out, are the next range's and end the chain.
import { coqlRecord, isAfter, keysetOf, nextCoqlLimit, type CoqlQuery, type CoqlRecord, type CoqlRow, type Keyset } from './coql.js';
import { ChainError } from './records-chain.js';
import type { TimeRange } from './ranges.js';

export interface CoqlChainState extends Record<string, unknown> {
  module: string;
  /** The SELECT list without id, in field-metadata order. */
  fields: string[];
  /** ZOHO_LAST_MODIFIED_TIME or the incremental bookmark (ISO): only records modified after it. */
  since?: string;
  /** The last row read (absent on the first page). */
  after?: Keyset;
  /** ZOHO_MAX_RECORDS_PER_MODULE. */
  cap?: number;
  /** Records the module holds by actions/count (capped), when that is what the chain reads (no `since`). */
  expected?: number;
  /** Records written so far (the kept ones too, on resume). */
  written: number;
  /** A range chain's part of the module's time (ranges.ts); its end may move earlier (a steal). */
  range?: TimeRange;
}

/** What the next call still needs: the smaller of the cap's rest and the count's rest; undefined when neither is known. */
function need(state: CoqlChainState): number | undefined {
  const rests = [state.cap, state.expected].filter((n): n is number => n !== undefined).map((n) => n - state.written);
  return rests.length ? Math.min(...rests) : undefined;
}

export function coqlQueryOf(state: CoqlChainState): CoqlQuery {
  const { module, fields, since, after, range } = state;
  return { module, fields, since, after, ...(range ? { range } : {}), limit: nextCoqlLimit(need(state)) };
}

export interface CoqlPageOutcome {
  /** Records to write, in order: keys in field-metadata order, then id. */
  records: CoqlRecord[];
  next?: CoqlChainState;
}

/**
 * One page: its rows past the overlap an earlier run stored (`repeat`, incremental), within the cap
 * and within the range's end as it stands now (`end`: a steal may have moved it since the call went
 * out; the rows past it are the new range's), and the next page's state. The keyset moves past
 * every row, dropped ones too.
 */
export function takeCoqlPage(
  state: CoqlChainState,
  rows: readonly CoqlRow[],
  more: boolean,
  repeat?: (record: CoqlRecord) => boolean,
  end = state.range?.end,
): CoqlPageOutcome {
  let last = state.after;
  let inRange = rows.length;
  for (const [i, row] of rows.entries()) {
    const at = keysetOf(row);
    if (last && !isAfter(at, last)) {
      throw new ChainError(`COQL answered record ${row.id} out of (Modified_Time, id) order or again; stopped so that no record is written twice`);
    }
    if (end !== undefined && at.at >= end && inRange === rows.length) inRange = i;
    last = at;
  }
  const pastEnd = inRange < rows.length;
  let records = rows.slice(0, inRange).map((row) => coqlRecord(row, state.fields));
  if (repeat) records = records.filter((r) => !repeat(r));
  if (state.cap !== undefined) records = records.slice(0, Math.max(0, state.cap - state.written));
  const written = state.written + records.length;
  const capped = state.cap !== undefined && written >= state.cap;
  // An empty page ends the chain even if it claims more: asking again for the same place would never stop.
  if (!more || rows.length === 0 || capped || pastEnd) return { records };
  return { records, next: { ...state, after: last, written, ...(end !== undefined && state.range ? { range: { ...state.range, end } } : {}) } };
}

/** Resume: per module, the greatest (Modified_Time, id) among the kept lines, and how many there are. */
export class CoqlKept {
  private readonly modules = new Map<string, { after: Keyset; count: number }>();

  kept(module: string, data: Record<string, unknown>): void {
    if (typeof data.id !== 'string' || !/^\d+$/.test(data.id)) return;
    let at: Keyset;
    try {
      at = keysetOf(data as CoqlRow);
    } catch {
      return;
    }
    const seen = this.modules.get(module);
    if (!seen) this.modules.set(module, { after: at, count: 1 });
    else {
      seen.count++;
      if (isAfter(at, seen.after)) seen.after = at;
    }
  }

  /** Where a module's chain goes on, once; undefined when nothing of it was kept. */
  take(module: string): { after: Keyset; count: number } | undefined {
    const seen = this.modules.get(module);
    this.modules.delete(module);
    return seen;
  }
}
