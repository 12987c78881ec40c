// `npm run bench`: the real CLI, as a child process, against the in-process sandbox and S3 store.
// Mode 1 (default): zero-latency orgs of several sizes — speed, peak RSS, API economy, credits.
// Mode 2 (--latency): 300 ms per call and a sandbox concurrency limit, across ZOHO_MAX_CONCURRENCY values.
// Prints aligned tables and the target verdicts, and writes everything as JSON for comparing runs.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USAGE, parseBenchArgs, type BenchArgs } from './args.js';
import { runLatency, type LatencyResult } from './latency.js';
import { runLargeModule, type LargeModuleResult } from './latency-large.js';
import { startLocalStore, type LocalStore } from './local-store.js';
import { profilesIn, summariseProfile, type ProfileSummary } from './profile.js';
import { largeModuleTable, largeModuleVerdicts, latencyTable, latencyVerdicts, throughputTable, throughputVerdicts, verdictTable, type Verdict } from './report.js';
import { formatTable, num, seconds, sizeLabel } from './table.js';
import { probeModules, runThroughput, type ThroughputResult } from './throughput.js';
import { readPathsTable, readPathsVerdicts, runReadPaths, type ReadPathsResult } from './read-paths.js';

const here = dirname(fileURLToPath(import.meta.url));
// BENCH_CLI_PATH: another build's dist/cli.js, to compare two versions against the same sandbox.
const CLI_PATH = process.env.BENCH_CLI_PATH ? resolve(process.env.BENCH_CLI_PATH) : resolve(here, '..', 'cli.js');
const REPO_ROOT = resolve(here, '..', '..');

export interface BenchResults {
  date: string;
  node: string;
  cores: number;
  cpuModel: string;
  totalMemoryMb: number;
  platform: string;
  command: string;
  throughput: ThroughputResult[];
  latency: LatencyResult[];
  largeModule: LargeModuleResult[];
  readPaths: ReadPathsResult[];
  verdicts: Verdict[];
  profiles: Record<string, ProfileSummary[]>;
}

const say = (text = ''): void => void process.stdout.write(`${text}\n`);

