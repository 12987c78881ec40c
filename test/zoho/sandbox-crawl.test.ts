// The zoho spider against the local Zoho imitation (src/sandbox): the output must equal the
// sandbox's dataset exactly, and the calls must meet DESIGN.md's lower bound.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINES } from '../../src/pipelines/index.js';
import { startSandbox, type Sandbox, type SandboxStats } from '../../src/sandbox/index.js';
import { crawlSandbox, diffRows, lowerBound, readableModules, readRun, same, shapesOf, type Crawled } from './support.js';

const UNSUPPORTED = ['Home', 'Reports', 'Feeds', 'Dashboards'];
/** What Notes costs a non-admin: fields + actions/count (asked together), then the refused first page. */
const NOTES_REFUSED_CALLS = 3;
const refusals = (stats: SandboxStats): number =>
  Object.values(stats.requests).reduce((sum, byStatus) => sum + (byStatus['403'] ?? 0), 0);

function expectModuleEqual(sandbox: Sandbox, run: Crawled, module: string): void {
  expect(diffRows(run.got.records.get(module) ?? [], sandbox.dataset.records(module))).toEqual(same(sandbox.dataset.count(module)));
  expect(diffRows(run.got.deleted.get(module) ?? [], sandbox.dataset.deleted(module))).toEqual(same(sandbox.dataset.deletedCount(module)));
}

describe('a tiny org, user not admin', () => {
  let sandbox: Sandbox;
  let run: Crawled;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 7 });
    run = await crawlSandbox(sandbox);
  });
  afterAll(() => sandbox?.stop());

  test('the run is complete and every readable module equals the dataset, records and deletions', () => {
    expect(run.report.errors).toEqual([]);
    expect(run.status).toBe('complete');
    const readable = readableModules(sandbox, false);
    expect(readable.length).toBeGreaterThanOrEqual(8);
    expect([...run.got.records.keys()].sort()).toEqual(readable.filter((m) => sandbox.dataset.count(m) > 0).sort());
    for (const module of readable) expectModuleEqual(sandbox, run, module);
  });

  test('Leads: more than 50 fields, two pages, converted Leads included', () => {
    expect(sandbox.dataset.fields('Leads').length).toBeGreaterThan(50);
    expect(sandbox.dataset.count('Leads')).toBeGreaterThan(200);
    const converted = (run.got.records.get('Leads') ?? []).filter((r) => r.$converted === true);
    expect(converted.length).toBeGreaterThan(0);
    expect(converted.length).toBe([...sandbox.dataset.records('Leads')].filter((r) => r.$converted === true).length);
    const leads = run.got.modules.find((m) => m.module === 'Leads');
    expect(leads?.fields?.length).toBe(sandbox.dataset.fields('Leads').length);
    expect(leads?.expected).toBe(sandbox.dataset.count('Leads'));
  });

  test('deletions over two pages come whole', () => {
    const twoPages = readableModules(sandbox, false).filter((m) => sandbox.dataset.deletedCount(m) > 200);
    expect(twoPages.length).toBeGreaterThan(0);
    for (const m of twoPages) expect(run.got.deleted.get(m)?.length).toBe(sandbox.dataset.deletedCount(m));
  });

  test('an empty module: a module item, no lines, one records call and one deleted call', () => {
    const empty = readableModules(sandbox, false).filter((m) => sandbox.dataset.count(m) === 0 && sandbox.dataset.deletedCount(m) === 0);
    expect(empty.length).toBeGreaterThan(0);
    for (const m of empty) {
      expect(run.got.modules.some((i) => i.module === m)).toBe(true);
      expect(run.got.records.has(m)).toBe(false);
      expect(run.got.deleted.has(m)).toBe(false);
      expect(sandbox.stats().modules[m]).toMatchObject({ records: 1, deleted: 1 });
    }
  });

  test('Notes, refused to a non-admin, is skipped by name and the run stays complete', () => {
    expect(Object.keys(run.report.skipped)).toEqual(['Notes']);
    expect(run.report.skipped.Notes).toMatch(/403 NOT_SUPPORTED/);
    expect(run.got.records.has('Notes')).toBe(false);
    expect(run.got.deleted.has('Notes')).toBe(false);
    expect(run.got.modules.some((m) => m.module === 'Notes')).toBe(false);
    expect(run.lines.some((l) => /Notes: skipped/.test(l))).toBe(true);
  });

  test('modules the API cannot read are never requested', () => {
    const stats = sandbox.stats();
    for (const m of UNSUPPORTED) expect(stats.modules[m]).toBeUndefined();
    expect(Object.keys(stats.requests).some((k) => UNSUPPORTED.some((m) => k.includes(`/${m}`)))).toBe(false);
  });

  test('calls: the lower bound for the readable modules, Notes costs only its refused attempt; no 4xx a correct client avoids', () => {
    const stats = sandbox.stats();
    const readable = readableModules(sandbox, false);
    // Notes costs 3 calls: its fields and count (asked together) and the refused first page; no
    // deleted call follows a refusal.
    expect(stats.total).toBe(lowerBound(shapesOf(sandbox, readable)) + NOTES_REFUSED_CALLS);
    expect(refusals(stats)).toBe(2);
    const deletedPages = readable.reduce((n, m) => n + Math.max(1, Math.ceil(sandbox.dataset.deletedCount(m) / 200)), 0);
    expect(Object.values(stats.requests['GET /crm/v8/{module}/deleted']).reduce((a, b) => a + b, 0)).toBe(deletedPages);
    expect(run.report.api.requests).toBe(stats.total);
    expect(stats.unexpected4xx).toEqual([]);
  });
});

