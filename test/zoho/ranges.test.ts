// A large module read as parallel chains of Modified_Time ranges (src/zoho/ranges.ts) against the
// sandbox: exact output on skewed data, the page_token restart inside a range, the request count.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ORG_NOW_MS } from '../../src/sandbox/time.js';
import { crawlSandbox, diffRows, lowerBound, same, shapesOf, type Crawled } from './support.js';

const recordCalls = (sandbox: Sandbox): number => sandbox.stats().requests['GET /crm/v8/{module}']?.['200'] ?? 0;
const rangesSaid = (run: Crawled): number => Number(/Leads: read in (\d+) ranges/.exec(run.lines.join('\n'))?.[1] ?? 0);
const stealsSaid = (run: Crawled): number => Number(/Leads: \d+ record\(s\); (\d+) range\(s\) taken over/.exec(run.lines.join('\n'))?.[1] ?? -1);
const batchesOf = (sandbox: Sandbox, module: string): number => Math.ceil(sandbox.dataset.fields(module).length / 50);

describe('a large module with skewed Modified_Time: most records in one second', () => {
  let sandbox: Sandbox;
  let run: Crawled;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 31, sizes: { Leads: 12_000 }, modifiedSkew: 0.6 });
    run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_MAX_CONCURRENCY: '5' });
  });
  afterAll(() => sandbox?.stop());

  test('the data is skewed as meant: more than half the records share one Modified_Time', () => {
    const byTime = new Map<unknown, number>();
    for (const r of sandbox.dataset.records('Leads')) byTime.set(r.Modified_Time, (byTime.get(r.Modified_Time) ?? 0) + 1);
    expect(Math.max(...byTime.values())).toBeGreaterThan(6_000);
  });

  test('read in several ranges; every record exactly once, all field batches merged, converted and unapproved included', () => {
    expect(run.status).toBe('complete');
    expect(rangesSaid(run)).toBeGreaterThan(1);
    expect(diffRows(run.got.records.get('Leads') ?? [], sandbox.dataset.records('Leads'))).toEqual(same(sandbox.dataset.count('Leads')));
    expect(sandbox.stats().unexpected4xx).toEqual([]);
  });

  test('uneven ranges are evened out: chains that finish early take over half of the largest remaining range', () => {
    expect(stealsSaid(run)).toBeGreaterThan(0);
  });

  test('records calls: the lower bound plus at most one page per range and per split', () => {
    const [shape] = shapesOf(sandbox, ['Leads']);
    const bound = lowerBound([{ ...shape, deleted: 0 }], { deleted: false }) - 3;
    expect(recordCalls(sandbox)).toBeLessThanOrEqual(bound + (rangesSaid(run) + stealsSaid(run)) * batchesOf(sandbox, 'Leads'));
    expect(recordCalls(sandbox)).toBeGreaterThanOrEqual(bound);
  });
});

describe('ranges with ZOHO_LAST_MODIFIED_TIME', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.stop());

  test('the setting is the first range\'s lower bound: exactly the records modified after it', async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 33, sizes: { Leads: 15_000 } });
    const since = new Date(ORG_NOW_MS - 400 * 86_400_000);
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_MAX_CONCURRENCY: '4', ZOHO_LAST_MODIFIED_TIME: since.toISOString() });
    expect(run.status).toBe('complete');
    expect(rangesSaid(run)).toBeGreaterThan(1);
    const truth = [...sandbox.dataset.records('Leads')].filter((r) => Date.parse(String(r.Modified_Time)) > since.getTime());
    expect(truth.length).toBeGreaterThan(4_000);
    expect(truth.length).toBeLessThan(sandbox.dataset.count('Leads'));
    expect(diffRows(run.got.records.get('Leads') ?? [], truth)).toEqual(same(truth.length));
  });
});

