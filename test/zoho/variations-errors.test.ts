// Error answers a Zoho that follows the reference may give but our sandbox does not: error bodies
// with an odd `details` or wrapped in data[0], HTML pages from a proxy, Retry-After on a 5xx.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { ZohoClient } from '../../src/zoho/client.js';
import { ZohoApiError, ZohoAuthError } from '../../src/zoho/errors.js';
import { modulesCall } from '../../src/zoho/requests.js';
import { readableModules } from './support.js';
import { close, listen, staticTokenClient, twistedSandbox, type Answer } from './twisting-proxy.js';

describe('error answers that differ from the sandbox', () => {
  const t = twistedSandbox({ preset: 'tiny', seed: 21, admin: true });

  test('401 OAUTH_SCOPE_MISMATCH with details as an array: fatal for that module, naming the scope, no token renewals', async () => {
    const run = await t.crawlThrough((path) =>
      /^\/crm\/v8\/Deals\?/.test(path)
        ? {
            status: 401,
            body: JSON.stringify({ code: 'OAUTH_SCOPE_MISMATCH', details: [], message: 'invalid oauth scope to access this URL', status: 'error' }),
          }
        : undefined,
    );
    expect(run.status).toBe('partial');
    expect(run.report.errors.map((e) => e.scope)).toEqual(['Deals']);
    expect(run.report.errors[0].message).toMatch(/OAUTH_SCOPE_MISMATCH.*lacks the scope ZohoCRM\.modules\.READ/);
    expect(t.sandbox.stats().grants).toBe(1);
    t.expectWhole(run, readableModules(t.sandbox, true).filter((m) => m !== 'Deals'));
  });


  test('an error wrapped in data[0] keeps its code: INVALID_MODULE skips the module', async () => {
    const run = await t.crawlThrough((path) =>
      /^\/crm\/v8\/settings\/fields\?module=Vendors/.test(path)
        ? {
            status: 400,
            body: JSON.stringify({ data: [{ code: 'INVALID_MODULE', details: {}, message: 'the module name given seems to be invalid', status: 'error' }] }),
          }
        : undefined,
    );
    expect(run.status).toBe('complete');
    expect(run.report.skipped.Vendors).toMatch(/400 INVALID_MODULE/);
  });
});

describe('the client against odd server errors', () => {
  let server: Server | undefined;
  let url = '';
  const queue: Answer[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const a = queue.shift() ?? { status: 200, body: '{"modules":[]}' };
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body);
    });
    url = await listen(server);
  });
  afterAll(() => close(server));

  const client = (logs: string[]): ZohoClient =>
    // A Retry-After ignored would show as a wait of the (huge) computed backoff in the log.
    staticTokenClient(url, { backoff: { baseMs: 3_600_000, maxMs: 3_600_000 }, retries: 2, log: (message) => logs.push(message) });

  test('a 503 HTML page from a proxy with Retry-After: retried after the server\'s wait, then the answer', async () => {
    queue.push({ status: 503, headers: { 'content-type': 'text/html', 'retry-after': '0' }, body: '<html>Service Unavailable</html>' });
    queue.push({ status: 429, headers: { 'retry-after': new Date(Date.now() - 1000).toUTCString() }, body: '' });
    const logs: string[] = [];
    expect(await client(logs).send(modulesCall())).toEqual({ status: 200, body: { modules: [] } });
    expect(logs).toEqual([
      expect.stringMatching(/HTTP 503 HTTP_503; retry 1\/2 in 0 ms/),
      expect.stringMatching(/HTTP 429 TOO_MANY_REQUESTS; retry 2\/2 in 0 ms/),
    ]);
  });

  test('a 401 on a static token: one clear message naming ZOHO_CRM_AUTH_TOKEN', async () => {
    queue.push({ status: 401, body: JSON.stringify({ code: 'INVALID_TOKEN', details: {}, message: 'invalid oauth token', status: 'error' }) });
    const e = await client([]).send(modulesCall()).then(() => undefined, (error: unknown) => error);
    expect(e).toBeInstanceOf(ZohoAuthError);
    expect((e as Error).message).toMatch(/^ZOHO_CRM_AUTH_TOKEN: Zoho rejected the access token/);
  });

  test('a 401 OAUTH_SCOPE_MISMATCH on the module list names its scope', async () => {
    queue.push({ status: 401, body: JSON.stringify({ code: 'OAUTH_SCOPE_MISMATCH', message: 'invalid oauth scope', status: 'error' }) });
    const e = await client([]).send(modulesCall()).then(() => undefined, (error: unknown) => error);
    expect(e).toBeInstanceOf(ZohoApiError);
    expect((e as ZohoApiError).kind).toBe('scope');
    expect((e as Error).message).toMatch(/lacks the scope ZohoCRM\.settings\.modules\.READ/);
  });
});
