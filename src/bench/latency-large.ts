// The latency mode's large-module case (issue 14): one module of many records (or several big ones
// at once), every call `latencyMs`, the sandbox answering 429 above `limit` calls in flight and above
// Zoho's 10 sort_by calls. One page_token chain reads at one page per latency whatever the
// concurrency; read in Modified_Time ranges it should approach min(c, 10) pages per latency, and
// several big modules must share those calls, not leave any idle. With ZOHO_READ_PATH=coql a call
// reads 2,000 rows, and the same ranges read it within COQL's sub-concurrency of 10.
import { COQL_MAX_ROWS } from '../zoho/coql.js';
import { SORT_BY_CONCURRENCY } from '../zoho/ranges.js';
import { count429, effectiveRequests, runCrawl, runProblems } from './crawl-run.js';
import type { LocalStore } from './local-store.js';
import { latencyModules } from './latency-plan.js';
import { PAGE_SIZE } from './lower-bound.js';
import { boundOf, shapesOf } from './org.js';
import { startSandbox } from './servers.js';

export interface LargeModuleResult {
  /** ZOHO_READ_PATH of the run. */
  readPath: 'records' | 'coql';
  concurrency: number;
  limit: number;
  latencyMs: number;
  /** The big modules, joined by '+'. */
  module: string;
  records: number;
  wallMs: number;
  recordsPerSec: number;
  /** min(c, limit, 10) × rows a call (200, COQL 2,000) / latency: every allowed sort_by or COQL call busy, nothing else. */
  ideal: number;
  lowerBound: number;
  requests: number;
  status429: number;
  maxInFlight: number;
  problems: string[];
}

export interface LargeModuleOptions {
  cliPath: string;
  store: LocalStore;
  concurrency: number;
  limit: number;
  latencyMs: number;
  /** Records of each big module. */
  records: readonly number[];
  readPath?: 'records' | 'coql';
  seed?: number;
  nodeFlags?: string[];
}

export const largeModuleIdeal = (c: number, limit: number, latencyMs: number, rowsPerCall = PAGE_SIZE): number =>
  (Math.min(c, limit, SORT_BY_CONCURRENCY) * rowsPerCall) / (latencyMs / 1000);

export async function runLargeModule(opts: LargeModuleOptions): Promise<LargeModuleResult> {
  const seed = opts.seed ?? 1;
  const readPath = opts.readPath ?? 'records';
  const rowsPerCall = readPath === 'coql' ? COQL_MAX_ROWS : PAGE_SIZE;
  const probe = await startSandbox({ seed, preset: 'tiny', admin: true });
  // Modules of ≤ 50 fields: one call a page, so 200 records a call is the ideal.
  const n = opts.records.length;
  const modules = latencyModules(shapesOf(probe.dataset, { admin: true }), n, n);
  await probe.stop();
  if (modules.length < n) throw new Error(`the sandbox has ${modules.length} readable module(s) of ≤ 50 fields; the large-module case asks for ${n}`);
  const total = opts.records.reduce((a, b) => a + b, 0);
  const sandbox = await startSandbox({
    seed,
    admin: true,
    sizes: Object.fromEntries(modules.map((m, i) => [m, opts.records[i]])),
    deletedSizes: Object.fromEntries(modules.map((m) => [m, 20])),
    faults: { latencyMs: opts.latencyMs, concurrencyLimit: opts.limit, sortConcurrencyLimit: SORT_BY_CONCURRENCY },
  });
  try {
    const shapes = shapesOf(sandbox.dataset, { admin: true }).map((m) => ({ ...m, readable: m.readable && modules.includes(m.apiName) }));
    const run = await runCrawl({
      cliPath: opts.cliPath,
      sandbox,
      store: opts.store,
      settings: { ZOHO_MAX_CONCURRENCY: String(opts.concurrency), ZOHO_MODULE_WHITELIST: modules.join(','), ZOHO_READ_PATH: readPath },
      nodeFlags: opts.nodeFlags,
    });
    const records = run.manifest?.records ?? 0;
    const problems = runProblems(run, total, n === 1 ? 'the module' : 'the modules together');
    const bound = boundOf(shapes).withCounts;
    // By COQL a module's record pages are its calls of 2,000 rows (these modules have ≤ 50 fields: one batch a page).
    const readPages = (rows: number): number => Math.max(1, Math.ceil(rows / PAGE_SIZE)) - Math.max(1, Math.ceil(rows / rowsPerCall));
    return {
      readPath,
      concurrency: opts.concurrency,
      limit: opts.limit,
      latencyMs: opts.latencyMs,
      module: modules.join('+'),
      records,
      wallMs: run.child.wallMs,
      recordsPerSec: records / (run.child.wallMs / 1000),
      ideal: largeModuleIdeal(opts.concurrency, opts.limit, opts.latencyMs, rowsPerCall),
      lowerBound: bound - opts.records.reduce((n, rows) => n + readPages(rows), 0),
      requests: effectiveRequests(run.stats),
      status429: count429(run.stats),
      maxInFlight: run.stats.maxInFlight,
      problems,
    };
  } finally {
    await sandbox.stop();
  }
}
