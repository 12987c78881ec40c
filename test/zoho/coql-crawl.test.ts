// ZOHO_READ_PATH=coql against the sandbox (issue 15): the same org read by GET records and by COQL
// differs exactly by the documented rules (test/zoho/coql-support.ts), every record comes once even
// when thousands share one Modified_Time second, the record cap is exact and priced by its LIMITs,
// the credits the manifest reports per module are the sandbox's own count (and the plan's), and a
// query Zoho refuses is one clear error naming the module.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { PIPELINES } from '../../src/pipelines/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ZohoPlan } from '../../src/spiders/zoho-plan.js';
import { coqlCost } from '../../src/zoho/coql.js';
import { asCoql, asCoqlLine } from './coql-support.js';
import { planCli } from './plan-support.js';
import { crawlSandbox, readableModules, readRun, type Crawled } from './support.js';
import { close, twistingProxy } from './twisting-proxy.js';

const WRITE = { ITEM_PIPELINES: 'collect:100,ndjson:300,manifest:900' };
const sorted = (lines: readonly string[]): string[] => [...lines].sort();

interface ManifestApi {
  api: { requests: number; credits: number; by_module: Record<string, { requests: number; credits: number }> };
}
const manifestOf = (run: Crawled): ManifestApi => JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as ManifestApi;

