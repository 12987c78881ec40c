// Mode 2: every API call takes `latencyMs` and the sandbox answers 429 above `limit` calls in flight.
// The crawl runs at several ZOHO_MAX_CONCURRENCY values; throughput should grow with concurrency up to
// the limit and never cause a 429 while the setting stays within it.
import { startSandbox } from './servers.js';
import { count429, effectiveRequests, runCrawl } from './crawl-run.js';
import type { LocalStore } from './local-store.js';
import { latencyOrgSize, latencyTarget } from './latency-plan.js';
import { boundOf, meanFields, planOrg, shapesOf } from './org.js';

export interface LatencyResult {
  concurrency: number;
  limit: number;
  latencyMs: number;
  size: number;
  meanFields: number;
  exitCode: number | null;
  status: string;
  recordsWritten: number;
  wallMs: number;
  recordsPerSec: number;
  /** 0.9 × min(c, limit) × 200 / latency: the target. */
  target: number;
  pass: boolean;
  /** What the lower bound of calls allows at best: records ÷ (⌈bound ÷ min(c, limit)⌉ × latency). */
  callBoundRecordsPerSec: number;
  lowerBound: number;
  requests: number;
  status429: number;
  concurrency429: number;
  maxInFlight: number;
  problems: string[];
}

export interface LatencyOptions {
  cliPath: string;
  store: LocalStore;
  modules: string[];
  concurrency: number;
  limit: number;
  latencyMs: number;
  /** Seconds a run should take at the target pace; sizes the org. */
  targetSeconds: number;
  seed?: number;
  nodeFlags?: string[];
}

export async function runLatency(opts: LatencyOptions): Promise<LatencyResult> {
  const size = latencyOrgSize(opts.concurrency, opts.limit, opts.latencyMs, opts.targetSeconds, opts.modules.length);
  const plan = planOrg(opts.modules, size);
  const sandbox = await startSandbox({
    seed: opts.seed ?? 1,
    admin: true,
    sizes: plan.sizes,
    deletedSizes: plan.deletedSizes,
    faults: { latencyMs: opts.latencyMs, concurrencyLimit: opts.limit },
  });
  try {
    const shapes = shapesOf(sandbox.dataset, { admin: true });
    const bound = boundOf(shapes);
    const run = await runCrawl({
      cliPath: opts.cliPath,
      sandbox,
      store: opts.store,
      settings: { ZOHO_MAX_CONCURRENCY: String(opts.concurrency) },
      nodeFlags: opts.nodeFlags,
    });
    const problems: string[] = [];
    if (run.child.exitCode !== 0) problems.push(`exit code ${run.child.exitCode ?? run.child.signal}; stderr: ${run.child.stderrTail.trim().slice(-1500)}`);
    if (run.manifestError) problems.push(run.manifestError);
    const recordsWritten = run.manifest?.records ?? 0;
    const expected = shapes.reduce((s, m) => s + m.records, 0);
    if (run.manifest && recordsWritten !== expected) problems.push(`manifest says ${recordsWritten} records; the org has ${expected}`);
    const recordsPerSec = recordsWritten / (run.child.wallMs / 1000);
    const target = latencyTarget(opts.concurrency, opts.limit, opts.latencyMs);
    const status429 = count429(run.stats);
    const effective = Math.min(opts.concurrency, opts.limit);
    const zero429Required = opts.concurrency <= opts.limit;
    return {
      concurrency: opts.concurrency,
      limit: opts.limit,
      latencyMs: opts.latencyMs,
      size,
      meanFields: meanFields(shapes),
      exitCode: run.child.exitCode,
      status: run.manifest?.status ?? 'no manifest',
      recordsWritten,
      wallMs: run.child.wallMs,
      recordsPerSec,
      target,
      pass: problems.length === 0 && recordsPerSec >= target && (!zero429Required || status429 === 0),
      callBoundRecordsPerSec: expected / (Math.ceil(bound.withoutCounts / effective) * (opts.latencyMs / 1000)),
      lowerBound: bound.withoutCounts,
      requests: effectiveRequests(run.stats),
      status429,
      concurrency429: run.stats.injected.concurrency429,
      maxInFlight: run.stats.maxInFlight,
      problems,
    };
  } finally {
    await sandbox.stop();
  }
}
