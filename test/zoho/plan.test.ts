// `plan zoho` against the sandbox: with metadata and count calls only, it tells what a crawl of the
// same org then spends, call for call and credit for credit (the sandbox's own count and the crawl's
// report, which the manifest prints), under the settings that shape a crawl; its JSON form is one
// object with an entry per module. And the arithmetic of the plan, alone.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { ZohoPlan } from '../../src/spiders/zoho-plan.js';
import { coqlCost } from '../../src/zoho/coql.js';
import { planModule, planTotals } from '../../src/zoho/plan.js';
import { planCli } from './plan-support.js';
import { close, twistingProxy } from './twisting-proxy.js';
import { crawlSandbox } from './support.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'plan-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const runPlan = (sandbox: Sandbox, env: Record<string, string>, args?: string[]) => planCli(tmp, sandbox, env, args);

describe('plan zoho: its totals are what the crawl then spends', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    // Every module wider than 50 fields (two batches a page), a subform module found in Deals' fields,
    // rich-text completion, Notes readable (admin), and no deleted log beyond one page.
    sandbox = await startSandbox({
      preset: 'tiny',
      seed: 15,
      admin: true,
      minFields: 60,
      subforms: true,
      sizes: { Leads: 450 },
      deletedSizes: { Contacts: 150 },
      org: { edition: 'professional', licences: 20 },
    });
  });
  afterAll(() => sandbox?.stop());

  test('every module and in total: requests and credits equal the sandbox\'s count of the crawl, exactly; the plan writes nothing', async () => {
    sandbox.resetStats();
    const ran = await runPlan(sandbox, {});
    expect(ran.code).toBe(0);
    const plan = JSON.parse(ran.stdout) as ZohoPlan;
    // The plan's own cost: module list, org, and fields + count per module (subform included).
    const planned = Object.keys(plan.modules);
    expect(planned).toContain('Line_Items__s');
    expect(plan.plan_cost).toEqual({ requests: 2 + 2 * planned.length, credits: 2 + 2 * planned.length });
    expect(sandbox.stats().total).toBe(plan.plan_cost.requests);
    expect(readdirSync(ran.cwd)).toEqual([]);

    sandbox.resetStats();
    const run = await crawlSandbox(sandbox);
    expect(run.status).toBe('complete');
    const stats = sandbox.stats();
    expect({ requests: stats.total, credits: stats.credits }).toEqual(plan.totals.records_path);
    expect(run.report.api).toEqual(plan.totals.records_path);
    // Module by module, too: the crawl's credits per module are the plan's.
    const byModule = Object.fromEntries(
      Object.entries(plan.modules).map(([m, p]) => [m, { requests: p.records_path.requests, credits: p.records_path.credits }]),
    );
    expect(run.report.apiByModule).toEqual(byModule);
    expect(plan.totals.records).toBe(planned.reduce((n, m) => n + sandbox.dataset.count(m), 0));
    expect(plan.modules.Leads).toMatchObject({ records: 450, field_batches: 2, pages: 3, records_path: { records_calls: 6, deleted_calls: 1 } });
    // The org's licence: Professional, 20 users → 50,000 + 20 × 500 credits a day.
    expect(plan.org).toEqual({ edition: 'professional', licences: 20, daily_credits: 60_000, share: plan.totals.records_path.credits / 60_000 });
    // The default path is records, for every module: the run's figures are the records path's.
    expect(plan.totals.run).toEqual({ ...plan.totals.records_path, read_path: 'records' });
    expect(Object.values(plan.modules).every((m) => m.path === 'records' && m.path_reason === undefined)).toBe(true);
    expect(plan.totals.coql.credits).toBeLessThan(plan.totals.records_path.credits);
  }, 120_000);

  test('the text form (also as crawl --plan) says what the plan cost, every module, the totals and the share of the daily credits', async () => {
    const ran = await runPlan(sandbox, { ZOHO_CREDIT_BUDGET: '10' }, ['crawl', 'zoho', '--plan']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^zoho plan: 11 module\(s\), [\d,]+ record\(s\); this plan cost 24 call\(s\), 24 credit\(s\)/);
    for (const m of ['Leads', 'Contacts', 'Line_Items__s', 'total (+ module list)']) {
      expect(ran.stdout).toMatch(new RegExp(`^${m.replace(/[()+]/g, '\\$&')} +\\d`, 'm'));
    }
    expect(ran.stdout).toMatch(/^this run \(ZOHO_READ_PATH=records\): \d+ calls, \d+ credits/m);
    expect(ran.stdout).toMatch(/^records read path: \d+ calls, \d+ credits; coql read path: \d+ calls, \d+ credits/m);
    expect(ran.stdout).toMatch(/daily credits: professional, 20 user licence\(s\) → 60,000 credits a day: this run takes [\d.]+% of them/);
    expect(ran.stdout).toMatch(/ZOHO_CREDIT_BUDGET=10: the run stops there; the next crawl continues it/);
    expect(ran.stdout).not.toContain(sandbox.credentials.clientSecret);
  }, 60_000);

  test('ZOHO_READ_PATH=auto: every module on records, said once for all; the crawl sends no COQL call and writes the records path\'s lines', async () => {
    const ran = await runPlan(sandbox, { ZOHO_READ_PATH: 'auto' }, ['plan', 'zoho']);
    expect(ran.code).toBe(0);
    expect(ran.stdout.match(/^\* .*: read by records: auto keeps the lines of the records path/gm)).toHaveLength(1);
    expect(ran.stdout).toMatch(/^this run \(ZOHO_READ_PATH=auto\): \d+ calls/m);
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, { ZOHO_READ_PATH: 'auto' });
    expect(run.status).toBe('complete');
    expect(sandbox.stats().modules.Leads.coql).toBe(0);
    expect(run.lines.join('\n')).toMatch(/ZOHO_READ_PATH=auto reads every module by records/);
    expect(run.got.records.get('Leads')?.length).toBe(450);
  }, 60_000);
});