describe('a small org (a module past 2,000 records), admin', () => {
  let sandbox: Sandbox;
  let run: Crawled;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'small', admin: true, seed: 3 });
    run = await crawlSandbox(sandbox, { ITEM_PIPELINES: 'collect:100,ndjson:300,manifest:900', OUTPUT_LINES_PER_FILE: '700' }, PIPELINES);
  });
  afterAll(() => sandbox?.stop());

  test('every module equals the dataset, Notes included', () => {
    expect(run.status).toBe('complete');
    expect(sandbox.dataset.count('Leads')).toBeGreaterThan(2000);
    for (const module of readableModules(sandbox, true)) expectModuleEqual(sandbox, run, module);
    expect(run.report.skipped).toEqual({});
  });

  test('the sandbox saw exactly the lower bound of calls: no call after a last page', () => {
    const stats = sandbox.stats();
    const bound = lowerBound(shapesOf(sandbox, readableModules(sandbox, true)));
    expect(stats.total).toBe(bound);
    expect(run.report.api.requests).toBe(bound);
    expect(run.report.api.credits).toBe(stats.credits);
    expect(stats.unexpected4xx).toEqual([]);
  });

  test('the NDJSON files under the run folder hold exactly the dataset', () => {
    const files = readRun(run.runDir);
    for (const module of readableModules(sandbox, true)) {
      const records = (files.get(module) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(diffRows(records, sandbox.dataset.records(module))).toEqual(same(sandbox.dataset.count(module)));
      const deleted = (files.get(`${module}-Deleted`) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(diffRows(deleted, sandbox.dataset.deleted(module))).toEqual(same(sandbox.dataset.deletedCount(module)));
    }
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as { status: string; modules: Record<string, { records: number }> };
    expect(manifest.status).toBe('complete');
    expect(manifest.modules.Leads.records).toBe(sandbox.dataset.count('Leads'));
  });
});

