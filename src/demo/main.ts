// `npm run demo`: the whole product without a Zoho account. It starts the built-in Zoho sandbox and an
// in-process S3-compatible store, then runs the ordinary CLI crawl (`crawl zoho`) pointed at them — the
// same code path as a real crawl, only the endpoints differ — and prints a summary of what was written.
import { readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { main as cli, isEntry, parseArgs, quietSdkNodeNotice } from '../cli.js';
import { runIdOf } from '../core/context.js';
import { startLocalS3 } from '../dev/local-s3.js';
import { startSandbox } from '../sandbox/index.js';
import type { Preset } from '../sandbox/types.js';
import { loadSettings, parseOverrides } from '../settings.js';
import { formatSummary, readManifest, summarize, type RunSummary } from './summary.js';

export interface DemoOptions {
  /** Where runs are written; default: the effective LOCAL_OUTPUT_DIRECTORY (exports). */
  outputDir?: string;
  preset?: Preset;
  seed?: number;
  /** Extra `-s NAME=VALUE` arguments for the crawl. */
  extraArgs?: string[];
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

export interface DemoResult {
  exitCode: number;
  runDir?: string;
  summary?: RunSummary;
  /** What the sandbox itself counted, to set beside what the crawler reports. */
  sandboxRequests: number;
}

const BUCKET = 'zoho-demo';

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const sandbox = await startSandbox({ preset: opts.preset ?? 'demo', seed: opts.seed ?? 2026 });
  const s3 = await startLocalS3();
  try {
    const endpoints = { ...sandbox.settings(), ...s3.settings(BUCKET) };
    if (opts.outputDir) endpoints.LOCAL_OUTPUT_DIRECTORY = opts.outputDir;
    const args = [...Object.entries(endpoints).flatMap(([k, v]) => ['-s', `${k}=${v}`]), ...(opts.extraArgs ?? [])];
    stdout.write(`Demo: Zoho sandbox at ${sandbox.url}, S3-compatible store at ${s3.endpoint} (bucket ${BUCKET})\n`);

    const since = runIdOf(new Date(Math.floor(Date.now() / 1000) * 1000));
    const exitCode = await cli(['crawl', 'zoho', ...args], { stdout, stderr, env: process.env, cwd: process.cwd() });

    const outputDir = resolve(loadSettings({ overrides: parseOverrides(parseArgs(args).overrides) }).settings.LOCAL_OUTPUT_DIRECTORY);
    const runDir = newestRun(outputDir, since);
    const sandboxRequests = sandbox.stats().total;
    if (!runDir) {
      stderr.write(`demo: no run folder with a manifest.json appeared under ${outputDir}\n`);
      return { exitCode: exitCode || 1, sandboxRequests };
    }
    const manifest = readManifest(runDir);
    const objects = await countObjects(endpoints, `${manifest.run}/`);
    const summary = summarize(manifest, runDir, { location: `s3://${BUCKET}/${manifest.run}/`, objects });
    stdout.write(`\n${formatSummary(summary)}\n(the sandbox counted ${sandboxRequests} API requests)\n`);
    return { exitCode, runDir, summary, sandboxRequests };
  } finally {
    await s3.stop();
    await sandbox.stop();
  }
}

/** The newest run folder started at or after `since` that has a manifest. */
function newestRun(outputDir: string, since: string): string | undefined {
  if (!existsSync(outputDir)) return undefined;
  const runs = readdirSync(outputDir)
    .filter((name) => /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.test(name) && name >= since)
    .filter((name) => existsSync(join(outputDir, name, 'manifest.json')))
    .sort();
  const last = runs[runs.length - 1];
  return last === undefined ? undefined : join(outputDir, last);
}

async function countObjects(endpoints: Record<string, string>, prefix: string): Promise<number> {
  const client = new S3Client({
    endpoint: endpoints.AWS_S3_ENDPOINT,
    forcePathStyle: true,
    region: endpoints.AWS_REGION,
    credentials: { accessKeyId: endpoints.AWS_ACCESS_KEY_ID, secretAccessKey: endpoints.AWS_SECRET_ACCESS_KEY },
  });
  try {
    let count = 0;
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
      count += page.KeyCount ?? 0;
      token = page.NextContinuationToken;
    } while (token);
    return count;
  } finally {
    client.destroy();
  }
}

if (isEntry(import.meta.url)) {
  quietSdkNodeNotice();
  const started = Date.now();
  const result = await runDemo({ extraArgs: process.argv.slice(2) });
  process.stdout.write(`demo wall time: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.exit(result.exitCode);
}