describe('plan zoho honours the settings that shape a crawl', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 16 });
  });
  afterAll(() => sandbox?.stop());

  test('whitelist, record cap, no deleted logs, no rich text: the plan equals the crawl\'s report (the manifest\'s figures), Notes refused too', async () => {
    const env = {
      ZOHO_MODULE_WHITELIST: 'Leads,Contacts,Notes,Home,Leeds',
      ZOHO_MAX_RECORDS_PER_MODULE: '70',
      ZOHO_INCLUDE_DELETED: 'false',
      ZOHO_FULL_RICH_TEXT: 'false',
    };
    const ran = await runPlan(sandbox, env);
    expect(ran.code).toBe(0);
    const plan = JSON.parse(ran.stdout) as ZohoPlan;
    expect(Object.keys(plan.modules)).toEqual(['Leads', 'Contacts', 'Notes']);
    expect(plan.modules.Leads).toMatchObject({ records: 70, pages: 1, records_path: { deleted_calls: 0, rich_text_calls: 0 } });
    expect(plan.modules.Notes.refused).toMatch(/403 NOT_SUPPORTED/);
    expect(Object.keys(plan.skipped).sort()).toEqual(['Home', 'Notes']);
    expect(plan.unknown).toEqual(['Leeds']);

    const run = await crawlSandbox(sandbox, env);
    expect(run.report.api).toEqual(plan.totals.records_path);
  }, 120_000);

  test('a token without ZohoCRM.org.READ: GET /org refused, the plan still whole, its daily share said unknown', async () => {
    // Zoho's answer to a call outside the token's scopes (a 401 that a new token does not cure).
    const scopeMismatch = JSON.stringify({ code: 'OAUTH_SCOPE_MISMATCH', details: {}, message: 'invalid oauth scope to access this URL', status: 'error' });
    const proxy = await twistingProxy(sandbox, (path) => (path.startsWith('/crm/v8/org') ? { status: 401, body: scopeMismatch } : undefined));
    try {
      const full = JSON.parse((await runPlan(sandbox, {})).stdout) as ZohoPlan;
      const ran = await runPlan(sandbox, { ZOHO_API_DOMAIN: proxy.url });
      expect(ran.code).toBe(0);
      const plan = JSON.parse(ran.stdout) as ZohoPlan;
      expect(plan.org).toEqual({ error: expect.stringMatching(/^GET \/org: .*OAUTH_SCOPE_MISMATCH/) });
      // The same plan, calls and credits alike (the time estimate follows the latency it measured).
      expect({ ...plan.totals, seconds: 0 }).toEqual({ ...full.totals, seconds: 0 });
      const text = await runPlan(sandbox, { ZOHO_API_DOMAIN: proxy.url }, ['plan', 'zoho']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/daily credits: unknown \(GET \/org: .*OAUTH_SCOPE_MISMATCH/);
    } finally {
      await close(proxy.server);
    }
  });

  test('bad settings are refused before any call (exit 2), and a spider without a plan is named', async () => {
    sandbox.resetStats();
    const bad = await runPlan(sandbox, { ZOHO_CREDIT_BUDGET: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ZOHO_CREDIT_BUDGET.*"lots" is not a whole number; expected a whole number ≥ 1/);
    const rest = await runPlan(sandbox, {}, ['plan', 'rest']);
    expect(rest.code).toBe(2);
    expect(rest.stderr).toMatch(/the spider rest has no plan/);
    const json = await runPlan(sandbox, {}, ['crawl', 'zoho', '--json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/--json is for plans; expected `plan <spider> --json`/);
    expect(sandbox.stats().total).toBe(0);
  });
});

describe('the plan\'s arithmetic', () => {
  const o = { includeDeleted: true, fullRichText: true, concurrency: 5, latencyMs: 100, readPath: 'records' as const };
  const bigFacts = { module: 'Big', count: 1_000_000, fields: 250, batches: 5, rich: false, subform: false, timed: true };

  test('COQL: ≤ 2,000 rows a call at 1 / 2 / 3 credits by LIMIT, the last call asking only what is left', () => {
    expect(coqlCost(0)).toEqual({ requests: 1, credits: 1 });
    expect(coqlCost(200)).toEqual({ requests: 1, credits: 1 });
    expect(coqlCost(201)).toEqual({ requests: 1, credits: 2 });
    expect(coqlCost(2000)).toEqual({ requests: 1, credits: 3 });
    expect(coqlCost(2001)).toEqual({ requests: 2, credits: 4 });
    expect(coqlCost(1_000_000)).toEqual({ requests: 500, credits: 1500 });
  });

  test('path: coql where COQL can read the module, records (with the reason) where it cannot; the run costs the chosen path', () => {
    const coql = { ...o, readPath: 'coql' as const };
    const wide = planModule({ module: 'W', count: 4500, fields: 250, batches: 5, rich: true, subform: false, timed: true }, coql);
    // 3 COQL calls (2,000 + 2,000 + 500 rows: 3 + 3 + 2 credits); rich text per 200 rows of each page: 10 + 10 + 3.
    expect(wide).toMatchObject({ path: 'coql', coql: { coql_calls: 3, rich_text_calls: 23, requests: 2 + 3 + 23 + 1, credits: 2 + 8 + 23 + 2 } });
    expect(wide.run).toEqual({ requests: wide.coql.requests, credits: wide.coql.credits });
    const tooWide = { module: 'U', count: 10, fields: 600, batches: 12, rich: false, subform: false, timed: true, coqlUnreadable: 'too wide' };
    const unreadable = planModule(tooWide, coql);
    expect(unreadable).toMatchObject({ path: 'records', path_reason: 'too wide' });
    expect(unreadable.run).toEqual({ requests: unreadable.records_path.requests, credits: unreadable.records_path.credits });
    // Totals: each path's own figures, and the run's with each module on its path.
    const totals = planTotals([wide, unreadable], coql);
    expect(totals.records_path).toEqual({ requests: 1 + wide.records_path.requests + unreadable.records_path.requests,
      credits: 1 + wide.records_path.credits + unreadable.records_path.credits });
    expect(totals.run).toEqual({ requests: 1 + wide.coql.requests + unreadable.records_path.requests,
      credits: 1 + wide.coql.credits + unreadable.records_path.credits, read_path: 'coql' });
    expect(planModule({ module: 'W', count: 4500, fields: 250, batches: 5, rich: true, subform: false, timed: true }, o)).toMatchObject({ path: 'records' });
    expect(planModule({ module: 'W', count: 4500, fields: 250, batches: 5, rich: true, subform: false, timed: true }, o).path_reason).toBeUndefined();
  });

  test('records path: a 1M-record, 250-field module costs 25,000 credits of records calls; rich text one call a page; a cap picks per_page', () => {
    const big = planModule(bigFacts, o);
    // Read in 5 ranges at c = 5: about one page more per range beyond the first, of 5 calls each.
    expect(big.chains).toBe(5);
    expect(big.records_path).toEqual({ requests: 2 + 25_020 + 1, credits: 2 + 25_020 + 2, records_calls: 25_020, rich_text_calls: 0, deleted_calls: 1 });
    // Without Modified_Time the crawl cannot split it: one chain, the lower bound.
    const untimed = planModule({ ...bigFacts, timed: false }, o);
    expect(untimed).toMatchObject({ chains: 1, records_path: { records_calls: 25_000 } });
    const rich = planModule({ module: 'R', count: 401, fields: 10, batches: 1, rich: true, subform: true, timed: true }, o);
    expect(rich.records_path).toMatchObject({ records_calls: 3, rich_text_calls: 3, deleted_calls: 0 });
    // A cap of 300 reads 2 pages of 150 (perPageFor), as the crawl does.
    const capped = planModule({ module: 'C', count: 1000, fields: 10, batches: 1, rich: false, subform: false, timed: true }, { ...o, cap: 300 });
    expect(capped).toMatchObject({ records: 300, pages: 2 });
    // An empty module still costs its first page; a module without fields none.
    const empty = planModule({ module: 'E', count: 0, fields: 10, batches: 1, rich: true, subform: false, timed: true }, o);
    expect(empty.records_path).toMatchObject({ records_calls: 1, rich_text_calls: 0 });
    const fieldless = planModule({ module: 'F', count: 5, fields: 0, batches: 0, rich: false, subform: false, timed: true }, o);
    expect(fieldless.records_path).toMatchObject({ records_calls: 0 });
  });

  test('time: a page\'s field-batch calls go out together, a big module\'s ranges side by side, within ZOHO_MAX_CONCURRENCY calls in flight', () => {
    const timed = { ...o, concurrency: 5, latencyMs: 100 };
    const big = planModule({ module: 'Big', count: 1_000_000, fields: 250, batches: 5, rich: false, subform: false, timed: true }, timed);
    // 1 round for fields and count, then 5,004 pages over 5 range chains: 1,001 rounds of 0.1 s each chain.
    expect(big.seconds).toBeCloseTo(100.2, 5);
    // But 5 chains of 5 calls a page want 25 calls in flight, and only 5 are allowed: the run takes its 25,023 calls over 5 lanes.
    expect(planTotals([big], timed).seconds).toBeCloseTo(0.1 + (25_023 * 0.1) / 5, 5);
    // One chain (no Modified_Time): its own 5,001 rounds, which the lanes do not shorten.
    const untimed = planModule({ ...bigFacts, timed: false }, timed);
    expect(untimed.seconds).toBeCloseTo(500.1, 5);
    expect(planTotals([untimed], timed).seconds).toBeCloseTo(0.1 + 500.1, 5);
  });

  test('COQL in ranges: a 1M-record module at c = 10 in 10 ranges, one 2,000-row call more per range, in a tenth of one chain\'s time', () => {
    const coql = { ...o, readPath: 'coql' as const, concurrency: 10, fullRichText: false };
    const big = planModule({ module: 'Big', count: 1_000_000, fields: 250, batches: 5, rich: false, subform: false, timed: true }, coql);
    expect(big).toMatchObject({ path: 'coql', chains: 10, coql: { coql_calls: 510, credits: 2 + 510 * 3 + 2 } });
    expect(big.seconds).toBeCloseTo((1 + 51) * 0.1, 5);
    // Below BIG_MODULE_RECORDS, one chain priced call by call.
    const small = planModule({ module: 'S', count: 45_000, fields: 20, batches: 1, rich: false, subform: false, timed: true }, coql);
    expect(small).toMatchObject({ chains: 1, coql: { coql_calls: coqlCost(45_000).requests } });
  });
});
