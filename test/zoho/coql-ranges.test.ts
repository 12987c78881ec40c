// A large module read by COQL (ZOHO_READ_PATH=coql) in parallel ranges of Modified_Time, against the
// sandbox: every record once on skewed data, the calls against COQL's lower bound, Zoho's ten complex
// calls in flight at most, records changed while the crawl runs (ranged and single chains).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ORG_NOW_MS } from '../../src/sandbox/time.js';
import { COQL_MAX_ROWS } from '../../src/zoho/coql.js';
import { asCoql } from './coql-support.js';
import { crawlSandbox, diffRows, same, type Crawled } from './support.js';

const COQL = { ZOHO_READ_PATH: 'coql' };
const rangesSaid = (run: Crawled, module = 'Leads'): number =>
  Number(new RegExp(`${module}: read by COQL in (\\d+) ranges`).exec(run.lines.join('\n'))?.[1] ?? 0);
const stealsSaid = (run: Crawled): number => Number(/Leads: \d+ record\(s\); (\d+) range\(s\) taken over/.exec(run.lines.join('\n'))?.[1] ?? -1);
/** The sandbox's records of a module as COQL gives them. */
const coqlTruth = (sandbox: Sandbox, module: string): Array<Record<string, unknown>> =>
  [...sandbox.dataset.records(module)].map((r) => asCoql(r, sandbox.dataset.fields(module)));

describe('a large module by COQL, skewed: half its records in one second', () => {
  let sandbox: Sandbox;
  let run: Crawled;
  const LEADS = 64_000;
  beforeAll(async () => {
    const extra = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`Custom_Module_${i + 1}`, 2500]));
    sandbox = await startSandbox({
      preset: 'tiny',
      seed: 62,
      extraModules: 4,
      sizes: { Leads: LEADS, ...extra },
      modifiedSkew: 0.5,
      faults: { concurrencyLimit: 12, sortConcurrencyLimit: 10, latencyMs: 10 },
    });
    run = await crawlSandbox(sandbox, { ...COQL, ZOHO_MAX_CONCURRENCY: '12', ZOHO_INCLUDE_DELETED: 'false' });
  }, 180_000);
  afterAll(() => sandbox?.stop());

  test('read in several ranges; every record exactly once, the COQL form of the sandbox\'s record', () => {
    expect(run.status).toBe('complete');
    expect(rangesSaid(run)).toBe(3);
    expect(diffRows(run.got.records.get('Leads') ?? [], coqlTruth(sandbox, 'Leads'))).toEqual(same(LEADS));
    expect(diffRows(run.got.records.get('Custom_Module_1') ?? [], coqlTruth(sandbox, 'Custom_Module_1'))).toEqual(same(2500));
    expect(sandbox.stats().unexpected4xx).toEqual([]);
  });

  test('COQL calls: the lower bound plus the two bound pages and at most one call per range and per split', () => {
    const calls = sandbox.stats().modules.Leads.coql;
    const bound = Math.ceil(LEADS / COQL_MAX_ROWS);
    expect(calls).toBeGreaterThanOrEqual(bound);
    expect(calls).toBeLessThanOrEqual(bound + 2 + rangesSaid(run) + stealsSaid(run));
    expect(stealsSaid(run)).toBeGreaterThanOrEqual(0);
  });

  test('within Zoho\'s ten complex calls in flight, with ZOHO_MAX_CONCURRENCY=12: zero 429s, and several chains at once', () => {
    const stats = sandbox.stats();
    expect(stats.injected.concurrency429).toBe(0);
    expect(stats.maxSortedInFlight).toBeLessThanOrEqual(10);
    // Leads' three ranges read side by side (the small modules may have finished by then).
    expect(stats.maxSortedInFlight).toBeGreaterThanOrEqual(3);
  });
});

