// The crawler against Zoho's own answer shapes (test/fixtures/zoho-v8), replayed by a small server:
// every record and deleted entry served comes out exactly once, byte for byte as served; every error
// body is classified as the crawler must act on it; token answers of both documented shapes work.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINES } from '../../src/pipelines/index.js';
import type { ZohoClient } from '../../src/zoho/client.js';
import { RetriesExhaustedError } from '../../src/http/errors.js';
import { ZohoApiError, ZohoAuthError, type ZohoErrorKind } from '../../src/zoho/errors.js';
import { recordsCall } from '../../src/zoho/requests.js';
import { crawlSandbox, readRun, type Crawled } from '../zoho/support.js';
import { close, listen, staticTokenClient } from '../zoho/twisting-proxy.js';
import { completedRecords, fixture, fixtureNames, servedEntries, startReplay, type ReplayServer } from './replay-server.js';

const READ = ['Leads', 'Contacts', 'Accounts', 'Visits__s', 'Leads_X_Products'];
const lines = (rows: Array<Record<string, unknown>>): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('the org assembled from Zoho\'s examples, crawled end to end', () => {
  let replay: ReplayServer;
  let run: Crawled;
  beforeAll(async () => {
    replay = await startReplay();
    run = await crawlSandbox(replay, { ITEM_PIPELINES: 'collect:100,ndjson:300,manifest:900' }, PIPELINES);
  });
  afterAll(() => replay?.stop());

  test('the fixtures are well formed and each names its source', () => {
    const names = fixtureNames();
    expect(names.length).toBeGreaterThanOrEqual(37);
    for (const n of names) expect(fixture(n).source.length).toBeGreaterThan(10);
  });

  test('every record served is in the files exactly once, as served, rich text completed by fetch_full_data', () => {
    const files = readRun(run.runDir);
    for (const m of READ) {
      const served = completedRecords(m);
      expect(served.length).toBeGreaterThan(0);
      expect([m, [...(files.get(m) ?? [])].sort()]).toEqual([m, lines(served)]);
    }
    // The list cut one rich-text value; the file holds it whole, at the same place in the record.
    const cut = servedEntries('Leads', 'records').find((r) => r.id === '5725767000000649013')!;
    const line = files.get('Leads')!.find((l) => l.includes('5725767000000649013'))!;
    expect((JSON.parse(line) as { Notes_Rich__c: string }).Notes_Rich__c.length).toBeGreaterThan((cut.Notes_Rich__c as string).length);
    expect(Object.keys(JSON.parse(line) as object)).toEqual(Object.keys(cut));
    // Leads: two pages, a record awaiting approval among them.
    expect(files.get('Leads')).toHaveLength(5);
    expect(files.get('Leads')!.some((l) => l.includes('"$approval_state":"approval_process_pending"'))).toBe(true);
  });

  test('every deleted entry served, permanent ones with null fields, exactly once', () => {
    const files = readRun(run.runDir);
    expect([...(files.get('Leads-Deleted') ?? [])].sort()).toEqual(lines(servedEntries('Leads', 'deleted')));
    expect(files.get('Leads-Deleted')!.some((l) => l.includes('"type":"permanent"') && l.includes('"display_name":null'))).toBe(true);
    expect(files.get('Contacts-Deleted') ?? []).toEqual([]);
    // A subform module has no deleted log of its own: none is asked for.
    expect(replay.calls.filter((c) => c.startsWith('GET /crm/v8/Visits__s/deleted'))).toEqual([]);
  });

  test('the refused modules are skipped by name, the run stays complete, Home is never asked', () => {
    expect(run.status).toBe('complete');
    expect(Object.keys(run.report.skipped).sort()).toEqual(['Deals', 'Notes', 'Vendors']);
    expect(run.report.skipped.Deals).toMatch(/NO_PERMISSION/);
    expect(run.report.skipped.Vendors).toMatch(/INVALID_MODULE/);
    expect(run.report.skipped.Notes).toMatch(/NOT_SUPPORTED/);
    expect(replay.calls.filter((c) => c.includes('Home'))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as { status: string; modules: Record<string, { records: number }> };
    expect(manifest.status).toBe('complete');
    expect(manifest.modules.Leads.records).toBe(5);
  });

  test('every records call asks for records awaiting approval; pages are followed by their token', () => {
    const records = replay.calls.filter((c) => /^GET \/crm\/v8\/(Leads|Contacts|Accounts|Visits__s|Leads_X_Products)\?/.test(c));
    expect(records.length).toBe(6);
    for (const c of records) expect(c).toContain('approved=both');
    expect(records.filter((c) => c.includes('page_token='))).toHaveLength(1);
    // One completion per Leads page, naming that page's ids and the rich-text field only.
    const full = replay.calls.filter((c) => c.includes('/actions/fetch_full_data'));
    expect(full).toHaveLength(2);
    for (const c of full) expect(new URL(c.slice(4), replay.url).searchParams.get('fields')).toBe('Notes_Rich__c');
    const manifest = JSON.parse(readFileSync(join(run.runDir, 'manifest.json'), 'utf8')) as { api: { by_purpose?: Record<string, unknown> } };
    expect(manifest.api.by_purpose).toEqual({ rich_text: { requests: 2, credits: 2 } });
  });
});

describe('token answers as Zoho documents them', () => {
  test('expires_in_sec beside an expires_in in milliseconds: the crawl completes', async () => {
    const replay = await startReplay({ token: 'oauth-token-expires-in-sec.json' });
    try {
      const run = await crawlSandbox(replay, { ZOHO_MODULE_WHITELIST: 'Accounts' });
      expect(run.status).toBe('complete');
      expect(run.got.records.get('Accounts')).toEqual(servedEntries('Accounts', 'records'));
    } finally {
      await replay.stop();
    }
  });

  const oauthErrors = ['oauth-error-invalid-client.json', 'oauth-error-invalid-code.json'];
  test.each(oauthErrors)('%s (HTTP 200 with "error"): one message naming the settings, never the secret', async (name) => {
    const replay = await startReplay({ token: name });
    try {
      const run = await crawlSandbox(replay, { ZOHO_MODULE_WHITELIST: 'Accounts' });
      expect(run.status).not.toBe('complete');
      const text = run.lines.join('\n');
      expect(text).toMatch(/ZOHO_(CLIENT_ID|REFRESH_TOKEN)/);
      for (const secret of Object.values(replay.settings()).filter((v) => !v.startsWith('http'))) expect(text).not.toContain(secret.slice(6));
      expect(replay.calls.filter((c) => c.startsWith('GET /crm/'))).toEqual([]);
    } finally {
      await replay.stop();
    }
  });
});

describe('every error body Zoho documents, classified', () => {
  let server: Server | undefined;
  let url = '';
  let serving = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      const f = fixture(serving);
      res.writeHead(f.status, { 'content-type': 'application/json', ...f.headers }).end(JSON.stringify(f.body));
    });
    url = await listen(server);
  });
  afterAll(() => close(server));

  const client = (): ZohoClient => staticTokenClient(url, { backoff: { baseMs: 1, maxMs: 2 }, retries: 0 });

  /** What the crawler does with each: renew the token, name the scope, skip the module, back off, retry, or fail the call. */
  const expected: Record<string, ZohoErrorKind> = {
    'error-invalid-token.json': 'token',
    'error-authentication-failure.json': 'token',
    'error-oauth-scope-mismatch.json': 'scope',
    'error-no-permission.json': 'permission',
    'error-not-supported.json': 'permission',
    'error-in-200.json': 'permission',
    'error-invalid-module.json': 'missing',
    'error-invalid-module-in-data.json': 'missing',
    'error-invalid-url-pattern.json': 'missing',
    'error-too-many-requests.json': 'throttle',
    'error-internal.json': 'server',
    'error-required-param-missing.json': 'other',
    'error-unsupported-version.json': 'other',
  };

  test('the table covers every error fixture', () => {
    expect(Object.keys(expected).sort()).toEqual(fixtureNames().filter((n) => n.startsWith('error-')));
  });

  test.each(Object.entries(expected))('%s → %s', async (name, kind) => {
    serving = name;
    const error = await client().send(recordsCall({ module: 'Leads', fields: ['Last_Name'], perPage: 200, converted: false, order: 'default' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (kind === 'token') {
      // A static token cannot be renewed: the refusal is named, with the setting to fix.
      expect(error).toBeInstanceOf(ZohoAuthError);
      return;
    }
    const api = error instanceof RetriesExhaustedError ? error.last : error;
    expect(api).toBeInstanceOf(ZohoApiError);
    expect((api as ZohoApiError).kind).toBe(kind);
    const body = fixture(name).body as { code?: string; data?: Array<{ code: string }> };
    expect((api as ZohoApiError).code).toBe(body.code ?? (body as { data: Array<{ code: string }> }).data[0].code);
  });
});
