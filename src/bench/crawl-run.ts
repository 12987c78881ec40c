// One benchmarked crawl: the real CLI in a child process against a running sandbox and local S3 store,
// with fresh temp directories; returns what was measured outside the child and what the run reported.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox, SandboxStats } from '../sandbox/types.js';
import { probeFileIn, runChild, type ChildRun } from './child.js';
import type { LocalStore } from './local-store.js';
import { readRunManifest, totalsOf, type ManifestTotals } from './manifest.js';

export interface CrawlRunOptions {
  cliPath: string;
  sandbox: Sandbox;
  store: LocalStore;
  /** Settings beyond those pointing at the sandbox and the store (e.g. ZOHO_MAX_CONCURRENCY). */
  settings?: Record<string, string>;
  nodeFlags?: string[];
}

export interface CrawlRun {
  child: ChildRun;
  manifest: ManifestTotals | null;
  manifestError?: string;
  stats: SandboxStats;
  /** CPU time the bench process (sandbox + S3 store) spent during the run, ms. */
  parentCpuMs: number;
}

/** The env the child gets: nothing inherited but what node needs, so no stray ZOHO_/AWS_ setting leaks in. */
export function childEnv(sandbox: Sandbox, store: LocalStore, outputDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const passthrough = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT'];
  const env: Record<string, string> = {};
  for (const k of passthrough) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  return {
    ...env,
    ...sandbox.settings(),
    ...store.settings,
    LOCAL_OUTPUT_DIRECTORY: outputDir,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...extra,
  };
}

export async function runCrawl(opts: CrawlRunOptions): Promise<CrawlRun> {
  const work = await mkdtemp(join(tmpdir(), 'zoho-bench-'));
  try {
    const outputDir = join(work, 'exports');
    opts.sandbox.resetStats();
    const cpuBefore = process.cpuUsage();
    const child = await runChild({
      cliPath: opts.cliPath,
      args: ['crawl', 'zoho'],
      env: childEnv(opts.sandbox, opts.store, outputDir, opts.settings),
      // The child's cwd is the temp dir: no .env of the repository is read, nothing lands in the tree.
      cwd: work,
      nodeFlags: opts.nodeFlags,
      probeOutFile: probeFileIn(work),
    });
    const cpu = process.cpuUsage(cpuBefore);
    const stats = opts.sandbox.stats();
    let manifest: ManifestTotals | null = null;
    let manifestError: string | undefined;
    try {
      manifest = totalsOf((await readRunManifest(outputDir)).manifest);
    } catch (error) {
      manifestError = error instanceof Error ? error.message : String(error);
    }
    return { child, manifest, manifestError, stats, parentCpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** 429 answers the sandbox gave, whatever their cause (injected rate, concurrency limit). */
export function count429(stats: SandboxStats): number {
  return sumStatus(stats, (status) => status === '429');
}

/** `actions/count` calls the crawl made. */
export function countCalls(stats: SandboxStats): number {
  return Object.entries(stats.requests)
    .filter(([endpoint]) => endpoint.includes('actions/count'))
    .reduce((s, [, byStatus]) => s + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);
}

/** API calls answered other than 429/5xx: what the lower bound is about (retries are not counted). */
export function effectiveRequests(stats: SandboxStats): number {
  return stats.total - sumStatus(stats, (status) => status === '429' || status.startsWith('5'));
}

function sumStatus(stats: SandboxStats, pick: (status: string) => boolean): number {
  let n = 0;
  for (const [endpoint, byStatus] of Object.entries(stats.requests)) {
    if (endpoint.includes('/oauth/') || endpoint.includes('__sandbox')) continue;
    for (const [status, c] of Object.entries(byStatus)) if (pick(status)) n += c;
  }
  return n;
}

/** What went wrong with a run as far as every case checks it: its exit, its manifest, its record count. */
export function runProblems(run: CrawlRun, expectedRecords: number, holder = 'the org'): string[] {
  const problems: string[] = [];
  if (run.child.exitCode !== 0) problems.push(`exit code ${run.child.exitCode ?? run.child.signal}; stderr: ${run.child.stderrTail.trim().slice(-1500)}`);
  if (run.manifestError) problems.push(run.manifestError);
  const records = run.manifest?.records ?? 0;
  if (run.manifest && records !== expectedRecords) problems.push(`manifest says ${records} records; ${holder} has ${expectedRecords}`);
  return problems;
}