describe('one tiny org, several runs: whitelist, exact cap, module name, static token', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 11 });
  });
  afterAll(() => sandbox?.stop());

  test('the whitelist: only the named modules are requested; an unreadable name is skipped with a warning, the run complete', async () => {
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Contacts,Home,Contacts' });
    expectModuleEqual(sandbox, run, 'Contacts');
    expect([...run.got.records.keys()]).toEqual(['Contacts']);
    expect(run.status).toBe('complete');
    expect(run.report.errors).toEqual([]);
    expect(run.report.skipped).toEqual({ Home: expect.stringMatching(/named in ZOHO_MODULE_WHITELIST, but the API cannot read it \(api_supported: false\)/) });
    expect(run.lines.filter((l) => /Home: named in ZOHO_MODULE_WHITELIST/.test(l))).toEqual([expect.stringMatching(/"level":"warn"/)]);
    const stats = sandbox.stats();
    expect(Object.keys(stats.modules)).toEqual(['Contacts']);
    expect(stats.total).toBe(lowerBound(shapesOf(sandbox, ['Contacts'])));
  });

  test('a whitelisted name the org does not have is a likely typo: an error naming the closest modules, the run partial', async () => {
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Contacts,Contcts,No_Such_Module' });
    expectModuleEqual(sandbox, run, 'Contacts');
    expect(run.status).toBe('partial');
    expect(run.report.errors.map((e) => e.scope)).toEqual(['Contcts', 'No_Such_Module']);
    expect(run.report.errorsFor('Contcts')[0]).toMatch(/ZOHO_MODULE_WHITELIST names "Contcts", which is not a module of this org .*did you mean Contacts\?/);
    expect(run.report.errorsFor('No_Such_Module')[0]).toMatch(/ZOHO_MODULE_WHITELIST names "No_Such_Module", which is not a module/);
    expect(run.lines.filter((l) => /Contcts: ZOHO_MODULE_WHITELIST names/.test(l))).toEqual([expect.stringMatching(/"level":"error"/)]);
    expect(Object.keys(sandbox.stats().modules)).toEqual(['Contacts']);
  });

  test('Notes named in the whitelist and refused (403 NOT_SUPPORTED): skipped with a warning, the run complete', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Notes,Products' });
    expect(run.status).toBe('complete');
    expect(run.report.errors).toEqual([]);
    expect(run.report.skipped).toEqual({ Notes: expect.stringMatching(/^named in ZOHO_MODULE_WHITELIST, but refused by Zoho \(403 NOT_SUPPORTED/) });
    expect(run.lines.filter((l) => /Notes: skipped/.test(l))).toEqual([expect.stringMatching(/"level":"warn"/)]);
    expectModuleEqual(sandbox, run, 'Products');
  });

  test('ZOHO_MAX_RECORDS_PER_MODULE: exactly that many records per module, no more pages than needed', async () => {
    sandbox.resetStats();
    const cap = 101;
    const run = await crawlSandbox(sandbox, { ZOHO_MAX_RECORDS_PER_MODULE: String(cap), ZOHO_INCLUDE_DELETED: 'false' });
    expect(run.status).toBe('complete');
    const readable = readableModules(sandbox, false);
    for (const m of readable) {
      const truth = new Map([...sandbox.dataset.records(m)].map((r) => [r.id, JSON.stringify(r)]));
      const got = run.got.records.get(m) ?? [];
      expect(got.length).toBe(Math.min(cap, truth.size));
      for (const r of got) expect(JSON.stringify(r)).toBe(truth.get(r.id));
      expect(run.got.deleted.has(m)).toBe(false);
    }
    const stats = sandbox.stats();
    expect(stats.total).toBe(lowerBound(shapesOf(sandbox, readable, cap), { deleted: false }) + NOTES_REFUSED_CALLS);
    // per_page keeps the surplus small: 101 → one page of 101, not 200 records served
    expect(stats.modules.Leads.recordsServed).toBe(cap * 2); // two field batches
  });

  test('a cap past one page is exact too', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_MAX_RECORDS_PER_MODULE: '201', ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_INCLUDE_DELETED: 'false' });
    expect(run.got.records.get('Leads')?.length).toBe(201);
    expect(new Set(run.got.records.get('Leads')!.map((r) => r.id)).size).toBe(201);
  });

  test('ZOHO_INCLUDE_MODULE_NAME adds "module" to record lines', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Products', ZOHO_INCLUDE_MODULE_NAME: 'true' });
    const got = run.got.records.get('Products')!;
    expect(got.length).toBe(sandbox.dataset.count('Products'));
    expect(got.every((r) => r.module === 'Products')).toBe(true);
    expect(diffRows(got.map(({ module: _m, ...rest }) => rest), sandbox.dataset.records('Products'))).toEqual(same(sandbox.dataset.count('Products')));
  });

  test('ZOHO_CRM_AUTH_TOKEN alone works as a static token', async () => {
    const { ZOHO_ACCOUNTS_URL, ZOHO_API_DOMAIN, ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN } = sandbox.settings();
    const res = await fetch(`${ZOHO_ACCOUNTS_URL}/oauth/v2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: ZOHO_CLIENT_ID,
        client_secret: ZOHO_CLIENT_SECRET,
        refresh_token: ZOHO_REFRESH_TOKEN,
      }),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    const run = await crawlSandbox({ settings: () => ({ ZOHO_API_DOMAIN, ZOHO_CRM_AUTH_TOKEN: access_token }) }, { ZOHO_MODULE_WHITELIST: 'Deals' });
    expect(run.status).toBe('complete');
    expectModuleEqual(sandbox, run, 'Deals');
    expect(run.lines.join('\n')).not.toContain(access_token);
  });
});

describe('If-Modified-Since', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 5 });
  });
  afterAll(() => sandbox?.stop());

  test('only records and deletions changed since ZOHO_LAST_MODIFIED_TIME; unchanged modules answer 304', async () => {
    const at = new Date('2026-03-01T10:00:00Z');
    const touched = sandbox.dataset.mutate({ module: 'Contacts', modify: 4, create: 2, delete: 3, at });
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, { ZOHO_LAST_MODIFIED_TIME: '2026-03-01 09:59:59' });
    expect(run.status).toBe('complete');
    const changed = new Set([...touched.modified, ...touched.created]);
    const truth = [...sandbox.dataset.records('Contacts')].filter((r) => changed.has(String(r.id)));
    expect(truth.length).toBe(6);
    expect(diffRows(run.got.records.get('Contacts') ?? [], truth)).toEqual(same(6));
    const deletedNow = [...sandbox.dataset.deleted('Contacts')].filter((d) => touched.deleted.includes(String(d.id)));
    expect(diffRows(run.got.deleted.get('Contacts') ?? [], deletedNow)).toEqual(same(3));
    // nothing else changed: no lines, and 304 answers for the other modules' records and deletions
    expect([...run.got.records.keys()]).toEqual(['Contacts']);
    expect([...run.got.deleted.keys()]).toEqual(['Contacts']);
    const stats = sandbox.stats();
    expect(stats.requests['GET /crm/v8/{module}']?.['304']).toBeGreaterThan(0);
    expect(stats.requests['GET /crm/v8/{module}/deleted']?.['304']).toBeGreaterThan(0);
    expect(stats.unexpected4xx).toEqual([]);
  });
});

describe('a module past the page_token limit', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    // The limit made small (Zoho: 100,000) so the test reads several chains in seconds.
    sandbox = await startSandbox({ preset: 'tiny', seed: 9, sizes: { Leads: 1150 }, limits: { pageTokenLimit: 400 } });
  });
  afterAll(() => sandbox?.stop());

  test('read whole, in Modified_Time order over several chains, without repeats and without a refused call', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_PAGE_TOKEN_LIMIT: '400' });
    expect(run.report.errors).toEqual([]);
    const got = run.got.records.get('Leads')!;
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
    expect(diffRows(got, sandbox.dataset.records('Leads'))).toEqual(same(sandbox.dataset.count('Leads')));
    const stats = sandbox.stats();
    expect(stats.requests['GET /crm/v8/{module}']?.['400']).toBeUndefined();
    expect(stats.unexpected4xx).toEqual([]);
  });
});
