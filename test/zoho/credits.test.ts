// The org's daily API credits run out mid-crawl: the crawler tells that 429 from the concurrency one,
// stops within a few calls, keeps every line fetched, ends partial with the credit limit named and the
// run resumable; once the window has rolled on, the next `crawl zoho` finishes the same run, each line
// once. `crawl zoho` runs as a child process against a sandbox org with a daily credit limit.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxRequest, type SandboxResponse } from '../../src/sandbox/index.js';
import { buildCli, expectExactRun, onlyRun, readManifestJson, readMarkerJson, runCli } from '../resume/support.js';
import { crawlSandbox, readRun } from './support.js';
import { close, twistingProxy } from './twisting-proxy.js';

const LINES = 70;
/** About two thirds of what this org's crawl costs (≈ 63 credits): the second day's credits finish it. */
const DAILY_CREDITS = 40;
let tmp: string;
let cli: string;
let sandbox: Sandbox;
/** API calls that arrived after the first answer that refused a call for spent credits. */
let refusedSeen = false;
let callsAfterRefusal = 0;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'credits-'));
  cli = buildCli(tmp);
  sandbox = await startSandbox({
    preset: 'tiny',
    seed: 41,
    sizes: { Leads: 1000 },
    limits: { dailyCredits: DAILY_CREDITS, grantsPerWindow: 1000 },
    onRequest: (r: SandboxRequest) => {
      if (refusedSeen && r.path.startsWith('/crm/')) callsAfterRefusal++;
    },
    onResponse: (r: SandboxResponse) => {
      if (r.status === 429) refusedSeen = true;
    },
  });
}, 180_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('daily API credits exhausted', () => {
  test('stops within a few calls, keeps what it fetched, ends partial and resumable; the next run completes the same data once', async () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const outputDir = join(cwd, 'exports');
    // Every module by name, Home (not API-readable) and Notes (refused to a non-admin) among them: both skipped.
    const whitelist = [...sandbox.dataset.modules().filter((m) => m.api_supported).map((m) => m.api_name), 'Home'];
    expect(whitelist).toContain('Notes');
    const env = { ...sandbox.settings(), LOCAL_OUTPUT_DIRECTORY: outputDir, OUTPUT_LINES_PER_FILE: String(LINES), ZOHO_MODULE_WHITELIST: whitelist.join(',') };

    const first = await runCli(cli, cwd, env);
    expect(first.code).toBe(1);
    const stats = sandbox.stats();
    // Refused calls are those already in flight when the credits ran out, not retries of them.
    expect(stats.injected.credits429).toBeLessThanOrEqual(5);
    expect(callsAfterRefusal).toBeLessThanOrEqual(3);
    expect(stats.credits).toBeGreaterThanOrEqual(DAILY_CREDITS);
    // Past the limit only what was in flight around it, at most ZOHO_MAX_CONCURRENCY (5) calls at a time: those
    // the sandbox still admitted (charged past the limit) and those it refused. How the five split depends on
    // timing, so the bound counts both.
    expect(stats.total).toBeLessThanOrEqual(DAILY_CREDITS + 2 * 5);

    // One closing line says why and what to do, with the credits the rest needs.
    const lines = first.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; message: string });
    const last = lines[lines.length - 1];
    expect(last.level).toBe('error');
    expect(last.message).toMatch(
      // eslint-disable-next-line @stylistic/max-len -- one regex literal: the message it checks is one long line
      /^zoho: Zoho's daily API credit limit is reached .*run \d{4}-\d\d-\d\d_\d\d-\d\d-\d\d stays resumable: `npm run crawl zoho` continues it .*the rest needs about \d+ credit/,
    );
    // No retries of it, and no line per request it cut short: the stop is said once, then at the end.
    expect(lines.filter((l) => /retry \d+\/|reached maximum retries/.test(l.message))).toEqual([]);
    expect(lines.filter((l) => /daily API credit limit/.test(l.message))).toHaveLength(2);

    const runDir = onlyRun(outputDir);
    const manifest = readManifestJson(runDir) as ReturnType<typeof readManifestJson> & { errors?: Array<{ scope: string; message: string }> };
    expect(manifest.status).toBe('partial');
    expect(manifest.errors).toEqual([{ scope: 'zoho', message: expect.stringMatching(/daily API credit limit/) }]);
    // Resumable: the marker names this run; what was fetched is on disk and in the manifest.
    expect(readMarkerJson(outputDir).run).toBe(runDir.split('/').pop());
    const kept = [...readRun(runDir).values()].reduce((n, l) => n + l.length, 0);
    expect(kept).toBeGreaterThan(0);
    expect(Object.values(manifest.modules).reduce((n, m) => n + m.files.reduce((k, f) => k + f.lines, 0), 0)).toBe(kept);

    // The window rolls on: the same command continues the same run and completes it, nothing twice.
    sandbox.refillCredits();
    const second = await runCli(cli, cwd, env);
    expect(second.code).toBe(0);
    expect(onlyRun(outputDir)).toBe(runDir);
    expectExactRun(runDir, sandbox, LINES);
    expect(existsSync(join(outputDir, '.state', 'runs', 'zoho.json'))).toBe(false);
    const done = readManifestJson(runDir) as ReturnType<typeof readManifestJson> & { skipped: Record<string, string>; errors?: unknown };
    expect(Object.keys(done.skipped).sort()).toEqual(['Home', 'Notes']);
    expect(done.errors).toBeUndefined();
    // Records awaiting approval are in the backup: the sandbox lists them only when asked.
    const pending = [...readRun(runDir).get('Leads')!].filter((l) => !l.includes('"$approval_state":"approved"'));
    expect(pending.length).toBe([...sandbox.dataset.records('Leads')].filter((r) => r.$approval_state !== 'approved').length);
    expect(pending.length).toBeGreaterThan(50);
  });
});

