// Mode 3 (--read-paths): the two read paths (ZOHO_READ_PATH records and coql) on the same sandbox org,
// at three widths — modules of 50 fields (one records batch), 100 and 250 fields — the credits each
// crawl spent (the sandbox's count), how many of them went to reading records (GET records pages or
// COQL calls; metadata, deleted logs and rich-text completion cost the same on both paths) and the
// wall time. Issue 15's targets: COQL at most 1/3 of the records path's credits at ≤ 50 fields, 1/15 at 250.
import { runCrawl } from './crawl-run.js';
import type { LocalStore } from './local-store.js';
import { planOrg, readableModules } from './org.js';
import { startSandbox } from './servers.js';
import { formatTable, num, seconds, sizeLabel } from './table.js';
import type { SandboxStats } from '../sandbox/types.js';

export interface ReadPathRun {
  path: 'records' | 'coql';
  status: string;
  records: number;
  credits: number;
  /** Credits of the calls that read records: GET records pages, or COQL calls. */
  readCredits: number;
  requests: number;
  wallMs: number;
  problems: string[];
}

export interface ReadPathsResult {
  /** Fields of every module (the sandbox's minFields); at 50, the catalogue's wider modules are left out. */
  width: number;
  modules: string[];
  meanFields: number;
  records: number;
  byRecords: ReadPathRun;
  byCoql: ReadPathRun;
}

export interface ReadPathsOptions {
  cliPath: string;
  store: LocalStore;
  /** Records of each org, spread evenly over its modules. */
  records: number;
  widths?: number[];
  latencyMs?: number;
  concurrency?: number;
}

/** The credits of records reads: GET records calls cost 1 each; COQL's are counted apart by the sandbox. */
const readCreditsOf = (stats: SandboxStats, path: 'records' | 'coql'): number =>
  path === 'coql' ? stats.coqlCredits : Object.values(stats.modules).reduce((n, m) => n + m.records, 0);

export async function runReadPaths(opts: ReadPathsOptions): Promise<ReadPathsResult[]> {
  const results: ReadPathsResult[] = [];
  for (const width of opts.widths ?? [50, 100, 250]) {
    // Every module widened to `width` fields; a module wider already (Leads has 62) is left out of the ≤ 50 org.
    const minFields = width;
    const probe = await startSandbox({ seed: 7, admin: true, preset: 'tiny', minFields });
    const modules = readableModules(probe.dataset).filter((m) => probe.dataset.fields(m).length <= width);
    await probe.stop();
    const plan = planOrg(modules, opts.records);
    const sandbox = await startSandbox({
      seed: 7,
      admin: true,
      minFields,
      sizes: plan.sizes,
      deletedSizes: plan.deletedSizes,
      ...(opts.latencyMs ? { faults: { latencyMs: opts.latencyMs } } : {}),
    });
    try {
      const fields = modules.map((m) => sandbox.dataset.fields(m).length);
      const records = modules.reduce((n, m) => n + sandbox.dataset.count(m), 0);
      const runPath = async (path: 'records' | 'coql'): Promise<ReadPathRun> => {
        const settings = {
          ZOHO_MODULE_WHITELIST: modules.join(','),
          ZOHO_READ_PATH: path,
          ...(opts.concurrency ? { ZOHO_MAX_CONCURRENCY: String(opts.concurrency) } : {}),
        };
        const run = await runCrawl({ cliPath: opts.cliPath, sandbox, store: opts.store, settings });
        const problems: string[] = [];
        if (run.child.exitCode !== 0) problems.push(`exit code ${run.child.exitCode ?? run.child.signal}; stderr: ${run.child.stderrTail.trim().slice(-800)}`);
        if (run.manifest && run.manifest.records !== records) problems.push(`manifest says ${run.manifest.records} records; the org has ${records}`);
        if (run.stats.unexpected4xx.length) problems.push(`unexpected 4xx: ${JSON.stringify(run.stats.unexpected4xx.slice(0, 3))}`);
        return {
          path,
          status: run.manifest?.status ?? 'no manifest',
          records: run.manifest?.records ?? 0,
          credits: run.stats.credits,
          readCredits: readCreditsOf(run.stats, path),
          requests: run.stats.total,
          wallMs: run.child.wallMs,
          problems,
        };
      };
      const byRecords = await runPath('records');
      const byCoql = await runPath('coql');
      results.push({ width, modules, meanFields: fields.reduce((a, b) => a + b, 0) / Math.max(1, fields.length), records, byRecords, byCoql });
    } finally {
      await sandbox.stop();
    }
  }
  return results;
}

/** Issue 15's targets: the share of the records path's credits a COQL crawl may spend, by width. */
export const READ_PATH_TARGETS: Record<number, number> = { 50: 1 / 3, 250: 1 / 15 };

const ratio = (a: number, b: number): string => (b === 0 ? '-' : `${(a / b).toFixed(3)} (1/${(b / Math.max(1, a)).toFixed(1)})`);

export function readPathsTable(results: readonly ReadPathsResult[]): string {
  const columns = [
    { header: 'fields', align: 'left' as const },
    { header: 'records', align: 'right' as const },
    { header: 'records: credits (reads)', align: 'right' as const },
    { header: 'coql: credits (reads)', align: 'right' as const },
    { header: 'coql/records credits', align: 'right' as const },
    { header: 'reads only', align: 'right' as const },
    { header: 'records: wall', align: 'right' as const },
    { header: 'coql: wall', align: 'right' as const },
  ];
  const rows = results.map((r) => [
    `${r.width === 50 ? '≤ 50' : String(r.width)} (mean ${r.meanFields.toFixed(0)}, ${r.modules.length} modules)`,
    sizeLabel(r.records),
    `${num(r.byRecords.credits)} (${num(r.byRecords.readCredits)})`,
    `${num(r.byCoql.credits)} (${num(r.byCoql.readCredits)})`,
    ratio(r.byCoql.credits, r.byRecords.credits),
    ratio(r.byCoql.readCredits, r.byRecords.readCredits),
    seconds(r.byRecords.wallMs),
    seconds(r.byCoql.wallMs),
  ]);
  return formatTable(columns, rows);
}

/** Target verdicts, on the whole crawl's credits and on the reads alone. */
export function readPathsVerdicts(results: readonly ReadPathsResult[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    for (const p of [r.byRecords, r.byCoql]) for (const problem of p.problems) out.push(`PROBLEM ${r.width} fields, ${p.path}: ${problem}`);
    const target = READ_PATH_TARGETS[r.width];
    if (target === undefined) continue;
    const whole = r.byCoql.credits / r.byRecords.credits;
    const reads = r.byCoql.readCredits / r.byRecords.readCredits;
    const verdict = (x: number): string => (x <= target ? 'met' : 'missed');
    out.push(
      `target coql ≤ 1/${Math.round(1 / target)} of records' credits at ${r.width} fields: whole crawl ${whole.toFixed(3)} ${verdict(whole)}; ` +
        `record reads ${reads.toFixed(3)} ${verdict(reads)}`,
    );
  }
  return out;
}
