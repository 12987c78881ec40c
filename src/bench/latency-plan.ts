// The latency mode's arithmetic: the throughput target and how big an org makes a run last.
import { PAGE_SIZE } from './lower-bound.js';

export const latencyTarget = (c: number, limit: number, latencyMs: number): number =>
  (0.9 * Math.min(c, limit) * PAGE_SIZE) / (latencyMs / 1000);

/** Records that take `seconds` at the ideal pace min(c, limit) × 200 per latency, rounded to whole pages per module. */
export function latencyOrgSize(c: number, limit: number, latencyMs: number, seconds: number, modules: number): number {
  const ideal = (Math.min(c, limit) * PAGE_SIZE * seconds) / (latencyMs / 1000);
  const pagesPerModule = Math.max(1, Math.round(ideal / PAGE_SIZE / modules));
  return pagesPerModule * PAGE_SIZE * modules;
}
