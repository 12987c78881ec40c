// The benchmark's command-line flags.
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
  --cpu-prof             run the CLI child with --cpu-prof (profiles under bench/results/profiles/)
  --out FILE             where to write the JSON results (default bench/results/<timestamp>.json)`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    sizes: [10_000, 100_000],
    latency: false,
    throughput: true,
    out: null,
    cpuProf: false,
    concurrencies: [1, 5, 10, 20],
    latencyMs: 300,
    limit: 10,
    latencySeconds: 30,
    help: false,
  };
  let sizesGiven = false;
  let with1m = false;
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--sizes':
        args.sizes = value(i++, flag).split(',').filter(Boolean).map(parseSize);
        sizesGiven = true;
        break;
      case '--with-1m':
        with1m = true;
        break;
      case '--latency':
        args.latency = true;
        break;
      case '--concurrency':
        args.concurrencies = value(i++, flag).split(',').map((s) => positiveInt(s, flag));
        break;
      case '--latency-ms':
        args.latencyMs = positiveInt(value(i++, flag), flag);
        break;
      case '--limit':
        args.limit = positiveInt(value(i++, flag), flag);
        break;
      case '--latency-seconds':
        args.latencySeconds = positiveInt(value(i++, flag), flag);
        break;
      case '--cpu-prof':
        args.cpuProf = true;
        break;
      case '--out':
        args.out = value(i++, flag);
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${JSON.stringify(flag)}; see --help`);
    }
  }
  if (with1m && !args.sizes.includes(1_000_000)) args.sizes.push(1_000_000);
  args.throughput = !args.latency || sizesGiven || with1m;
  return args;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: ${JSON.stringify(text)} is not a positive whole number`);
  return n;
}
