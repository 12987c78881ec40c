// The API-economy lower bound of DESIGN.md ("Quality bars"): the fewest API calls a complete crawl of an
// org can make. Token grants and retries after 429/5xx are not part of it; count calls are optional.

export interface ModuleShape {
  apiName: string;
  /** False for modules the API cannot read (api_supported:false, or refused for permissions). */
  readable: boolean;
  records: number;
  /** Fields the crawl must request; the records endpoint takes at most 50 per call. */
  fields: number;
  deleted: number;
}

export interface LowerBound {
  /** 1 module list + Σ readable (1 fields call + record pages × field batches + deleted pages). */
  withoutCounts: number;
  /** The same plus one `actions/count` call per readable module (the most DESIGN.md allows). */
  withCounts: number;
  /** Readable modules, i.e. the most `actions/count` calls that are allowed. */
  readableModules: number;
}

export const PAGE_SIZE = 200;
export const FIELDS_PER_CALL = 50;

const pages = (n: number): number => Math.max(1, Math.ceil(n / PAGE_SIZE));

/** Calls needed for one readable module, count call excluded. */
export function moduleLowerBound(m: ModuleShape, includeDeleted = true): number {
  const fieldBatches = Math.max(1, Math.ceil(m.fields / FIELDS_PER_CALL));
  return 1 + pages(m.records) * fieldBatches + (includeDeleted ? pages(m.deleted) : 0);
}

export function lowerBound(modules: readonly ModuleShape[], opts: { includeDeleted?: boolean } = {}): LowerBound {
  const readable = modules.filter((m) => m.readable);
  const withoutCounts = 1 + readable.reduce((sum, m) => sum + moduleLowerBound(m, opts.includeDeleted ?? true), 0);
  return { withoutCounts, withCounts: withoutCounts + readable.length, readableModules: readable.length };
}

/**
 * requests ÷ the bound that applies to this run: the bound without counts plus the count calls the run
 * actually made (at most one per readable module). 1.00 means not one call wasted.
 */
export function requestRatio(requests: number, bound: LowerBound, countCallsMade: number): number {
  const allowed = bound.withoutCounts + Math.min(Math.max(0, countCallsMade), bound.readableModules);
  return requests / allowed;
}