describe('ranges while records are modified during the crawl', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.stop());

  test('no record twice, each line a version the org held, and the changed records newer than every range', async () => {
    let calls = 0;
    let changed: string[] = [];
    sandbox = await startSandbox({
      preset: 'tiny',
      seed: 34,
      sizes: { Leads: 10_000 },
      onRequest: (r) => {
        // Mid-crawl: after the bound pages, while every range is being read.
        if (r.path !== '/crm/v8/Leads' || ++calls !== 30) return;
        changed = sandbox.dataset.mutate({ module: 'Leads', modify: 300, at: new Date(ORG_NOW_MS + 60_000) }).modified;
      },
    });
    const before = new Map([...sandbox.dataset.records('Leads')].map((r) => [String(r.id), JSON.stringify(r)]));
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_MAX_CONCURRENCY: '5' });
    expect(run.status).toBe('complete');
    expect(changed.length).toBe(300);
    const after = new Map([...sandbox.dataset.records('Leads')].map((r) => [String(r.id), JSON.stringify(r)]));
    const got = run.got.records.get('Leads') ?? [];
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
    const untrue = got.filter((r) => JSON.stringify(r) !== before.get(String(r.id)) && JSON.stringify(r) !== after.get(String(r.id)));
    expect(untrue.map((r) => r.id)).toEqual([]);
    // Versions made after the ranges were planned are past the last range: the next incremental run gets them.
    const changedSet = new Set(changed);
    expect(got.filter((r) => changedSet.has(String(r.id)) && JSON.stringify(r) === after.get(String(r.id)))).toEqual([]);
    const untouchedMissing = [...before.keys()].filter((id) => !changedSet.has(id) && !got.some((r) => r.id === id));
    expect(untouchedMissing).toEqual([]);
  });
});

describe('ranges and the page_token limit', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    // The limit made small (Zoho: 100,000): each range passes it, so each restarts past it by time.
    sandbox = await startSandbox({ preset: 'tiny', seed: 32, sizes: { Leads: 9_000 }, limits: { pageTokenLimit: 1_000 } });
  });
  afterAll(() => sandbox?.stop());

  test('a range longer than one page_token chain restarts inside the range, exact, without a refused call', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_MAX_CONCURRENCY: '3', ZOHO_PAGE_TOKEN_LIMIT: '1000' });
    expect(run.status).toBe('complete');
    expect(rangesSaid(run)).toBe(3);
    expect(diffRows(run.got.records.get('Leads') ?? [], sandbox.dataset.records('Leads'))).toEqual(same(sandbox.dataset.count('Leads')));
    expect(sandbox.stats().requests['GET /crm/v8/{module}']?.['400']).toBeUndefined();
  });
});

describe('ranges within Zoho\'s sub-concurrency of sort_by calls', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.stop());

  test('ZOHO_MAX_CONCURRENCY=20 on an org of 20 with 10 for sort_by: ten sort_by calls in flight at most, zero 429s, exact', async () => {
    sandbox = await startSandbox({
      preset: 'tiny',
      seed: 35,
      sizes: { Leads: 24_000, Contacts: 3_000 },
      faults: { concurrencyLimit: 20, sortConcurrencyLimit: 10, latencyMs: 15 },
    });
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Leads,Contacts', ZOHO_MAX_CONCURRENCY: '20' });
    expect(run.status).toBe('complete');
    // Leads shares the ten sort_by chains with Contacts while Contacts is still to be read.
    expect(rangesSaid(run)).toBeGreaterThanOrEqual(5);
    const stats = sandbox.stats();
    expect(stats.injected.concurrency429).toBe(0);
    expect(stats.requests['GET /crm/v8/{module}']?.['429']).toBeUndefined();
    // Never past the ten; and more than the one chain a module had.
    expect(stats.maxSortedInFlight).toBeLessThanOrEqual(10);
    expect(stats.maxSortedInFlight).toBeGreaterThan(1);
    expect(diffRows(run.got.records.get('Leads') ?? [], sandbox.dataset.records('Leads'))).toEqual(same(sandbox.dataset.count('Leads')));
  });
});

describe('ranges of a module with rich-text fields', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.stop());

  test('the bound pages (oldest and newest records, up to 400) are completed in calls of at most 200 ids; every value whole', async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 35, sizes: { Products: 9_000 } });
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Products', ZOHO_MAX_CONCURRENCY: '4', ZOHO_FULL_RICH_TEXT: 'true' });
    expect(run.status).toBe('complete');
    expect(Number(/Products: read in (\d+) ranges/.exec(run.lines.join('\n'))?.[1] ?? 0)).toBeGreaterThan(1);
    expect(diffRows(run.got.records.get('Products') ?? [], sandbox.dataset.records('Products'))).toEqual(same(sandbox.dataset.count('Products')));
    expect(sandbox.stats().unexpected4xx).toEqual([]);
  });
});
