// Pushback from the imitation Zoho: 429s (with and without Retry-After), 500s, cut connections,
// access tokens that die every 40 calls, and a concurrency limit of 5 — the output must still equal
// the dataset, and the crawl must never have more than ZOHO_MAX_CONCURRENCY calls in flight.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { crawlSandbox, diffRows, readableModules, same, type Crawled } from './support.js';

describe('faults on: 5% 429, 2% 500, 1% cut connections, tokens dying every 40 calls, concurrency limit 5', () => {
  let sandbox: Sandbox;
  let run: Crawled;
  beforeAll(async () => {
    sandbox = await startSandbox({
      preset: 'demo',
      admin: true,
      seed: 21,
      // A few ms per call so calls overlap (in-process and without latency they hardly would) and the
      // in-flight cap is really exercised.
      faults: { rate429: 0.05, rate500: 0.02, rateDrop: 0.01, tokenLifetimeCalls: 40, concurrencyLimit: 5, latencyMs: 4, jitterMs: 3 },
      // Tokens die every 40 calls, so this crawl needs more grants than Zoho's 10 per 10 minutes:
      // the test raises the sandbox's grant limit (the client's handling of the throttle is tested apart).
      limits: { grantsPerWindow: 1000 },
    });
    run = await crawlSandbox(sandbox, { ZOHO_MAX_CONCURRENCY: '5', ZOHO_REQUEST_RETRIES: '10' });
  });
  afterAll(() => sandbox?.stop());

  test('the output equals the dataset: nothing lost, nothing twice', () => {
    expect(run.report.errors).toEqual([]);
    expect(run.status).toBe('complete');
    for (const module of readableModules(sandbox, true)) {
      expect(diffRows(run.got.records.get(module) ?? [], sandbox.dataset.records(module))).toEqual(same(sandbox.dataset.count(module)));
      expect(diffRows(run.got.deleted.get(module) ?? [], sandbox.dataset.deleted(module))).toEqual(same(sandbox.dataset.deletedCount(module)));
    }
  });

  test('faults happened, tokens were renewed, and never more than 5 calls were in flight', () => {
    const stats = sandbox.stats();
    const { injected } = stats;
    // Printed for the report: what this run went through.
    process.stdout.write(
      `zoho fault test: total=${stats.total} grants=${stats.grants} maxInFlight=${stats.maxInFlight} ` +
        `injected=${JSON.stringify(injected)} unexpected4xx=${stats.unexpected4xx.length}\n`,
    );
    expect(injected['429'] + injected['500'] + injected.drop).toBeGreaterThan(0);
    expect(injected.expired401).toBeGreaterThan(0);
    expect(stats.grants).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(5);
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(injected.concurrency429).toBe(0);
    expect(stats.unexpected4xx).toEqual([]);
    expect(run.report.api.requests).toBe(stats.total);
  });
});
