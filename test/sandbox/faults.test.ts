// Each fault knob, over HTTP. Verdicts count answers, never measure speed (except lower bounds of latency).
import { describe, test, expect, afterEach } from '@jest/globals';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxResponse } from '../../src/sandbox/index.js';
import { startClient, type Client } from './helpers.js';

let c: Client | undefined;
afterEach(async () => {
  await c?.sb.stop();
  c = undefined;
});

const PAGE = '/crm/v8/Contacts?fields=Last_Name,Description';

describe('fault injection', () => {
  test('all off by default: 100 calls, 100 answers 200', async () => {
    c = await startClient();
    const statuses = await Promise.all(Array.from({ length: 100 }, () => c!.get(PAGE).then((a) => a.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(c.sb.stats().injected).toEqual({ '429': 0, '500': 0, drop: 0, concurrency429: 0, expired401: 0, credits429: 0 });
  });

  test('rate429=1 with no Retry-After setting: 429 TOO_MANY_REQUESTS, with and without Retry-After: 1', async () => {
    c = await startClient({ faults: { rate429: 1 } });
    const answers = [];
    for (let k = 0; k < 40; k++) answers.push(await c.get(PAGE));
    expect(answers.every((a) => a.status === 429 && a.json.code === 'TOO_MANY_REQUESTS' && a.json.status === 'error')).toBe(true);
    const withHeader = answers.filter((a) => a.headers.get('retry-after') !== null);
    expect(withHeader.length).toBeGreaterThan(0);
    expect(withHeader.length).toBeLessThan(40);
    expect(withHeader.every((a) => a.headers.get('retry-after') === '1')).toBe(true);
    const s = c.sb.stats();
    expect(s.injected['429']).toBe(40);
    expect(s.unexpected4xx).toEqual([]);
    expect(s.credits).toBe(0);
  });

  test('retryAfterSeconds=7 puts Retry-After: 7 on every 429', async () => {
    c = await startClient({ faults: { rate429: 1, retryAfterSeconds: 7 } });
    for (let k = 0; k < 5; k++) expect((await c.get(PAGE)).headers.get('retry-after')).toBe('7');
  });

  test('rate429=0.3: some calls fail, the same ones for the same seed', async () => {
    const run = async () => {
      const x = await startClient({ seed: 5, faults: { rate429: 0.3 } });
      const statuses: number[] = [];
      for (let k = 0; k < 60; k++) statuses.push((await x.get(PAGE)).status);
      await x.sb.stop();
      return statuses;
    };
    const a = await run();
    expect(a.filter((s) => s === 429).length).toBeGreaterThan(5);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(20);
    expect(await run()).toEqual(a);
  });

  test('rate500=1: 500 INTERNAL_ERROR', async () => {
    c = await startClient({ faults: { rate500: 1 } });
    const a = await c.get(PAGE);
    expect(a.status).toBe(500);
    expect(a.json).toEqual({ code: 'INTERNAL_ERROR', details: {}, message: expect.any(String), status: 'error' });
    expect(c.sb.stats().injected['500']).toBe(1);
  });

  test('rateDrop=1: headers arrive, the body breaks off', async () => {
    c = await startClient({ faults: { rateDrop: 1 } });
    const res = await fetch(c.sb.url + PAGE, { headers: { Authorization: `Zoho-oauthtoken ${c.token}` } });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(100);
    await expect(res.text()).rejects.toThrow();
    const s = c.sb.stats();
    expect(s.injected.drop).toBe(1);
    expect(s.requests['GET /crm/v8/{module}']).toEqual({ drop: 1 });
  });

  test('concurrencyLimit=2: calls over it answer 429, maxInFlight records the peak', async () => {
    c = await startClient({ faults: { concurrencyLimit: 2, latencyMs: 400 } });
    const statuses = await Promise.all(Array.from({ length: 6 }, () => c!.get(PAGE).then((a) => a.status)));
    const rejected = statuses.filter((s) => s === 429).length;
    expect(rejected).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const s = c.sb.stats();
    expect(s.injected.concurrency429).toBe(rejected);
    expect(s.maxInFlight).toBeGreaterThan(2);
    expect(s.unexpected4xx).toEqual([]);
  });

  test('sortConcurrencyLimit=2: sort_by calls over it answer 429, other calls do not count', async () => {
    c = await startClient({ faults: { sortConcurrencyLimit: 2, latencyMs: 400 } });
    const sorted = `${PAGE}${PAGE.includes('?') ? '&' : '?'}sort_by=Modified_Time&sort_order=asc`;
    const statuses = await Promise.all([
      ...Array.from({ length: 5 }, () => c!.get(sorted).then((a) => a.status)),
      ...Array.from({ length: 5 }, () => c!.get(PAGE).then((a) => a.status)),
    ]);
    expect(statuses.slice(5)).toEqual([200, 200, 200, 200, 200]);
    const rejected = statuses.slice(0, 5).filter((s) => s === 429).length;
    expect(rejected).toBeGreaterThan(0);
    expect(statuses.slice(0, 5).filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const s = c.sb.stats();
    expect(s.injected.concurrency429).toBe(rejected);
    expect(s.maxSortedInFlight).toBeGreaterThan(2);
  });

  test('maxInFlight stays 1 for a sequential client', async () => {
    c = await startClient();
    for (let k = 0; k < 5; k++) await c.get(PAGE);
    expect(c.sb.stats().maxInFlight).toBe(1);
  });

  test('tokenLifetimeCalls=3: the 4th call with a token → 401 INVALID_TOKEN; a fresh token works', async () => {
    c = await startClient({ faults: { tokenLifetimeCalls: 3 } });
    for (let k = 0; k < 3; k++) expect((await c.get(PAGE)).status).toBe(200);
    const fourth = await c.get(PAGE);
    expect(fourth.status).toBe(401);
    expect(fourth.json.code).toBe('INVALID_TOKEN');
    const s = c.sb.stats();
    expect(s.injected.expired401).toBe(1);
    expect(s.unexpected4xx).toEqual([]);
  });

  test('latencyMs delays every API call by at least that much', async () => {
    c = await startClient({ faults: { latencyMs: 150 } });
    const t0 = performance.now();
    await c.get(PAGE);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(145);
  });

  test('latency counts from arrival: the answer leaves ≥ latencyMs after the call arrived, built inside the wait', async () => {
    const seen: SandboxResponse[] = [];
    c = await startClient({ faults: { latencyMs: 400 }, onResponse: (r) => seen.push(r) });
    const page = await c.get('/crm/v8/Leads?fields=Last_Name,Email,Description,Owner,Modified_Time');
    expect(page.status).toBe(200);
    expect(page.json.data.length).toBe(200);
    expect(seen).toHaveLength(1);
    const [r] = seen;
    expect(r).toMatchObject({ method: 'GET', path: '/crm/v8/Leads', status: 200, delayMs: 400 });
    expect(r.answeredMs - r.arrivedMs).toBeGreaterThanOrEqual(400);
    // The page was ready before its latency was up, so the latency is not added on top of building it.
    expect(r.readyMs).toBeLessThan(r.arrivedMs + 400);
    expect(r.readyMs).toBeLessThanOrEqual(r.answeredMs);
  });

  test('a call over the concurrency limit is refused at once, without the latency', async () => {
    const seen: SandboxResponse[] = [];
    c = await startClient({ faults: { latencyMs: 300, concurrencyLimit: 1 }, onResponse: (r) => seen.push(r) });
    const answers = await Promise.all([c.get(PAGE), c.get(PAGE), c.get(PAGE)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 429, 429]);
    const refused = seen.filter((r) => r.status === 429);
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r.delayMs).toBe(0);
    const served = seen.find((r) => r.status === 200)!;
    expect(served.answeredMs - served.arrivedMs).toBeGreaterThanOrEqual(300);
  });

  test('jitterMs varies the delay around latencyMs, never below latency − jitter', async () => {
    c = await startClient({ faults: { latencyMs: 100, jitterMs: 60 } });
    for (let k = 0; k < 4; k++) {
      const t0 = performance.now();
      await c.get('/crm/v8/settings/modules');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    }
  });

  test('bad fault settings are refused with a message naming the knob', async () => {
    await expect(startSandbox({ faults: { rate429: 2 } })).rejects.toThrow(/faults\.rate429: 2 .*probability/);
    await expect(startSandbox({ faults: { concurrencyLimit: 0 } })).rejects.toThrow(/faults\.concurrencyLimit/);
    await expect(startSandbox({ sizes: { Home: 3 } })).rejects.toThrow(/"Home" is not a readable module/);
  });
});
