// The benchmark's command-line flags.
import { parseArgs } from 'node:util';
import { parseSize } from './table.js';

export interface BenchArgs {
  sizes: number[];
  latency: boolean;
  /** Run the zero-latency sizes (true unless --latency was given alone). */
  throughput: boolean;
  out: string | null;
  cpuProf: boolean;
  concurrencies: number[];
  latencyMs: number;
  limit: number;
  latencySeconds: number;
  /** Records of each big module of the latency mode's large-module case, one module per entry (empty: the case is skipped). */
  largeRecords: number[];
  largeReadPaths: Array<'records' | 'coql'>;
  /** Zero-latency orgs whose widened fields are mixed-script text (the sandbox's textFields). */
  textHeavy: boolean;
  /** Records of each org of the read-paths mode (ZOHO_READ_PATH records vs coql at 50, 100, 250 fields); 0: not run. */
  readPathsRecords: number;
  /** Fields of every module in each read-paths org. */
  readPathsWidths: number[];
  help: boolean;
}

export const BENCH_USAGE = `Usage: npm run bench -- [options]

  --sizes 10k,100k       org sizes (records) for the zero-latency runs (default 10k,100k)
  --with-1m              add the 1M-record org (several minutes)
  --latency              run the latency mode (300 ms per call, sandbox limit 10, ZOHO_MAX_CONCURRENCY 1,5,10,20);
                         alone it skips the zero-latency sizes unless --sizes is given too
  --concurrency 1,5,10,20  concurrencies for the latency mode
  --latency-ms 300       added latency per API call
  --limit 10             the sandbox's concurrency limit
  --latency-seconds 30   how long each latency run should take at the target pace (sizes its org)
  --large-records 200k   the latency mode's large-module case: one module of this many records; a list
                         (100k,50k) gives several big modules read at once; 0 skips the case
  --large-read-paths records,coql  read paths of the large-module case (default records)
  --text-heavy           zero-latency orgs whose added fields are multi-line mixed-script text (CPU per record)
  --read-paths           ZOHO_READ_PATH records vs coql on orgs of ≤ 50, 100 and 250 fields: credits and wall time;
                         alone it skips the zero-latency sizes unless --sizes is given too
  --read-paths-records 50k  records of each of those orgs
  --read-paths-widths 50,100,250  the widths (fields per module) of those orgs
  --cpu-prof             run the CLI child with --cpu-prof (profiles under bench/results/profiles/)
  --out FILE             where to write the JSON results (default bench/results/<timestamp>.json)`;

const OPTIONS = {
  sizes: { type: 'string' },
  'with-1m': { type: 'boolean' },
  latency: { type: 'boolean' },
  concurrency: { type: 'string' },
  'latency-ms': { type: 'string' },
  limit: { type: 'string' },
  'latency-seconds': { type: 'string' },
  'large-records': { type: 'string' },
  'large-read-paths': { type: 'string' },
  'cpu-prof': { type: 'boolean' },
  'text-heavy': { type: 'boolean' },
  'read-paths': { type: 'boolean' },
  'read-paths-records': { type: 'string' },
  'read-paths-widths': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseBenchArgs(argv: string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new Error(`${(error as Error).message}; see --help`);
  }
  const ints = (text: string, flag: string): number[] => text.split(',').map((s) => positiveInt(s, flag));
  const sizes = values.sizes === undefined ? [10_000, 100_000] : values.sizes.split(',').filter(Boolean).map(parseSize);
  if (values['with-1m'] && !sizes.includes(1_000_000)) sizes.push(1_000_000);
  const latency = values.latency === true;
  const readPaths = values['read-paths'] === true || values['read-paths-records'] !== undefined;
  return {
    sizes,
    latency,
    throughput: (!latency && !readPaths) || values.sizes !== undefined || values['with-1m'] === true,
    out: values.out ?? null,
    cpuProf: values['cpu-prof'] === true,
    concurrencies: values.concurrency === undefined ? [1, 5, 10, 20] : ints(values.concurrency, '--concurrency'),
    latencyMs: values['latency-ms'] === undefined ? 300 : positiveInt(values['latency-ms'], '--latency-ms'),
    limit: values.limit === undefined ? 10 : positiveInt(values.limit, '--limit'),
    latencySeconds: values['latency-seconds'] === undefined ? 30 : positiveInt(values['latency-seconds'], '--latency-seconds'),
    largeReadPaths: readPathsOf(values['large-read-paths']),
    largeRecords: values['large-records'] === undefined ? [200_000] : values['large-records'] === '0' ? [] : values['large-records'].split(',').map(parseSize),
    textHeavy: values['text-heavy'] === true,
    readPathsRecords: !readPaths ? 0 : values['read-paths-records'] === undefined ? 50_000 : parseSize(values['read-paths-records']),
    readPathsWidths: values['read-paths-widths'] === undefined ? [50, 100, 250] : ints(values['read-paths-widths'], '--read-paths-widths'),
    help: values.help === true,
  };
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: ${JSON.stringify(text)} is not a positive whole number`);
  return n;
}

function readPathsOf(text: string | undefined): Array<'records' | 'coql'> {
  if (text === undefined) return ['records'];
  return text.split(',').map((p) => {
    if (p !== 'records' && p !== 'coql') throw new Error(`--large-read-paths: ${JSON.stringify(p)} is not a read path; expected records or coql`);
    return p;
  });
}
