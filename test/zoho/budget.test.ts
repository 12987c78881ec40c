// ZOHO_CREDIT_BUDGET below what the plan says a crawl costs: `crawl zoho` stops before the budget
// (the sandbox's own credit count says so), keeps what it fetched, ends partial naming the budget and
// resumable; each next `crawl zoho`, with a budget of its own, goes on where the last one stopped,
// until the run is complete with every line once. The manifest's credits per module add up.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ZohoPlan } from '../../src/spiders/zoho-plan.js';
import { buildCli, expectExactRun, onlyRun, readManifestJson, readMarkerJson, runCli } from '../resume/support.js';
import { planCli } from './plan-support.js';
import { readRun } from './support.js';

const LINES = 70;
let tmp: string;
let cli: string;
let sandbox: Sandbox;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'budget-'));
  cli = buildCli(tmp);
  sandbox = await startSandbox({ preset: 'tiny', seed: 43, sizes: { Leads: 1000 }, minFields: 60 });
}, 180_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface ApiPart {
  requests: number;
  credits: number;
  by_module?: Record<string, { requests: number; credits: number }>;
}

type Manifest = ReturnType<typeof readManifestJson> & { api: ApiPart; errors?: Array<{ scope: string; message: string }> };

/** The manifest's credits per module, plus the run's one module-list call, are its credits. */
function expectCreditsAddUp(api: ApiPart): void {
  const modules = Object.values(api.by_module ?? {});
  expect(modules.length).toBeGreaterThan(0);
  expect(modules.reduce((n, m) => n + m.credits, 0) + 1).toBe(api.credits);
  expect(modules.reduce((n, m) => n + m.requests, 0) + 1).toBe(api.requests);
}

describe('ZOHO_CREDIT_BUDGET', () => {
  test('stops before the budget, partial and resumable; the next crawls, each with its budget, complete the same run, each line once', async () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const outputDir = join(cwd, 'exports');
    const planned = await planCli(tmp, sandbox, {});
    expect(planned.code).toBe(0);
    const plan = JSON.parse(planned.stdout) as ZohoPlan;
    const budget = Math.ceil(plan.totals.records_path.credits * 0.6);
    const env = { ...sandbox.settings(), LOCAL_OUTPUT_DIRECTORY: outputDir, OUTPUT_LINES_PER_FILE: String(LINES), ZOHO_CREDIT_BUDGET: String(budget) };

    sandbox.resetStats();
    const first = await runCli(cli, cwd, env);
    expect(first.code).toBe(1);
    const spent = sandbox.stats();
    // The sandbox's own count: never past the budget, and nothing refused (no call went out that would pass it).
    expect(spent.credits).toBeLessThanOrEqual(budget);
    expect(spent.injected.credits429).toBe(0);
    const runDir = onlyRun(outputDir);
    const manifest = readManifestJson(runDir) as Manifest;
    // The crawl's own count (which also charges the calls Notes refuses) stops at most one call's credits short of it.
    expect(manifest.api.credits).toBeLessThanOrEqual(budget);
    expect(manifest.api.credits).toBeGreaterThanOrEqual(budget - 1);
    expect(manifest.status).toBe('partial');
    const stop = /^ZOHO_CREDIT_BUDGET of \d+ credit\(s\) is reached: .*with a fresh ZOHO_CREDIT_BUDGET/;
    expect(manifest.errors).toEqual([{ scope: 'zoho', message: expect.stringMatching(stop) }]);
    expectCreditsAddUp(manifest.api);
    expect(readMarkerJson(outputDir).run).toBe(runDir.split('/').pop());
    expect([...readRun(runDir).values()].reduce((n, l) => n + l.length, 0)).toBeGreaterThan(0);
    // The last line says why, and that the next crawl continues it.
    const lines = first.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; message: string });
    expect(lines.at(-1)).toMatchObject({ level: 'error', message: expect.stringMatching(/^zoho: ZOHO_CREDIT_BUDGET of .*stays resumable/) });
    expect(lines.find((l) => l.message.includes('credits by module:'))?.message).toMatch(/credits by module: (\w+ \d+, )*Leads \d+/);

    // Each next crawl has a budget of its own and goes on where the last stopped; none passes it.
    const spentPerRun = [spent.credits];
    let last = first;
    for (let i = 0; i < 4 && last.code !== 0; i++) {
      sandbox.resetStats();
      last = await runCli(cli, cwd, env);
      const s = sandbox.stats();
      expect(s.credits).toBeLessThanOrEqual(budget);
      spentPerRun.push(s.credits);
    }
    expect(last.code).toBe(0);
    expect(onlyRun(outputDir)).toBe(runDir);
    expectExactRun(runDir, sandbox, LINES);
    expect(existsSync(join(outputDir, '.state', 'runs', 'zoho.json'))).toBe(false);
    const done = readManifestJson(runDir) as Manifest;
    expect(done.errors).toBeUndefined();
    expectCreditsAddUp(done.api);
    // Resuming costs only the module list and the unfinished modules' metadata again: a little over the plan in all.
    const total = spentPerRun.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(plan.totals.records_path.credits);
    expect(total).toBeLessThan(plan.totals.records_path.credits + 40);
    process.stdout.write(`budget test: plan ${JSON.stringify(plan.totals.records_path)}, budget ${budget}, ` +
      `spent per run ${spentPerRun.join(' + ')} = ${total}\n`);
  }, 240_000);
});
