// The modules being read in ranges of Modified_Time, by either read path (GET records or COQL): how
// many of a module's chains still read, what the finished ones wrote, and the work stealing between
// them (ranges.ts RangeBoard). A module's stem ends once the last of its chains has ended.
//
// Stealing is crawl-wide and only for calls that would stand idle: a chain that finishes while at
// least as many chains read as may have calls in flight leaves the ranges as they are (each split
// costs about a call, and every allowed call is busy without it); otherwise it takes over half of the
// range with the most calls left, in whichever module that is.
import { RangeBoard, type RangesNote, type TimeRange } from './ranges.js';

/** How a module's range chains are made and split, by its read path. */
export interface RangeReader<C> {
  /** A chain that reads `range` (a range just split off). */
  chainOf: (range: TimeRange, rangeId: number) => C;
  /** Rows one call of this path reads: what "calls left" are counted in. */
  pageRows: number;
  /** Rows a range must have left to be split. */
  minSteal: number;
}

interface OpenModule<C> {
  board: RangeBoard;
  reader: RangeReader<C>;
  /** Chains still reading. */
  chains: number;
  /** Records written by the bound pages and the chains that finished. */
  written: number;
  steals: number;
  /** The newest records, written from the descending bound page. */
  top?: TimeRange;
}

/** Where a range chain stands after a page: still reading (its newest time, its records so far), or done. */
export type RangeStep = { reading: true; at?: number; written: number } | { reading: false; written: number };

export class ModuleRanges<C> {
  private readonly open = new Map<string, OpenModule<C>>();

  /** `calls`: the most calls the range chains may have in flight together (Zoho's sub-concurrency within the crawl's). */
  constructor(private readonly calls: number) {}

  /** A module's ranges are planned: `chains` of them are read, `written` records came with the bound pages. */
  start(module: string, board: RangeBoard, reader: RangeReader<C>, o: { chains: number; written: number; top?: TimeRange }): void {
    this.open.set(module, { board, reader, chains: o.chains, written: o.written, steals: 0, ...(o.top ? { top: o.top } : {}) });
  }

  /** What a resumed run needs to read on: every range as it stands and the top's. */
  note(module: string): RangesNote | undefined {
    const open = this.open.get(module);
    return open && { ranges: open.board.all(), ...(open.top ? { top: open.top } : {}) };
  }

  /** A range's end as it stands (a steal may have moved it since a page was asked for). */
  endOf(module: string, rangeId: number, asked: number): number {
    return this.open.get(module)?.board.endOf(rangeId) ?? asked;
  }

  /**
   * Tells the board where a range chain is. When it is done and calls would stand idle, half of the
   * range with the most calls left (in any module) goes to a new chain, counted open before the
   * finished chain's end is said: its module and chain.
   */
  step(module: string, rangeId: number, step: RangeStep): { module: string; chain: C; range: TimeRange } | undefined {
    const open = this.open.get(module);
    if (!open) return undefined;
    if (step.reading) {
      open.board.moved(rangeId, step.at, step.written);
      return undefined;
    }
    open.written += step.written;
    open.board.finished(rangeId);
    // This chain's own count goes when its end is said, after this.
    if (this.reading() - 1 >= this.calls) return undefined;
    return this.steal();
  }

  /** Range chains reading, in every module. */
  private reading(): number {
    let n = 0;
    for (const open of this.open.values()) n += open.chains;
    return n;
  }

  private steal(): { module: string; chain: C; range: TimeRange } | undefined {
    let best: { module: string; open: OpenModule<C>; calls: number; take: () => TimeRange } | undefined;
    for (const [module, open] of this.open) {
      const split = open.board.stealable(open.reader.minSteal);
      const calls = split && split.left / open.reader.pageRows;
      if (split && calls !== undefined && (!best || calls > best.calls)) best = { module, open, calls, take: split.take };
    }
    if (!best) return undefined;
    const { module, open } = best;
    const range = best.take();
    open.chains++;
    open.steals++;
    return { module, chain: open.reader.chainOf(range, open.board.add(range)), range };
  }

  /**
   * One of the module's chains ended (its last page committed). Returns the module's totals once the
   * last one has, undefined before. A module with no range left to read ends at once (0 chains).
   */
  chainEnded(module: string): { written: number; steals: number } | undefined {
    const open = this.open.get(module);
    if (!open) throw new Error(`zoho spider: ${module} has no ranges open`);
    if (open.chains > 0) open.chains--;
    if (open.chains > 0) return undefined;
    this.open.delete(module);
    return { written: open.written, steals: open.steals };
  }
}
