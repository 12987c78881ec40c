// What the rest of a stopped run is expected to cost in API credits, from what the crawl learnt on the
// way (each module's record count and field batches, the records stored so far). Said when a run stops
// for spent credits, so the user knows whether tomorrow's window is enough.
import { CALL_CREDITS, DELETED_CREDITS, MAX_PER_PAGE } from './requests.js';

/** GET /settings/fields and actions/count of a module not reached yet. */
const METADATA_CALLS = 2 * CALL_CREDITS;

interface ModuleWork {
  /** Known once the fields and count were read. */
  batches?: number;
  expected?: number;
  perPage: number;
  recordsDone: boolean;
  deletedDone: boolean;
}

export interface CreditEstimate {
  /** Credits the known part of the rest needs. */
  credits: number;
  /** Modules whose size is not known yet (their records cost more than `credits` counts). */
  unsized: number;
}

export class RemainingCredits {
  private readonly modules = new Map<string, ModuleWork>();

  constructor(private readonly withDeleted: boolean) {}

  /** A module the run will read. */
  planned(module: string): void {
    if (!this.modules.has(module)) this.modules.set(module, { perPage: MAX_PER_PAGE, recordsDone: false, deletedDone: !this.withDeleted });
  }

  /** Its fields and count are read: `expected` records (undefined when unknown) in `batches` field batches. */
  sized(module: string, batches: number, expected: number | undefined, perPage: number): void {
    const work = this.need(module);
    Object.assign(work, { batches, expected, perPage });
  }

  /** Skipped (refused by the org): nothing of it will be read. */
  dropped(module: string): void {
    this.modules.delete(module);
  }

  /** Modules whose records are still to be read (planned, not refused, not finished). */
  recordsLeft(): number {
    let n = 0;
    for (const work of this.modules.values()) if (!work.recordsDone) n++;
    return n;
  }

  ended(module: string, of: 'record' | 'deleted'): void {
    const work = this.need(module);
    if (of === 'record') work.recordsDone = true;
    else work.deletedDone = true;
  }

  /** `stored` says how many records of a module are stored so far (the framework counts them). */
  estimate(stored: (module: string) => number): CreditEstimate {
    let credits = 0;
    let unsized = 0;
    for (const [module, work] of this.modules) {
      if (!work.deletedDone) credits += DELETED_CREDITS;
      if (work.recordsDone) continue;
      if (work.batches === undefined) credits += METADATA_CALLS;
      if (work.batches === undefined || work.expected === undefined) {
        unsized++;
        continue;
      }
      const left = Math.max(0, work.expected - stored(module));
      credits += Math.max(1, Math.ceil(left / work.perPage)) * work.batches * CALL_CREDITS;
    }
    return { credits, unsized };
  }

  private need(module: string): ModuleWork {
    this.planned(module);
    return this.modules.get(module)!;
  }
}

/** The estimate as words: "about 1,234 credits", plus what it cannot count yet. */
export function describeEstimate({ credits, unsized }: CreditEstimate): string {
  const base = `about ${credits.toLocaleString('en-US')} credit(s)`;
  return unsized ? `${base}, plus the records of ${unsized} module(s) whose size is not known yet` : base;
}
