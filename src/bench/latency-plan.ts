// The latency mode's arithmetic: the throughput target, which modules the org has and how
// big they are, and the best any crawler making only the lower bound of calls could do.
import { FIELDS_PER_CALL, PAGE_SIZE, type ModuleShape } from './lower-bound.js';

export const latencyTarget = (c: number, limit: number, latencyMs: number): number =>
  (0.9 * Math.min(c, limit) * PAGE_SIZE) / (latencyMs / 1000);

/**
 * The modules a latency run reads. The target counts 200 records per call, so only modules whose
 * fields fit one records call (≤ 50) qualify; a page_token chain is sequential, so the calls in
 * flight can only be kept busy by as many modules as calls: min(c, limit) of them when the org has
 * that many (see latencyExtraModules). Fewer chains than calls in flight would cap throughput below the
 * target whatever the crawler.
 */
export function latencyModules(shapes: readonly Pick<ModuleShape, 'apiName' | 'readable' | 'fields'>[], c: number, limit: number): string[] {
  return singleBatch(shapes).slice(0, Math.min(c, limit));
}

/**
 * Generated custom modules (the sandbox's `extraModules`, ≤ 40 fields each) to add to an org of these
 * shapes so that it has min(c, limit) single-batch modules: the catalogue alone has fewer than 10.
 */
export function latencyExtraModules(shapes: readonly Pick<ModuleShape, 'apiName' | 'readable' | 'fields'>[], c: number, limit: number): number {
  return Math.max(0, Math.min(c, limit) - singleBatch(shapes).length);
}

function singleBatch(shapes: readonly Pick<ModuleShape, 'apiName' | 'readable' | 'fields'>[]): string[] {
  return shapes.filter((m) => m.readable && m.fields > 0 && m.fields <= FIELDS_PER_CALL).map((m) => m.apiName);
}

/** Pages each module's chain needs so that reading it at one page per latency takes `seconds`. */
export function latencyPagesPerModule(latencyMs: number, seconds: number): number {
  return Math.max(1, Math.round(seconds / (latencyMs / 1000)));
}

/** Records that take `seconds` at the ideal pace min(c, limit) × 200 per latency, rounded to whole pages per module. */
export function latencyOrgSize(c: number, limit: number, latencyMs: number, seconds: number, modules: number): number {
  const ideal = (Math.min(c, limit) * PAGE_SIZE * seconds) / (latencyMs / 1000);
  const pagesPerModule = Math.max(1, Math.round(ideal / PAGE_SIZE / modules));
  return pagesPerModule * PAGE_SIZE * modules;
}

/**
 * Rounds of calls (one latency each) the fastest crawl needs: the calls of the lower bound spread
 * over min(c, limit) slots, and never fewer than the longest chain of calls that must follow one
 * another — the module list, then a module's fields, then its record pages one after the other.
 */
export function callRounds(lowerBound: number, longestChainPages: number, c: number, limit: number): number {
  return Math.max(Math.ceil(lowerBound / Math.min(c, limit)), 2 + longestChainPages);
}