describe('records changed while COQL reads', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.stop());

  /** The crawl's Leads with `modify` records changed at the `nth` COQL call; the lines, and which changed. */
  async function crawlChanging(extra: Record<string, string>, nth: number) {
    let calls = 0;
    let changed: string[] = [];
    sandbox = await startSandbox({
      preset: 'tiny',
      seed: 63,
      sizes: { Leads: 44_000 },
      onRequest: (r) => {
        if (r.path !== '/crm/v8/coql' || ++calls !== nth) return;
        changed = sandbox.dataset.mutate({ module: 'Leads', modify: 300, at: new Date(ORG_NOW_MS + 60_000) }).modified;
      },
    });
    const fields = sandbox.dataset.fields('Leads');
    const before = new Map([...sandbox.dataset.records('Leads')].map((r) => [String(r.id), JSON.stringify(asCoql(r, fields))]));
    const run = await crawlSandbox(sandbox, { ...COQL, ZOHO_MODULE_WHITELIST: 'Leads', ZOHO_MAX_CONCURRENCY: '4', ...extra });
    const after = new Map([...sandbox.dataset.records('Leads')].map((r) => [String(r.id), JSON.stringify(asCoql(r, fields))]));
    await sandbox.stop();
    return { run, changed: new Set(changed), before, after, got: run.got.records.get('Leads') ?? [] };
  }

  test('in ranges: no record twice, each line a version the org held, the changed versions past every range', async () => {
    const { run, changed, before, after, got } = await crawlChanging({}, 6);
    expect(run.status).toBe('complete');
    expect(rangesSaid(run)).toBe(2);
    expect(changed.size).toBe(300);
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
    const untrue = got.filter((r) => JSON.stringify(r) !== before.get(String(r.id)) && JSON.stringify(r) !== after.get(String(r.id)));
    expect(untrue.map((r) => r.id)).toEqual([]);
    expect(got.filter((r) => changed.has(String(r.id)) && JSON.stringify(r) === after.get(String(r.id)))).toEqual([]);
    const untouchedMissing = [...before.keys()].filter((id) => !changed.has(id) && !got.some((r) => r.id === id));
    expect(untouchedMissing).toEqual([]);
  }, 120_000);

  test('one keyset chain (ZOHO_LAST_MODIFIED_TIME: nothing bounds it above): a record met again at its new time is not written twice', async () => {
    const { run, changed, before, got } = await crawlChanging({ ZOHO_LAST_MODIFIED_TIME: '2000-01-01T00:00:00Z' }, 4);
    expect(run.status).toBe('complete');
    expect(rangesSaid(run)).toBe(0);
    expect(changed.size).toBe(300);
    expect(new Set(got.map((r) => r.id)).size).toBe(got.length);
    // Each record once: the untouched ones and every changed one the chain had read before the change.
    const untouchedMissing = [...before.keys()].filter((id) => !changed.has(id) && !got.some((r) => r.id === id));
    expect(untouchedMissing).toEqual([]);
  }, 120_000);
});

describe('COQL answers cut at 200 rows whatever the LIMIT (Zoho\'s OpenAPI description caps data at 200)', () => {
  let sandbox: Sandbox;
  afterAll(() => sandbox?.stop());

  test('every record once, in ranges and in one chain: each chain goes on from the last row it got', async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 65, sizes: { Leads: 44_000, Contacts: 3_000 }, limits: { coqlRowsPerAnswer: 200 } });
    const run = await crawlSandbox(sandbox, { ...COQL, ZOHO_MODULE_WHITELIST: 'Leads,Contacts', ZOHO_MAX_CONCURRENCY: '4' });
    expect(run.status).toBe('complete');
    expect(rangesSaid(run)).toBe(2);
    expect(rangesSaid(run, 'Contacts')).toBe(0);
    expect(diffRows(run.got.records.get('Leads') ?? [], coqlTruth(sandbox, 'Leads'))).toEqual(same(44_000));
    expect(diffRows(run.got.records.get('Contacts') ?? [], coqlTruth(sandbox, 'Contacts'))).toEqual(same(3_000));
    // 200 rows a call: at least 220 + 15 calls, each priced by the LIMIT it asked.
    expect(sandbox.stats().modules.Leads.coql).toBeGreaterThanOrEqual(220);
    expect(sandbox.stats().modules.Contacts.coql).toBeGreaterThanOrEqual(15);
  }, 120_000);
});
