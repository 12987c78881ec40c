// What an outside observer reads: GET /__sandbox/stats and POST /__sandbox/reset; and the CLI options.
import { describe, test, expect } from '@jest/globals';
import { optionsFromArgs } from '../../src/sandbox/cli-options.js';
import { startClient } from './helpers.js';

describe('GET /__sandbox/stats', () => {
  test('serves the same snapshot as stats(): requests by endpoint and status, credits, unexpected 4xx; reset clears it', async () => {
    const c = await startClient({ preset: 'tiny' });
    try {
      await c.get('/crm/v8/settings/modules');
      await c.get('/crm/v8/Leads?fields=Last_Name');
      await c.get('/crm/v8/Leads/deleted');
      await c.get('/crm/v8/Leads?approved=default');
      await c.get('/crm/v8/Notes?fields=Note_Title');
      const res = await fetch(`${c.sb.url}/__sandbox/stats`);
      const served = (await res.json()) as any;
      expect(served).toEqual(c.sb.stats());
      expect(served).toMatchObject({
        total: 5,
        credits: 1 + 1 + 2,
        grants: 1,
        requests: {
          'POST /oauth/v2/token': { '200': 1 },
          'GET /crm/v8/settings/modules': { '200': 1 },
          'GET /crm/v8/{module}': { '200': 1, '400': 1, '403': 1 },
          'GET /crm/v8/{module}/deleted': { '200': 1 },
        },
        unexpected4xx: [{ method: 'GET', path: '/crm/v8/Leads', status: 400, code: 'REQUIRED_PARAM_MISSING' }],
      });
      expect((await fetch(`${c.sb.url}/__sandbox/reset`, { method: 'POST' })).status).toBe(204);
      expect(c.sb.stats()).toMatchObject({ total: 0, credits: 0, requests: {}, unexpected4xx: [] });
    } finally {
      await c.sb.stop();
    }
  });
});

describe('npm run sandbox options', () => {
  test('flags become SandboxOptions', () => {
    const args = ['--port', '8123', '--seed', '9', '--preset', 'demo', '--admin', '--size', 'Leads=1000000'];
    args.push('--rate429', '0.1', '--retry-after', '2', '--concurrency-limit', '5', '--latency', '20', '--jitter', '5');
    expect(optionsFromArgs(args)).toEqual({
      port: 8123, host: undefined, seed: 9, preset: 'demo', admin: true, sizes: { Leads: 1000000 }, deletedSizes: undefined,
      faults: { rate429: 0.1, retryAfterSeconds: 2, concurrencyLimit: 5, latencyMs: 20, jitterMs: 5 },
    });
  });

  test('a bad flag value names the flag', () => {
    expect(() => optionsFromArgs(['--preset', 'huge'])).toThrow(/--preset "huge"/);
    expect(() => optionsFromArgs(['--seed', 'x'])).toThrow(/--seed "x" is not a whole number/);
    expect(() => optionsFromArgs(['--size', 'Leads'])).toThrow(/--size "Leads" is not Module=N/);
  });
});
