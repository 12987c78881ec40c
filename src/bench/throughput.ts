// Mode 1: a zero-latency sandbox org of N records (every module ≥ 40 fields), crawled end to end; speed,
// memory and API economy.
import { startSandbox } from './servers.js';
import { count429, countCalls, effectiveRequests, runCrawl } from './crawl-run.js';
import type { LocalStore } from './local-store.js';
import { requestRatio } from './lower-bound.js';
import { boundOf, meanFields, planOrg, readableModules, shapesOf, TYPICAL_FIELDS } from './org.js';

export interface ThroughputResult {
  size: number;
  modules: number;
  meanFields: number;
  exitCode: number | null;
  status: string;
  recordsWritten: number;
  deletedWritten: number;
  bytesWritten: number;
  wallMs: number;
  recordsPerSec: number;
  peakRssBytes: number;
  polledHwmBytes: number;
  exitMaxRssBytes: number | null;
  childCpuMs: number | null;
  /** The kernel's part of childCpuMs. */
  childSystemCpuMs: number | null;
  parentCpuMs: number;
  requests: number;
  requestsIncludingRetries: number;
  countCalls: number;
  lowerBound: number;
  lowerBoundWithCounts: number;
  ratio: number;
  credits: number;
  grants: number;
  maxInFlight: number;
  status429: number;
  unexpected4xx: number;
  problems: string[];
}

export interface ThroughputOptions {
  cliPath: string;
  store: LocalStore;
  size: number;
  seed?: number;
  settings?: Record<string, string>;
  nodeFlags?: string[];
  /** The widened fields are mixed-script text (sandbox textFields). */
  textHeavy?: boolean;
}

/** Readable module names of the sandbox's generated org (the size-independent part of its shape). */
export async function probeModules(seed = 1): Promise<string[]> {
  const probe = await startSandbox({ seed, preset: 'tiny', admin: true });
  try {
    return readableModules(probe.dataset);
  } finally {
    await probe.stop();
  }
}

export async function runThroughput(opts: ThroughputOptions, modules: string[]): Promise<ThroughputResult> {
  const plan = planOrg(modules, opts.size);
  const sandbox = await startSandbox({
    seed: opts.seed ?? 1,
    admin: true,
    minFields: TYPICAL_FIELDS,
    textFields: opts.textHeavy,
    sizes: plan.sizes,
    deletedSizes: plan.deletedSizes,
  });
  try {
    const shapes = shapesOf(sandbox.dataset, { admin: true });
    const bound = boundOf(shapes);
    const expectedRecords = shapes.reduce((s, m) => s + m.records, 0);
    const expectedDeleted = shapes.reduce((s, m) => s + m.deleted, 0);
    const run = await runCrawl({ cliPath: opts.cliPath, sandbox, store: opts.store, settings: opts.settings, nodeFlags: opts.nodeFlags });
    const problems: string[] = [];
    if (run.child.exitCode !== 0) problems.push(`exit code ${run.child.exitCode ?? run.child.signal}; stderr: ${run.child.stderrTail.trim().slice(-1500)}`);
    if (run.manifestError) problems.push(run.manifestError);
    const m = run.manifest;
    if (m && m.records !== expectedRecords) problems.push(`manifest says ${m.records} records; the org has ${expectedRecords}`);
    if (m && m.deleted !== expectedDeleted) problems.push(`manifest says ${m.deleted} deleted; the org has ${expectedDeleted}`);
    if (run.stats.unexpected4xx.length) problems.push(`unexpected 4xx: ${JSON.stringify(run.stats.unexpected4xx.slice(0, 5))}`);
    const requests = effectiveRequests(run.stats);
    const counts = countCalls(run.stats);
    const recordsWritten = m?.records ?? 0;
    return {
      size: opts.size,
      modules: bound.readableModules,
      meanFields: meanFields(shapes),
      exitCode: run.child.exitCode,
      status: m?.status ?? 'no manifest',
      recordsWritten,
      deletedWritten: m?.deleted ?? 0,
      bytesWritten: m?.bytes ?? 0,
      wallMs: run.child.wallMs,
      recordsPerSec: recordsWritten / (run.child.wallMs / 1000),
      peakRssBytes: run.child.peakRssBytes,
      polledHwmBytes: run.child.polledHwmBytes,
      exitMaxRssBytes: run.child.exitMaxRssBytes,
      childCpuMs: run.child.cpuMs,
      childSystemCpuMs: run.child.systemCpuMs,
      parentCpuMs: run.parentCpuMs,
      requests,
      requestsIncludingRetries: run.stats.total,
      countCalls: counts,
      lowerBound: bound.withoutCounts,
      lowerBoundWithCounts: bound.withCounts,
      ratio: requestRatio(requests, bound, counts),
      credits: run.stats.credits,
      grants: run.stats.grants,
      maxInFlight: run.stats.maxInFlight,
      status429: count429(run.stats),
      unexpected4xx: run.stats.unexpected4xx.length,
      problems,
    };
  } finally {
    await sandbox.stop();
  }
}
