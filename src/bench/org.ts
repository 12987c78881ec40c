// Shapes a sandbox org of a given size: records spread evenly over every readable module, a few
// deletions in each, and the lower bound of calls a crawl of it needs.
import type { Dataset, SandboxOptions } from '../sandbox/types.js';
import { lowerBound, type LowerBound, type ModuleShape } from './lower-bound.js';

export interface OrgPlan {
  sizes: Record<string, number>;
  deletedSizes: Record<string, number>;
}

/**
 * Issue 8's throughput target is for "typical 40-field records": the throughput org widens every
 * module to at least this many fields (the sandbox's `minFields`; Leads keeps its 62).
 */
export const TYPICAL_FIELDS = 40;

/** 1 deletion per 100 records: the deleted log stays a small part of the crawl, as in real orgs. */
export const DELETED_PER_RECORD = 0.01;

/** Splits `total` records evenly (remainder to the first modules) over `modules`. */
export function planOrg(modules: readonly string[], total: number, deletedPerRecord = DELETED_PER_RECORD): OrgPlan {
  if (modules.length === 0) throw new Error('the sandbox has no readable module to put records in');
  const base = Math.floor(total / modules.length);
  const extra = total - base * modules.length;
  const sizes: Record<string, number> = {};
  const deletedSizes: Record<string, number> = {};
  modules.forEach((m, i) => {
    sizes[m] = base + (i < extra ? 1 : 0);
    deletedSizes[m] = Math.ceil(sizes[m] * deletedPerRecord);
  });
  return { sizes, deletedSizes };
}

/**
 * Modules the crawl can read in a sandbox started with `admin: true` (Notes readable too):
 * every api_supported module. Benchmarks use an admin token so no module is refused mid-crawl and
 * the lower bound is exact.
 */
export function readableModules(dataset: Dataset): string[] {
  return dataset.modules().filter((m) => m.api_supported).map((m) => m.api_name);
}

export function shapesOf(dataset: Dataset, opts: Pick<SandboxOptions, 'admin'>): ModuleShape[] {
  return dataset.modules().map((m) => {
    const readable = m.api_supported && (opts.admin === true || m.api_name !== 'Notes');
    return {
      apiName: m.api_name,
      readable,
      records: readable ? dataset.count(m.api_name) : 0,
      fields: readable ? dataset.fields(m.api_name).length : 0,
      deleted: readable ? dataset.deletedCount(m.api_name) : 0,
    };
  });
}

export function boundOf(shapes: readonly ModuleShape[]): LowerBound {
  return lowerBound(shapes);
}

/** Mean fields per record, weighted by records: what "typical N-field records" means for this org. */
export function meanFields(shapes: readonly ModuleShape[]): number {
  const records = shapes.reduce((s, m) => s + m.records, 0);
  return records ? shapes.reduce((s, m) => s + m.records * m.fields, 0) / records : 0;
}