describe('one org read by records and by coql', () => {
  let sandbox: Sandbox;
  let byRecords: Crawled;
  let byCoql: Crawled;
  let coqlStats: ReturnType<Sandbox['stats']>;
  // Wider than 50 fields (records merges two batches by id), more Leads than one COQL page, a subform, rich text, Notes readable.
  // No deleted log past one page: the plan counts each log as one page (its documented limit).
  const options = { preset: 'tiny' as const, seed: 51, admin: true, subforms: true, minFields: 60, sizes: { Leads: 2300 }, deletedSizes: { Contacts: 150 } };
  beforeAll(async () => {
    // 15 modules read by COQL at ZOHO_MAX_CONCURRENCY=12, each call held 20 ms: more chains than Zoho's 10 complex calls (an upper bound here,
    // not a proof: the chains start one after the other and 6-7 were seen in flight at most).
    const extra = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`Custom_Module_${i + 1}`, 2500]));
    sandbox = await startSandbox({ ...options, extraModules: 5, sizes: { ...options.sizes, ...extra }, faults: { sortConcurrencyLimit: 10, latencyMs: 20 } });
    byRecords = await crawlSandbox(sandbox, WRITE, PIPELINES);
    sandbox.resetStats();
    // More chains than Zoho's sub-concurrency of complex calls: the sandbox refuses the 11th in flight.
    byCoql = await crawlSandbox(sandbox, { ...WRITE, ZOHO_READ_PATH: 'coql', ZOHO_MAX_CONCURRENCY: '12' }, PIPELINES);
    coqlStats = sandbox.stats();
  }, 180_000);
  afterAll(() => sandbox?.stop());

  test('the COQL files, sorted, are the records files after the documented projection, byte for byte; everything else is the same', () => {
    expect(byRecords.status).toBe('complete');
    expect(byCoql.status).toBe('complete');
    const recordsFiles = readRun(byRecords.runDir);
    const coqlFiles = readRun(byCoql.runDir);
    expect([...coqlFiles.keys()].sort()).toEqual([...recordsFiles.keys()].sort());
    const byCoqlModules = readableModules(sandbox, true);
    let projectedAway = 0;
    for (const [stem, lines] of recordsFiles) {
      const got = sorted(coqlFiles.get(stem) ?? []);
      if (byCoqlModules.includes(stem)) {
        const fields = sandbox.dataset.fields(stem);
        const want = sorted(lines.map((l) => asCoqlLine(l, fields)));
        expect({ stem, lines: got.length }).toEqual({ stem, lines: lines.length });
        expect({ stem, same: got.filter((l, i) => l !== want[i]).slice(0, 2) }).toEqual({ stem, same: [] });
        const unchanged = new Set(want);
        projectedAway += lines.filter((l) => !unchanged.has(l)).length;
      } else {
        // Deleted logs, and the subform module (read by records on both paths): the same bytes.
        expect({ stem, lines: got }).toEqual({ stem, lines: sorted(lines) });
      }
    }
    // The projection is not the identity here: the org has $-keys and lookups with names.
    expect(projectedAway).toBeGreaterThan(0);
    expect(readFileSync(join(byRecords.runDir, 'Leads', 'Leads-0.json'), 'utf8')).toMatch(/"\$approval_state":/);
    expect(byCoql.lines.join('\n')).toMatch(/Line_Items__s: read by GET records although ZOHO_READ_PATH=coql: a subform module/);
  });

  test('credits: per module, what the manifest says COQL cost is the sandbox\'s count, the plan\'s figure, and within 10 complex calls in flight', async () => {
    const api = manifestOf(byCoql).api;
    expect({ requests: coqlStats.total, credits: coqlStats.credits }).toEqual({ requests: api.requests, credits: api.credits });
    let coqlCredits = 0;
    for (const module of readableModules(sandbox, true)) {
      const s = coqlStats.modules[module];
      // Every call but COQL as the sandbox counts and prices it: fields, count, rich text 1 credit, deleted pages 2.
      const other = { requests: s.fields + s.count + s.records + s.fullData + s.deleted, credits: s.fields + s.count + s.records + s.fullData + 2 * s.deleted };
      const spent = api.by_module[module];
      const byCoqlPath = { requests: spent.requests - other.requests, credits: spent.credits - other.credits };
      expect({ module, calls: byCoqlPath.requests, records: s.records }).toEqual({ module, calls: s.coql, records: 0 });
      expect({ module, coql: byCoqlPath }).toEqual({ module, coql: coqlCost(sandbox.dataset.count(module)) });
      coqlCredits += byCoqlPath.credits;
    }
    expect(coqlCredits).toBe(coqlStats.coqlCredits);
    expect(coqlStats.maxSortedInFlight).toBeLessThanOrEqual(10);
    expect(coqlStats.injected.concurrency429).toBe(0);
    expect(coqlStats.unexpected4xx).toEqual([]);

    const tmp = mkdtempSync(join(tmpdir(), 'coql-plan-'));
    try {
      const ran = await planCli(tmp, sandbox, { ZOHO_READ_PATH: 'coql' });
      expect(ran.code).toBe(0);
      const plan = JSON.parse(ran.stdout) as ZohoPlan;
      expect(plan.totals.run).toEqual({ requests: api.requests, credits: api.credits, read_path: 'coql' });
      expect(plan.modules.Line_Items__s).toMatchObject({ path: 'records', path_reason: 'a subform module, which COQL does not read' });
      expect(plan.modules.Leads).toMatchObject({ path: 'coql', coql: { coql_calls: 2 } });
      for (const [module, p] of Object.entries(plan.modules)) expect({ module, run: p.run }).toEqual({ module, run: api.by_module[module] });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('coql on skewed Modified_Time', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    // 60% of 5,000 Leads modified in one second: more rows share it than one COQL call returns.
    sandbox = await startSandbox({ preset: 'tiny', seed: 52, sizes: { Leads: 5000 }, modifiedSkew: 0.6 });
  }, 120_000);
  afterAll(() => sandbox?.stop());
  const leads = { ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_INCLUDE_DELETED: 'false', ZOHO_READ_PATH: 'coql' };

  test('every record once, however many share a second', async () => {
    const perSecond = new Map<string, number>();
    for (const r of sandbox.dataset.records('Leads')) perSecond.set(String(r.Modified_Time), (perSecond.get(String(r.Modified_Time)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeGreaterThan(2000);
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, leads);
    expect(run.status).toBe('complete');
    const ids = (run.got.records.get('Leads') ?? []).map((r) => String(r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(sorted(ids)).toEqual(sorted([...sandbox.dataset.records('Leads')].map((r) => String(r.id))));
    // 5,000 rows: 2,000 + 2,000 + 1,000, and no call after the last.
    expect(sandbox.stats().modules.Leads.coql).toBe(3);
    expect(sandbox.stats().coqlCredits).toBe(coqlCost(5000).credits);
  }, 60_000);

  test('ZOHO_MAX_RECORDS_PER_MODULE is exact, the last call asking only for what is left', async () => {
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, { ...leads, ZOHO_MAX_RECORDS_PER_MODULE: '2345' });
    expect(run.status).toBe('complete');
    const ids = (run.got.records.get('Leads') ?? []).map((r) => String(r.id));
    expect(ids).toHaveLength(2345);
    expect(new Set(ids).size).toBe(2345);
    // LIMIT 2000 (3 credits), then LIMIT 345 (2 credits).
    expect(sandbox.stats().modules.Leads.coql).toBe(2);
    expect(sandbox.stats().coqlCredits).toBe(5);
    expect(sandbox.stats().modules.Leads.coqlServed).toBe(2345);
  }, 60_000);

  test('ZOHO_LAST_MODIFIED_TIME: the same records as the records path reads (strictly after it), across the skewed second', async () => {
    const times = [...sandbox.dataset.records('Leads')].map((r) => Date.parse(String(r.Modified_Time))).sort((a, b) => a - b);
    // A second inside the module's span, so that some records are before it, some on it and some after.
    const since = new Date(times[Math.floor(times.length / 2)]).toISOString();
    const byRecords = await crawlSandbox(sandbox, { ...leads, ZOHO_READ_PATH: 'records', ZOHO_LAST_MODIFIED_TIME: since });
    const byCoql = await crawlSandbox(sandbox, { ...leads, ZOHO_LAST_MODIFIED_TIME: since });
    const idsOf = (run: Crawled): string[] => sorted((run.got.records.get('Leads') ?? []).map((r) => String(r.id)));
    expect(idsOf(byCoql).length).toBeGreaterThan(0);
    expect(idsOf(byCoql).length).toBeLessThan(5000);
    expect(idsOf(byCoql)).toEqual(idsOf(byRecords));
  }, 60_000);
});

describe('a COQL query Zoho refuses', () => {
  let sandbox: Sandbox;
  let proxy: { url: string; server: Server } | undefined;
  let coqlCalls = 0;
  let refusal = '';
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 53 });
    // Zoho's documented 400 bodies (crm-oas v8.0/coql executeCOQLQuery examples) in place of the answer.
    proxy = await twistingProxy(sandbox, (path) => {
      if (!path.startsWith('/crm/v8/coql')) return undefined;
      coqlCalls++;
      return { status: 400, body: refusal };
    });
  }, 60_000);
  afterAll(async () => {
    await close(proxy?.server);
    await sandbox?.stop();
  });

  test.each([
    ['INVALID_QUERY', { column_name: 'Last_Name' }, 'unsupported column', /at column_name "Last_Name"/],
    ['SYNTAX_ERROR', { near: 'where' }, 'error occured while parsing the query', /at near "where"/],
    ['INVALID_MODULE', {}, 'the given module is not supported in api', /COQL cannot read Leads: read it with ZOHO_READ_PATH=records/],
  ])('%s: one error naming the module, Zoho\'s code and the query\'s problem; not retried, no token in it', async (code, details, message, detail) => {
    refusal = JSON.stringify({ code, details, message, status: 'error' });
    coqlCalls = 0;
    const settings = { settings: () => ({ ...sandbox.settings(), ZOHO_API_DOMAIN: proxy!.url }) };
    const run = await crawlSandbox(settings, { ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_READ_PATH: 'coql' });
    expect(run.status).toBe('partial');
    expect(coqlCalls).toBe(1);
    expect(run.report.errors).toHaveLength(1);
    const [error] = run.report.errors;
    expect(error.scope).toBe('Leads');
    expect(error.message).toMatch(new RegExp(`Leads: COQL query refused: HTTP 400 ${code} \\(${message}\\)`));
    expect(error.message).toMatch(detail);
    expect(error.message).toMatch(/query: select <\d+ columns> from Leads where id is not null order by Modified_Time asc, id asc limit \d+/);
    expect(error.message).not.toContain(sandbox.credentials.refreshToken);
    expect(error.message).not.toMatch(/Zoho-oauthtoken/);
  }, 60_000);
});

