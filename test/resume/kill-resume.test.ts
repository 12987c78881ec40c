// Crash resume, end to end: `crawl zoho` as a child process, SIGKILLed at exact points of its crawl
// (from the sandbox's or the S3 server's request hook: no timing), then `crawl zoho` again. The run
// folder it finishes must hold exactly the sandbox's data, each line once, with a true manifest; what
// the killed attempt finished is not fetched (nor uploaded) again.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startLocalS3, type LocalS3 } from '../../src/dev/local-s3.js';
import { startSandbox, type Sandbox, type SandboxRequest } from '../../src/sandbox/index.js';
import { buildCli, crawlKilledAt, expectExactRun, killWhen, linesOf, onlyRun, readManifestJson, readMarkerJson, runCli, sha256 } from './support.js';

const LINES = 70;
let tmp: string;
let cli: string;
let sandbox: Sandbox;
let s3: LocalS3;
let sandboxHook: (r: SandboxRequest) => void = () => {};
let s3Hook: (r: { method: string; url: string }) => void = () => {};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'resume-'));
  cli = buildCli(tmp);
  // Leads: five pages of 200, read in two field batches.
  sandbox = await startSandbox({ preset: 'tiny', seed: 21, sizes: { Leads: 1000 }, limits: { grantsPerWindow: 1000 }, onRequest: (r) => sandboxHook(r) });
  s3 = await startLocalS3({ onRequest: (r) => s3Hook(r) });
}, 180_000);
afterAll(async () => {
  await sandbox?.stop();
  await s3?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function workspace(): { cwd: string; outputDir: string; env: Record<string, string> } {
  const cwd = mkdtempSync(join(tmp, 'cwd-'));
  const outputDir = join(cwd, 'exports');
  return { cwd, outputDir, env: { ...sandbox.settings(), LOCAL_OUTPUT_DIRECTORY: outputDir, OUTPUT_LINES_PER_FILE: String(LINES) } };
}

const callsOf = (module: string) => sandbox.stats().modules[module] ?? { fields: 0, records: 0, deleted: 0 };

describe('crawl zoho killed with SIGKILL, then run again', () => {
  test('during records (Leads, fourth page of five): the complete chunks are kept, the partial one rewritten, nothing twice', async () => {
    const { cwd, outputDir, env } = workspace();
    let pageCalls = 0;
    // The first field batch's call of each page (Owner is in the first batch only).
    const firstBatch = (r: SandboxRequest): boolean => r.path === '/crm/v8/Leads' && (r.query.get('fields') ?? '').startsWith('Owner,') && ++pageCalls === 4;
    const runDir = await crawlKilledAt(cli, cwd, env, (h) => (sandboxHook = h), firstBatch);

    const marker = readMarkerJson(outputDir);
    expect(marker.status).toBe('running');
    expect(marker.stems.Leads).toEqual({ module: 'Leads', kind: 'record' });
    // Page five is asked for only once page four is read: Leads cannot be finished.
    expect(marker.done).not.toContain('record:Leads');
    expect(existsSync(join(runDir, 'manifest.json'))).toBe(false);
    // Page one (200 records) went through the pipelines before page three was even queued.
    const complete = new Map<string, Buffer>();
    for (const name of readdirSync(join(runDir, 'Leads'))) {
      const bytes = readFileSync(join(runDir, 'Leads', name));
      if (linesOf(bytes.toString()).length === LINES && bytes.at(-1) === 10) complete.set(name, bytes);
    }
    expect(complete.has('Leads-0.json') && complete.has('Leads-1.json')).toBe(true);

    sandbox.resetStats();
    const second = await runCli(cli, cwd, env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/RESUMING run \d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2} of zoho/);
    expect(onlyRun(outputDir)).toBe(runDir);
    expectExactRun(runDir, sandbox, LINES);
    for (const [name, bytes] of complete) expect({ name, same: readFileSync(join(runDir, 'Leads', name)).equals(bytes) }).toEqual({ name, same: true });
    for (const key of marker.done.filter((k) => k.startsWith('record:'))) {
      expect({ key, calls: callsOf(key.slice(7)).records + callsOf(key.slice(7)).fields }).toEqual({ key, calls: 0 });
    }
    expect(existsSync(join(outputDir, '.state', 'runs', 'zoho.json'))).toBe(false);
  }, 60_000);

  test('during deletions (Contacts, second page): finished records are not read again, the deletions are exact', async () => {
    const { cwd, outputDir, env } = workspace();
    let deletedCalls = 0;
    const runDir = await crawlKilledAt(cli, cwd, env, (h) => (sandboxHook = h), (r) => r.path === '/crm/v8/Contacts/deleted' && ++deletedCalls === 2);

    const marker = readMarkerJson(outputDir);
    // Contacts' single records page (and its end) was committed before its first deleted call was queued.
    expect(marker.done).toContain('record:Contacts');
    expect(marker.done).not.toContain('deleted:Contacts');
    expect(linesOf(readFileSync(join(runDir, 'Contacts-Deleted', 'Contacts-Deleted-1.json'), 'utf8'))).toHaveLength(LINES);

    // A resume must produce the same run: other chunk sizes are refused (exit 2), as is another run id.
    const otherSize = await runCli(cli, cwd, { ...env, OUTPUT_LINES_PER_FILE: '50' });
    expect(otherSize.code).toBe(2);
    expect(otherSize.stderr).toContain(`setting OUTPUT_LINES_PER_FILE (the run started with "70", now "50"): differs from the unfinished run ${marker.run}`);
    const otherRun = await runCli(cli, cwd, env, ['--resume', '2020-01-01_00-00-00']);
    expect(otherRun.code).toBe(2);
    expect(otherRun.stderr).toContain(`error: --resume 2020-01-01_00-00-00: the unfinished run of zoho is ${marker.run}; expected that one`);

    sandbox.resetStats();
    const second = await runCli(cli, cwd, env, ['--resume', marker.run]);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/RESUMING run/);
    expectExactRun(runDir, sandbox, LINES);
    expect(callsOf('Contacts').records).toBe(0);
    expect(callsOf('Contacts').fields).toBe(0);
    // The unfinished deleted stem is read again from its first page; its kept lines are not written twice.
    expect(callsOf('Contacts').deleted).toBe(2);
  }, 60_000);

  test('during upload, twice (a chunk PUT, then the manifest PUT): S3 ends up with exactly the run, no kept file sent twice; ' +
    'the incremental state appears only at the end', async () => {
    const { cwd, outputDir, env: base } = workspace();
    const bucket = 'resume-bucket';
    const env = { ...base, ...s3.settings(bucket), AWS_S3_PREFIX: 'exports', ZOHO_INCREMENTAL: 'true' };
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } });
    const list = async (): Promise<string[]> => {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'exports/' }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    };
    const puts: string[] = [];
    const chunkPut = (r: { method: string; url: string }) => r.method === 'PUT' && /\/exports\/\d{4}-.*\.json/.test(r.url) && !r.url.includes('manifest.json');
    let chunkPuts = 0;
    const kill1 = killWhen<{ method: string; url: string }>((r) => chunkPut(r) && ++chunkPuts === 6);
    s3Hook = kill1.hook;
    const first = await runCli(cli, cwd, env);
    expect(kill1.fired()).toBe(true);
    expect(first.signal).toBe('SIGKILL');
    const runDir = onlyRun(outputDir);
    const run = runDir.slice(-19);
    const storedAfterKill = await list();
    expect(storedAfterKill.length).toBeGreaterThan(0);
    // What the resumed attempt keeps: every file of a finished stem, and complete chunks of the others.
    const marker = readMarkerJson(outputDir);
    const kept = new Set<string>();
    for (const [stem, { module, kind }] of Object.entries(marker.stems)) {
      if (!existsSync(join(runDir, stem))) continue;
      for (const name of readdirSync(join(runDir, stem))) {
        const bytes = readFileSync(join(runDir, stem, name));
        const whole = linesOf(bytes.toString()).length === LINES && bytes.at(-1) === 10;
        if (marker.done.includes(`${kind}:${module}`) || whole) kept.add(`exports/${run}/${stem}/${name}`);
      }
    }
    const keptAndStored = storedAfterKill.filter((k) => kept.has(k));
    expect(keptAndStored.length).toBeGreaterThan(0);
    expect(storedAfterKill).not.toContain(`exports/${run}/manifest.json`);
    expect(existsSync(join(outputDir, '.state', 'zoho.json'))).toBe(false);

    // Second attempt: killed when it stores the manifest (all data written, the marker still there).
    const kill2 = killWhen<{ method: string; url: string }>((r) => r.method === 'PUT' && r.url.includes(`${run}/manifest.json`));
    s3Hook = (r) => {
      if (r.method === 'PUT') puts.push(decodeURIComponent(r.url.split('?')[0]).replace(`/${bucket}/`, ''));
      kill2.hook(r);
    };
    const second = await runCli(cli, cwd, env);
    expect(kill2.fired()).toBe(true);
    expect(second.signal).toBe('SIGKILL');
    expect(second.stderr).toMatch(/RESUMING run/);
    // Kept files the first attempt had stored were found there (same size and SHA-256), not sent again.
    for (const key of keptAndStored) expect(puts).not.toContain(key);
    expect(existsSync(join(runDir, 'manifest.json'))).toBe(true);
    expect(readMarkerJson(outputDir).done.length).toBeGreaterThan(0);
    expect(existsSync(join(outputDir, '.state', 'zoho.json'))).toBe(false);

    s3Hook = () => {};
    const third = await runCli(cli, cwd, env);
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(/RESUMING run/);
    expectExactRun(runDir, sandbox, LINES);

    // S3 holds exactly the run's files and its manifest, byte for byte.
    const manifest = readManifestJson(runDir);
    const files = Object.values(manifest.modules).flatMap((m) => m.files);
    const stored = await list();
    expect(stored.filter((k) => !k.startsWith('exports/state/'))).toEqual(
      [...files.map((f) => `exports/${run}/${f.path}`), `exports/${run}/manifest.json`].sort(),
    );
    for (const f of files) {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: `exports/${run}/${f.path}` }));
      expect({ path: f.path, bytes: head.ContentLength, sha256: head.Metadata?.sha256 }).toEqual({ path: f.path, bytes: f.bytes, sha256: f.sha256 });
    }
    const remoteManifest = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `exports/${run}/manifest.json` }));
    expect(sha256(await remoteManifest.Body!.transformToString())).toBe(sha256(readFileSync(join(runDir, 'manifest.json'), 'utf8')));
    // The state exists only now that the run is complete and stored, locally and in S3.
    const state = JSON.parse(readFileSync(join(outputDir, '.state', 'zoho.json'), 'utf8')) as { run: string };
    expect(state.run).toBe(run);
    expect(stored).toContain('exports/state/zoho.json');
    client.destroy();
  }, 90_000);
});