describe('a Zoho that sends no X-API-CREDITS-REMAINING: the 429 body alone tells the credits from the concurrency limit', () => {
  let org: Sandbox;
  let refused = false;
  let after = 0;
  beforeAll(async () => {
    org = await startSandbox({
      preset: 'tiny',
      seed: 42,
      sizes: { Leads: 1000 },
      limits: { dailyCredits: DAILY_CREDITS },
      // A concurrency limit below the crawl's: the throttling 429s come too, and must still be retried.
      faults: { concurrencyLimit: 1, latencyMs: 20 },
      onRequest: (r) => {
        if (refused && r.path.startsWith('/crm/')) after++;
      },
      onResponse: (r) => {
        if (r.status === 429 && org.stats().injected.credits429 > 0) refused = true;
      },
    });
  });
  afterAll(() => org?.stop());

  test('throttling 429s are retried; the credits 429 stops the run at once, partial, with the limit named', async () => {
    const proxy = await twistingProxy(org, (_path, up) => {
      const { 'x-api-credits-remaining': _dropped, 'content-length': _length, 'transfer-encoding': _te, ...headers } = up.headers;
      return { status: up.status, headers: headers as Record<string, string>, body: up.body };
    });
    try {
      const run = await crawlSandbox(org, { ZOHO_API_DOMAIN: proxy.url, ZOHO_MAX_CONCURRENCY: '5' });
      const stats = org.stats();
      expect(stats.injected.concurrency429).toBeGreaterThan(0);
      expect(stats.injected.credits429).toBeGreaterThan(0);
      expect(stats.injected.credits429).toBeLessThanOrEqual(4);
      expect(after).toBeLessThanOrEqual(3);
      expect(run.status).toBe('partial');
      expect(run.report.stoppedBy).toMatch(
        /^Zoho's daily API credit limit is reached \(GET \/[^:]+: HTTP 429 TOO_MANY_REQUESTS: .*credits.*\); everything fetched is kept/,
      );
      expect(run.report.errors).toEqual([]);
      expect([...run.got.records.values()].reduce((n, r) => n + r.length, 0)).toBeGreaterThan(0);
    } finally {
      await close(proxy.server);
    }
  });
});
