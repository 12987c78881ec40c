// Mode 2: every API call takes `latencyMs` and the sandbox answers 429 above `limit` calls in flight.
// The crawl runs at several ZOHO_MAX_CONCURRENCY values; throughput should grow with concurrency up to
// the limit and never cause a 429 while the setting stays within it. The org is one the target (200
// records per call) can be measured on: min(c, limit) modules of ≤ 50 fields (the catalogue's 9, then
// generated custom modules), equal in size, picked with ZOHO_MODULE_WHITELIST, each one page_token
// chain of `latencySeconds` worth of pages.
import { startSandbox } from './servers.js';
import { count429, effectiveRequests, runCrawl, runProblems } from './crawl-run.js';
import type { LocalStore } from './local-store.js';
import { callRounds, latencyExtraModules, latencyModules, latencyPagesPerModule, latencyTarget } from './latency-plan.js';
import { PAGE_SIZE } from './lower-bound.js';
import { boundOf, DELETED_PER_RECORD, meanFields, shapesOf } from './org.js';

export interface LatencyResult {
  concurrency: number;
  limit: number;
  latencyMs: number;
  size: number;
  /** The modules read (ZOHO_MODULE_WHITELIST), one page_token chain each. */
  modules: string[];
  meanFields: number;
  exitCode: number | null;
  status: string;
  recordsWritten: number;
  wallMs: number;
  recordsPerSec: number;
  /** 0.9 × min(c, limit) × 200 / latency: the target. */
  target: number;
  pass: boolean;
  /** What the lower bound of calls allows at best: records ÷ (rounds × latency), rounds from `callRounds`. */
  callBoundRecordsPerSec: number;
  /** Rounds of calls the fastest crawl needs (see callRounds). */
  callRounds: number;
  lowerBound: number;
  requests: number;
  status429: number;
  concurrency429: number;
  maxInFlight: number;
  /** CPU time of the CLI (user+system) and of this process (sandbox + S3 store) during the run, ms. */
  childCpuMs: number | null;
  parentCpuMs: number;
  problems: string[];
}

export interface LatencyOptions {
  cliPath: string;
  store: LocalStore;
  concurrency: number;
  limit: number;
  latencyMs: number;
  /** Seconds each module's chain takes at one page per latency; sizes the org. */
  targetSeconds: number;
  seed?: number;
  nodeFlags?: string[];
}

export async function runLatency(opts: LatencyOptions): Promise<LatencyResult> {
  const seed = opts.seed ?? 1;
  // The catalogue has 9 single-batch modules; generated custom modules make up the rest of min(c, limit).
  const extraModules = latencyExtraModules(await probeShapes(seed, 0), opts.concurrency, opts.limit);
  const modules = latencyModules(await probeShapes(seed, extraModules), opts.concurrency, opts.limit);
  if (modules.length === 0) throw new Error('the sandbox has no readable module of ≤ 50 fields for the latency mode');
  const perModule = latencyPagesPerModule(opts.latencyMs, opts.targetSeconds) * PAGE_SIZE;
  // Few deletions: one deleted call per module, as the lower bound's minimum.
  const deletedPerModule = Math.min(PAGE_SIZE / 2, Math.ceil(perModule * DELETED_PER_RECORD));
  const sandbox = await startSandbox({
    seed,
    admin: true,
    extraModules,
    sizes: Object.fromEntries(modules.map((m) => [m, perModule])),
    deletedSizes: Object.fromEntries(modules.map((m) => [m, deletedPerModule])),
    faults: { latencyMs: opts.latencyMs, concurrencyLimit: opts.limit },
  });
  const size = perModule * modules.length;
  try {
    const shapes = shapesOf(sandbox.dataset, { admin: true }).map((m) => ({ ...m, readable: m.readable && modules.includes(m.apiName) }));
    const bound = boundOf(shapes);
    const rounds = callRounds(bound.withoutCounts, perModule / PAGE_SIZE, opts.concurrency, opts.limit);
    const run = await runCrawl({
      cliPath: opts.cliPath,
      sandbox,
      store: opts.store,
      settings: { ZOHO_MAX_CONCURRENCY: String(opts.concurrency), ZOHO_MODULE_WHITELIST: modules.join(',') },
      nodeFlags: opts.nodeFlags,
    });
    const recordsWritten = run.manifest?.records ?? 0;
    const expected = shapes.reduce((s, m) => s + (m.readable ? m.records : 0), 0);
    const problems = runProblems(run, expected);
    const recordsPerSec = recordsWritten / (run.child.wallMs / 1000);
    const target = latencyTarget(opts.concurrency, opts.limit, opts.latencyMs);
    const status429 = count429(run.stats);
    const zero429Required = opts.concurrency <= opts.limit;
    return {
      concurrency: opts.concurrency,
      limit: opts.limit,
      latencyMs: opts.latencyMs,
      size,
      modules,
      meanFields: meanFields(shapes.filter((m) => m.readable)),
      exitCode: run.child.exitCode,
      status: run.manifest?.status ?? 'no manifest',
      recordsWritten,
      wallMs: run.child.wallMs,
      recordsPerSec,
      target,
      pass: problems.length === 0 && recordsPerSec >= target && (!zero429Required || status429 === 0),
      callBoundRecordsPerSec: expected / (rounds * (opts.latencyMs / 1000)),
      callRounds: rounds,
      lowerBound: bound.withoutCounts,
      requests: effectiveRequests(run.stats),
      status429,
      concurrency429: run.stats.injected.concurrency429,
      maxInFlight: run.stats.maxInFlight,
      childCpuMs: run.child.cpuMs,
      parentCpuMs: run.parentCpuMs,
      problems,
    };
  } finally {
    await sandbox.stop();
  }
}

/** Every module's shape in the sandbox's generated org (fields do not depend on sizes). */
async function probeShapes(seed: number, extraModules: number) {
  const probe = await startSandbox({ seed, preset: 'tiny', admin: true, extraModules });
  try {
    return shapesOf(probe.dataset, { admin: true });
  } finally {
    await probe.stop();
  }
}
