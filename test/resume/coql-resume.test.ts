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