async function main(argv: string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${BENCH_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    say(BENCH_USAGE);
    return 0;
  }
  const date = new Date();
  const stamp = date.toISOString().replace(/[:.]/g, '-');
  const outFile = resolve(args.out ?? join(REPO_ROOT, 'bench', 'results', `${stamp}.json`));
  const profileRoot = join(REPO_ROOT, 'bench', 'results', 'profiles', stamp);
  const results: BenchResults = {
    date: date.toISOString(),
    node: process.version,
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()}`,
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    throughput: [],
    latency: [],
    largeModule: [],
    readPaths: [],
    verdicts: [],
    profiles: {},
  };
  say(`zoho-crawler benchmark — ${results.cores} cores (${results.cpuModel}), node ${results.node}, ${results.date}`);
  const modules = await probeModules();
  say(`sandbox org: records spread evenly over ${modules.length} readable modules (${modules.join(', ')}), admin token, 1% deleted`);

  const profileFlags = (label: string): string[] => (args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(profileRoot, label)}`] : []);
  const collectProfiles = async (label: string): Promise<void> => {
    if (!args.cpuProf) return;
    const summaries = await Promise.all((await profilesIn(join(profileRoot, label))).map((f) => summariseProfile(f)));
    results.profiles[label] = summaries;
    for (const s of summaries) say(profileText(label, s));
  };
  /** One run of a case: its own S3 store, its profile, its lines; the result, also when it had problems. */
  const runCase = async <R extends { problems: string[] }>(
    label: string,
    intro: string,
    run: (store: LocalStore, nodeFlags: string[]) => Promise<R>,
    said: (r: R) => string,
  ): Promise<R> => {
    say(`\n[${label}] ${intro}`);
    const store = await startLocalStore();
    let r: R;
    try {
      r = await run(store, profileFlags(label));
      say(`[${label}] ${said(r)}`);
      for (const p of r.problems) say(`[${label}] problem: ${p}`);
    } finally {
      await store.stop();
    }
    await collectProfiles(label);
    return r;
  };

  if (args.throughput) {
    for (const size of args.sizes) {
      const r = await runCase(
        sizeLabel(size),
        `crawling ${num(size)} records…`,
        (store, nodeFlags) => runThroughput({ cliPath: CLI_PATH, store, size, nodeFlags, textHeavy: args.textHeavy }, modules),
        (r) =>
          `${r.status}: ${num(r.recordsWritten)} records in ${(r.wallMs / 1000).toFixed(2)} s, ${num(r.recordsPerSec)} records/s` +
          (r.childCpuMs === null ? '' : `, CLI CPU ${seconds(r.childCpuMs)} (${seconds(r.childSystemCpuMs ?? 0)} system)`),
      );
      results.throughput.push(r);
    }
    say('\nZero-latency sandbox (records/s = records in manifest ÷ wall time from spawn to exit; peak RSS of the CLI process;');
    say('CLI CPU = the child\'s user+system time; sandbox+S3 CPU = this process\'s during the run)');
    say(throughputTable(results.throughput));
    results.verdicts.push(...throughputVerdicts(results.throughput));
  }

  if (args.latency) {
    for (const c of args.concurrencies) {
      const r = await runCase(
        `latency-c${c}`,
        `${args.latencyMs} ms per call, sandbox limit ${args.limit}…`,
        (store, nodeFlags) =>
          runLatency({ cliPath: CLI_PATH, store, concurrency: c, limit: args.limit, latencyMs: args.latencyMs, targetSeconds: args.latencySeconds, nodeFlags }),
        (r) => `${r.status}: ${num(r.recordsWritten)} records in ${(r.wallMs / 1000).toFixed(2)} s, ${num(r.recordsPerSec)} records/s, ${r.status429} 429s`,
      );
      results.latency.push(r);
    }
    say(`\nLatency ${args.latencyMs} ms per call, sandbox concurrency limit ${args.limit} ` +
      `(target = 0.9 × min(c, ${args.limit}) × 200 / ${args.latencyMs / 1000} s;`);
    say('call-bound = the best the lower bound of calls allows at that concurrency)');
    say(latencyTable(results.latency));
    results.verdicts.push(...latencyVerdicts(results.latency));
    if (args.largeRecords.length > 0) {
      const one = args.largeRecords.length === 1;
      const what = `${one ? 'one module' : 'modules'} of ${args.largeRecords.map((r) => num(r)).join(' + ')} records`;
      for (const readPath of args.largeReadPaths) {
        for (const c of args.concurrencies) {
          const r = await runCase(
            `large-${readPath}-c${c}`,
            `${what} by ${readPath}, ${args.latencyMs} ms per call, sandbox limit ${args.limit}…`,
            (store, nodeFlags) =>
              runLargeModule({
                cliPath: CLI_PATH, store, concurrency: c, limit: args.limit, latencyMs: args.latencyMs, records: args.largeRecords, readPath, nodeFlags,
              }),
            (r) => `${num(r.records)} records in ${(r.wallMs / 1000).toFixed(2)} s, ${num(r.recordsPerSec)} records/s, ${r.status429} 429s`,
          );
          results.largeModule.push(r);
        }
      }
      say(`\n${one ? 'One large module' : 'Several large modules at once'}, ${args.latencyMs} ms per call, ` +
        `sandbox limit ${args.limit} and 10 sort_by calls ` +
        `(ideal = min(c, ${args.limit}, 10) × 200 (COQL: 2,000) / ${args.latencyMs / 1000} s)`);
      say(largeModuleTable(results.largeModule));
      results.verdicts.push(...largeModuleVerdicts(results.largeModule));
    }
  }

  if (args.readPathsRecords > 0) {
    say(`\n[read-paths] ZOHO_READ_PATH records vs coql, ${num(args.readPathsRecords)} records per org, zero latency…`);
    const store = await startLocalStore();
    try {
      results.readPaths = await runReadPaths({ cliPath: CLI_PATH, store, records: args.readPathsRecords, widths: args.readPathsWidths });
    } finally {
      await store.stop();
    }
    say('\nRead paths (credits = the sandbox\'s count of the whole crawl; reads = GET records pages or COQL calls alone;');
    say('metadata, deleted logs and rich-text completion cost the same on both paths; wall = spawn to exit of the CLI)');
    say(readPathsTable(results.readPaths));
    for (const line of readPathsVerdicts(results.readPaths)) say(line);
  }

  say('\nTargets');
  say(verdictTable(results.verdicts));
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(results, null, 2)}\n`);
  say(`\nresults written to ${outFile}`);
  const readPathRuns = results.readPaths.flatMap((r) => [r.byRecords, r.byCoql]);
  const failedRuns = [...results.throughput, ...results.latency, ...results.largeModule, ...readPathRuns].filter((r) => r.problems.length).length;
  return failedRuns ? 1 : 0;
}

function profileText(label: string, s: ProfileSummary): string {
  const rows = (lines: ProfileSummary['topSelf']) => lines.map((l) => [l.name, l.where, `${l.ms.toFixed(0)} ms`, `${l.percent.toFixed(1)}%`]);
  const cols = [{ header: 'function' }, { header: 'where' }, { header: 'self', align: 'right' as const }, { header: '% busy', align: 'right' as const }];
  return [
    `\n[${label}] CPU profile ${s.file}: busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms`,
    'self time by area:',
    formatTable(
      [{ header: 'area' }, { header: 'self', align: 'right' }, { header: '% busy', align: 'right' }],
      s.byArea.map((l) => [l.name, `${l.ms.toFixed(0)} ms`, `${l.percent.toFixed(1)}%`]),
    ),
    'top functions by self time:',
    formatTable(cols, rows(s.topSelf.slice(0, 20))),
    'time under each project function (its own + library/native code it called):',
    formatTable(cols, rows(s.byProjectFunction.slice(0, 15))),
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
