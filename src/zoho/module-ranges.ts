// The modules being read in ranges of Modified_Time, by either read path (GET records or COQL): how
// many of a module's chains still read, what the finished ones wrote, and the work stealing between
// them (ranges.ts RangeBoard). A module's stem ends once the last of its chains has ended.
import { RangeBoard, type RangesNote, type TimeRange } from './ranges.js';

interface OpenModule {
  board: RangeBoard;
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

export class ModuleRanges {
  private readonly open = new Map<string, OpenModule>();

  /** A module's ranges are planned: `chains` of them are read, `written` records came with the bound pages. */
  start(module: string, board: RangeBoard, o: { chains: number; written: number; top?: TimeRange }): void {
    this.open.set(module, { board, chains: o.chains, written: o.written, steals: 0, ...(o.top ? { top: o.top } : {}) });
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
   * Tells the board where a range chain is; when it is done, hands half of the largest remaining
   * range, if one holds about `minSteal` records or more, to a new chain: its range and id, counted
   * open before the finished chain's end is said.
   */
  step(module: string, rangeId: number, step: RangeStep, minSteal: number): { range: TimeRange; rangeId: number } | undefined {
    const open = this.open.get(module);
    if (!open) return undefined;
    if (step.reading) {
      open.board.moved(rangeId, step.at, step.written);
      return undefined;
    }
    open.written += step.written;
    open.board.finished(rangeId);
    const range = open.board.steal(minSteal);
    if (!range) return undefined;
    open.chains++;
    open.steals++;
    return { range, rangeId: open.board.add(range) };
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
