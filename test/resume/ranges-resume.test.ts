// Crash resume of a module read in Modified_Time ranges (issue 14): the crawl is SIGKILLed while
// its ranges are being read (from the sandbox's request hook: no timing), then run again. The
// records arrived from several chains interleaved, so the kept chunks hold a part of each range;
// the resumed run must still end with every record exactly once.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxRequest } from '../../src/sandbox/index.js';
import { readableModules } from '../zoho/support.js';
import { buildCli, crawlKilledAt, expectExactRun, onlyRun, readMarkerJson, runCli } from './support.js';

const LINES = 500;
let tmp: string;
let cli: string;
let sandbox: Sandbox;
let sandboxHook: (r: SandboxRequest) => void = () => {};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'resume-ranges-'));
  cli = buildCli(tmp);
  // Leads: 50,000 records (a big module: it takes every chain, here four ranges at ZOHO_MAX_CONCURRENCY=4).
  sandbox = await startSandbox({ preset: 'tiny', seed: 41, sizes: { Leads: 50_000 }, limits: { grantsPerWindow: 1000 }, onRequest: (r) => sandboxHook(r) });
}, 180_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a crawl reading ranges, killed with SIGKILL, then run again', () => {
  // Early (a quarter in) and late (four fifths in): what is lost at a kill must not depend on where it falls.
  test.each([120, 400])('killed at the %i-th range call: the resumed run holds every record once, the manifest true', async (killAt) => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const outputDir = join(cwd, 'exports');
    const env = { ...sandbox.settings(), LOCAL_OUTPUT_DIRECTORY: outputDir, OUTPUT_LINES_PER_FILE: String(LINES), ZOHO_MAX_CONCURRENCY: '4' };
    let rangeCalls = 0;
    // Ranges ask with sort_by: 50,000 records in two batches are ~500 calls.
    sandbox.resetStats();
    const killed = (r: SandboxRequest): boolean => r.path === '/crm/v8/Leads' && r.query.has('sort_by') && ++rangeCalls === killAt;
    const runDir = await crawlKilledAt(cli, cwd, env, (h) => (sandboxHook = h), killed);
    expect(readMarkerJson(outputDir).done).not.toContain('record:Leads');
    // Some of Leads was stored before the kill: the resumed run must keep it and add only the rest.
    expect(readdirSync(join(runDir, 'Leads')).length).toBeGreaterThan(1);

    const firstCalls = sandbox.stats().modules.Leads?.records ?? 0;
    sandbox.resetStats();
    const second = await runCli(cli, cwd, env);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/RESUMING run/);
    expect(second.stderr).toMatch(/Leads: resuming \d+ range\(s\) of Modified_Time after their last stored records/);
    // Progress counts the kept records as done: the resumed run ends at its whole total, not at what it read itself.
    const progress = [...second.stderr.matchAll(/progress: (\d+)\/(\d+) records/g)].at(-1);
    expect(progress?.[1]).toBe(progress?.[2]);
    expect(Number(progress?.[1])).toBe(readableModules(sandbox, false).reduce((n, m) => n + sandbox.dataset.count(m), 0));
    expect(onlyRun(outputDir)).toBe(runDir);
    expectExactRun(runDir, sandbox, LINES);
    // Each range went on where it stopped: both runs together ask little more than one uninterrupted
    // read (issue 14: ≤ 1.10 × the lower bound); read again from its start, the module would cost
    // the whole bound again on top of what the first run asked.
    const batches = Math.ceil(sandbox.dataset.fields('Leads').length / 50);
    const bound = Math.ceil(sandbox.dataset.count('Leads') / 200) * batches;
    const secondCalls = sandbox.stats().modules.Leads?.records ?? 0;
    expect(firstCalls).toBeGreaterThanOrEqual(killAt);
    expect(firstCalls + secondCalls).toBeLessThanOrEqual(1.1 * bound);
  }, 120_000);
});