describe('coql in incremental runs', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 54, limits: { grantsPerWindow: 1000 } });
  }, 60_000);
  afterAll(() => sandbox?.stop());

  test('after a complete run, the next asks only for changes since its bookmark and writes exactly them, the overlap dropped', async () => {
    const outputDir = mkdtempSync(join(tmpdir(), 'coql-inc-'));
    const settings = { ...WRITE, ZOHO_READ_PATH: 'coql', ZOHO_INCREMENTAL: 'true', LOCAL_OUTPUT_DIRECTORY: outputDir, ZOHO_INCLUDE_DELETED: 'false' };
    try {
      const t0 = Date.now();
      const first = await crawlSandbox(sandbox, settings, PIPELINES, new Date(t0));
      expect(first.status).toBe('complete');
      const touched = sandbox.dataset.mutate({ module: 'Leads', modify: 5, create: 3, at: new Date('2026-06-01T10:00:00Z') });
      sandbox.resetStats();
      // A run folder is named by its start to the second: the second run starts a second later than the first.
      const second = await crawlSandbox(sandbox, settings, PIPELINES, new Date(t0 + 2000));
      expect(second.status).toBe('complete');
      const changed = new Set([...touched.modified, ...touched.created]);
      const fields = sandbox.dataset.fields('Leads');
      const want = [...sandbox.dataset.records('Leads')].filter((r) => changed.has(String(r.id)));
      const got = second.got.records.get('Leads') ?? [];
      expect(sorted(got.map((r) => JSON.stringify(r)))).toEqual(sorted(want.map((r) => JSON.stringify(asCoql(r, fields)))));
      // The other modules were asked (the overlap's latest records came back) and wrote nothing.
      expect(second.got.records.get('Accounts')).toBeUndefined();
      expect(sandbox.stats().modules.Accounts.coqlServed).toBeGreaterThan(0);
    } finally {
      rmSync(outputDir, { recursive: true, force: true });
    }
  }, 60_000);
});
