// Authentication and failure paths against the imitation Zoho: missing or wrong credentials fail the
// run before any data with a message naming the setting; token renewal is shared; Zoho's grant
// throttle is waited out (or reported clearly); a module failing for good leaves the others whole.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { SettingsError } from '../../src/settings.js';
import { crawlSandbox, diffRows, readableModules, same } from './support.js';

describe('credentials', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 2 });
  });
  afterAll(() => sandbox?.stop());

  test('none at all: a settings error before any request, naming ZOHO_REFRESH_TOKEN and ZOHO_CRM_AUTH_TOKEN', async () => {
    sandbox.resetStats();
    const { ZOHO_ACCOUNTS_URL, ZOHO_API_DOMAIN } = sandbox.settings();
    const error = await crawlSandbox({ settings: () => ({ ZOHO_ACCOUNTS_URL, ZOHO_API_DOMAIN }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([
      expect.stringMatching(/^ZOHO_REFRESH_TOKEN \(with ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET\) or ZOHO_CRM_AUTH_TOKEN: no Zoho credentials set/),
    ]);
    const stats = sandbox.stats();
    expect(stats.total).toBe(0);
    expect(stats.grants + stats.grantsRefused).toBe(0);
  });

  test('a wrong client secret: failed, the message names ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET, the secret is nowhere', async () => {
    sandbox.resetStats();
    const wrong = 'wrong-secret-0123456789';
    const run = await crawlSandbox(sandbox, { ZOHO_CLIENT_SECRET: wrong });
    expect(run.status).toBe('failed');
    expect(run.report.fatal).toMatch(/^ZOHO_CLIENT_ID \/ ZOHO_CLIENT_SECRET: the accounts server .* answered invalid_client/);
    expect(sandbox.stats().total).toBe(0);
    expect(run.lines.join('\n')).not.toContain(wrong);
    expect(run.got.records.size).toBe(0);
  });

  test('a wrong refresh token: failed, the message names ZOHO_REFRESH_TOKEN', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_REFRESH_TOKEN: '1000.not-a-real-refresh-token' });
    expect(run.status).toBe('failed');
    expect(run.report.fatal).toMatch(/^ZOHO_REFRESH_TOKEN: the accounts server .* answered invalid_(code|grant)/);
  });

  test('a static token the API refuses: failed, naming ZOHO_CRM_AUTH_TOKEN', async () => {
    const { ZOHO_API_DOMAIN } = sandbox.settings();
    const run = await crawlSandbox({ settings: () => ({ ZOHO_API_DOMAIN, ZOHO_CRM_AUTH_TOKEN: '1000.expired-access-token' }) });
    expect(run.status).toBe('failed');
    expect(run.report.fatal).toMatch(/ZOHO_CRM_AUTH_TOKEN: Zoho rejected the access token/);
  });
});

describe('access tokens that die every 7 calls', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 4, admin: true, faults: { tokenLifetimeCalls: 7 }, limits: { grantsPerWindow: 1000 } });
  });
  afterAll(() => sandbox?.stop());

  test('one renewal per dead token, shared by the calls in flight; the output is whole', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_MAX_CONCURRENCY: '5' });
    expect(run.status).toBe('complete');
    for (const m of readableModules(sandbox, true)) {
      expect(diffRows(run.got.records.get(m) ?? [], sandbox.dataset.records(m))).toEqual(same(sandbox.dataset.count(m)));
    }
    const stats = sandbox.stats();
    const answered = stats.total - stats.injected.expired401;
    // A token serves 7 calls; a grant per 7 answered calls (rounded up), not one per refused call.
    expect(stats.grants).toBe(Math.ceil(answered / 7));
    expect(stats.injected.expired401).toBeGreaterThan(0);
  });
});

