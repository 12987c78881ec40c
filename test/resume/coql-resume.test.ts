// Crash resume of a COQL chain (ZOHO_READ_PATH=coql): the crawl is SIGKILLed from the sandbox's
// request hook (no timing) while Leads is read page by page, then run again. The resumed chain starts
// after the greatest (Modified_Time, id) stored, so it asks only for the rest, and the run ends with
// every record once, each line the COQL form of the sandbox's record.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxRequest } from '../../src/sandbox/index.js';
import { coqlCost } from '../../src/zoho/coql.js';
import { ndjsonLine } from '../../src/pipelines/ndjson-line.js';
import { asCoql } from '../zoho/coql-support.js';
import { readRun } from '../zoho/support.js';
import { buildCli, crawlKilledAt, onlyRun, readManifestJson, readMarkerJson, runCli } from './support.js';

const LINES = 500;
const LEADS = 9000;
let tmp: string;
let cli: string;
let sandbox: Sandbox;
let sandboxHook: (r: SandboxRequest) => void = () => {};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'resume-coql-'));
  cli = buildCli(tmp);
  // Half of the Leads share one second: the resumed keyset must go on inside it.
  sandbox = await startSandbox({
    preset: 'tiny',
    seed: 61,
    sizes: { Leads: LEADS },
    modifiedSkew: 0.5,
    limits: { grantsPerWindow: 1000 },
    onRequest: (r) => sandboxHook(r),
  });
}, 180_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a COQL crawl killed with SIGKILL, then run again', () => {
  test('the resumed chain asks only for what was not stored; every record once, the manifest true', async () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const outputDir = join(cwd, 'exports');
    const env = {
      ...sandbox.settings(),
      LOCAL_OUTPUT_DIRECTORY: outputDir,
      OUTPUT_LINES_PER_FILE: String(LINES),
      ZOHO_MODULE_WHITELIST: 'Leads',
      ZOHO_READ_PATH: 'coql',
    };
    let coqlCalls = 0;
    // The fourth COQL call: three pages of 2,000 were answered, some of them stored.
    const runDir = await crawlKilledAt(cli, cwd, env, (h) => (sandboxHook = h), (r) => r.path === '/crm/v8/coql' && ++coqlCalls === 4);
    expect(readMarkerJson(outputDir).done).not.toContain('record:Leads');
    const storedBefore = (readRun(runDir).get('Leads') ?? []).length;
    expect(storedBefore).toBeGreaterThan(0);

    sandbox.resetStats();
    const second = await runCli(cli, cwd, env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/RESUMING run/);
    const resumed = /Leads: resuming the COQL chain after the (\d+) record\(s\) already stored/.exec(second.stderr);
    expect(resumed).not.toBeNull();
    const kept = Number(resumed![1]);
    expect(kept).toBeGreaterThanOrEqual(storedBefore - LINES);
    expect(onlyRun(outputDir)).toBe(runDir);

    // Every record once, each line the COQL form of the sandbox's record.
    const fields = sandbox.dataset.fields('Leads');
    const lines = readRun(runDir).get('Leads') ?? [];
    const want = [...sandbox.dataset.records('Leads')].map((r) => ndjsonLine(asCoql(r, fields)).replace(/\n$/, '')).sort();
    expect(lines.length).toBe(LEADS);
    expect([...lines].sort()).toEqual(want);
    const manifest = readManifestJson(runDir);
    expect(manifest.status).toBe('complete');
    expect(manifest.modules.Leads.records).toBe(LEADS);
    // Only the rest was asked for, priced as a chain that starts there.
    expect(sandbox.stats().modules.Leads.coql).toBe(coqlCost(LEADS - kept).requests);
    expect(sandbox.stats().modules.Leads.coqlServed).toBe(LEADS - kept);
  }, 120_000);
});

describe('a COQL crawl reading ranges, killed with SIGKILL, then run again', () => {
  let ranged: Sandbox;
  let rangedHook: (r: SandboxRequest) => void = () => {};
  const BIG = 64_000;
  beforeAll(async () => {
    // 64,000 Leads at ZOHO_MAX_CONCURRENCY=4: three ranges of Modified_Time, read side by side.
    ranged = await startSandbox({ preset: 'tiny', seed: 64, sizes: { Leads: BIG }, limits: { grantsPerWindow: 1000 }, onRequest: (r) => rangedHook(r) });
  }, 180_000);
  afterAll(() => ranged?.stop());

  test('each range goes on from its last stored second; every record once; both runs ask little more than one read', async () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const outputDir = join(cwd, 'exports');
    const env = {
      ...ranged.settings(),
      LOCAL_OUTPUT_DIRECTORY: outputDir,
      OUTPUT_LINES_PER_FILE: String(LINES),
      ZOHO_MODULE_WHITELIST: 'Leads',
      ZOHO_READ_PATH: 'coql',
      ZOHO_MAX_CONCURRENCY: '4',
    };
    let coqlCalls = 0;
    // Past the two bound pages, while the three ranges are read.
    const runDir = await crawlKilledAt(cli, cwd, env, (h) => (rangedHook = h), (r) => r.path === '/crm/v8/coql' && ++coqlCalls === 14);
    expect(readMarkerJson(outputDir).done).not.toContain('record:Leads');
    const stored = (readRun(runDir).get('Leads') ?? []).length;
    expect(stored).toBeGreaterThan(0);

    ranged.resetStats();
    const second = await runCli(cli, cwd, env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/Leads: resuming \d+ range\(s\) of Modified_Time after their last stored records/);
    expect(onlyRun(outputDir)).toBe(runDir);
    const fields = ranged.dataset.fields('Leads');
    const lines = readRun(runDir).get('Leads') ?? [];
    const want = [...ranged.dataset.records('Leads')].map((r) => ndjsonLine(asCoql(r, fields)).replace(/\n$/, '')).sort();
    expect(lines.length).toBe(BIG);
    expect([...lines].sort()).toEqual(want);
    expect(readManifestJson(runDir).status).toBe('complete');
    // Only the rest is asked for: its pages of 2,000, and per range at most a page read again (the kept
    // chunks end inside a page) and a short last page. Read again from the start, it would be ≥ 32 calls.
    const kept = Number(/file\(s\) with (\d+) line\(s\) kept/.exec(second.stderr)?.[1]);
    const ranges = Number(/Leads: resuming (\d+) range\(s\)/.exec(second.stderr)?.[1]);
    const secondCalls = ranged.stats().modules.Leads.coql;
    expect(secondCalls).toBeLessThanOrEqual(Math.ceil((BIG - kept) / 2000) + 2 * ranges);
  }, 180_000);
});