describe("Zoho's grant throttle", () => {
  test('waited out when it lifts: the run completes', async () => {
    // One grant a second; tokens last 5 calls, so the crawl (13 calls) needs a new token sooner than
    // Zoho allows; the wait before asking again (ZOHO_BACKOFF_MAX_MS) outlasts the window.
    const sandbox = await startSandbox({ preset: 'tiny', seed: 6, faults: { tokenLifetimeCalls: 5 }, limits: { grantsPerWindow: 1, grantWindowMs: 1000 } });
    try {
      const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Leads,Contacts', ZOHO_BACKOFF_MAX_MS: '1100', ZOHO_MAX_CONCURRENCY: '1' });
      expect(run.report.errors).toEqual([]);
      expect(run.status).toBe('complete');
      expect(sandbox.stats().grantsRefused).toBeGreaterThan(0);
      expect(diffRows(run.got.records.get('Leads')!, sandbox.dataset.records('Leads'))).toEqual(same(sandbox.dataset.count('Leads')));
    } finally {
      await sandbox.stop();
    }
  });

  test('still throttled after a bounded number of waits: a clear error naming the refresh token, not endless asking', async () => {
    const sandbox = await startSandbox({ preset: 'tiny', seed: 6, faults: { tokenLifetimeCalls: 3 }, limits: { grantsPerWindow: 1 } });
    try {
      const run = await crawlSandbox(sandbox, { ZOHO_MAX_CONCURRENCY: '2' });
      expect(run.status).toBe('partial');
      expect(run.report.errors.length).toBeGreaterThan(0);
      for (const e of run.report.errors) expect(e.message).toMatch(/ZOHO_REFRESH_TOKEN: could not obtain an access token .* throttled the grant/);
      // 1 grant, then one bounded series of refused attempts (4), shared by every call after it.
      expect(sandbox.stats().grantsRefused).toBe(4);
    } finally {
      await sandbox.stop();
    }
  });
});

describe('a module that keeps failing', () => {
  let sandbox: Sandbox;
  let proxy: Server;
  let proxyUrl: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 8, admin: true });
    const target = new URL(sandbox.url);
    // A real proxy in front of the sandbox that answers 500 to every records call of Deals.
    proxy = createServer((req, res) => {
      if (/^\/crm\/v8\/Deals\?/.test(req.url ?? '')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 'INTERNAL_ERROR', message: 'always', status: 'error', details: {} }));
        return;
      }
      const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      req.pipe(up);
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((done) => proxy?.close(done));
    await sandbox?.stop();
  });

  test('is named in the errors after its retries; the others are whole; the run is partial', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_API_DOMAIN: proxyUrl, ZOHO_REQUEST_RETRIES: '2' });
    expect(run.status).toBe('partial');
    expect(run.report.errors).toHaveLength(1);
    expect(run.report.errors[0].scope).toBe('Deals');
    expect(run.report.errors[0].message).toMatch(/gave up after 3 attempts: GET \/Deals: HTTP 500 INTERNAL_ERROR/);
    for (const m of readableModules(sandbox, true).filter((x) => x !== 'Deals')) {
      expect(diffRows(run.got.records.get(m) ?? [], sandbox.dataset.records(m))).toEqual(same(sandbox.dataset.count(m)));
    }
    expect(run.got.records.has('Deals')).toBe(false);
  });
});

describe('page tokens that are expired when used', () => {
  test('the chain restarts without writing a record twice, and gives up by name after a bounded number of restarts', async () => {
    const sandbox = await startSandbox({ preset: 'tiny', seed: 10, limits: { pageTokenTtlMs: 0 } });
    try {
      const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Contacts,Leads', ZOHO_INCLUDE_DELETED: 'false' });
      // Contacts fits one page: no token needed, whole.
      expect(diffRows(run.got.records.get('Contacts') ?? [], sandbox.dataset.records('Contacts'))).toEqual(same(sandbox.dataset.count('Contacts')));
      // Leads needs a second page, whose token is always expired: the first page once, then an error.
      const leads = run.got.records.get('Leads') ?? [];
      expect(leads).toHaveLength(200);
      expect(new Set(leads.map((r) => r.id)).size).toBe(200);
      expect(run.status).toBe('partial');
      expect(run.report.errors.map((e) => e.scope)).toEqual(['Leads']);
      expect(run.report.errors[0].message).toMatch(/page_token chain went stale 4 times \(EXPIRED_VALUE\)/);
      expect(sandbox.stats().unexpected4xx).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  });
});
