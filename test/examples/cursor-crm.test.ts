// The third spider of docs/extending.md (examples/cursor-crm.ts) through the real engine and the
// default pipelines against a small cursor-paginated CRM server: retries, pacing, token renewal,
// crash resume after a stop and incremental runs all come from the framework.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cursorCrmSpider, type CursorCrmOptions } from '../../examples/cursor-crm.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import { crawl, type CrawlResult } from '../../src/engine/engine.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { parseSettings } from '../../src/settings.js';
import { readRun } from '../zoho/support.js';

interface Row {
  id: string;
  name: string;
  updatedAt: string;
}

const SECRET = 'client-secret-never-logged-77';
const T0 = Date.parse('2026-01-01T00:00:00Z');
const data: Record<string, Row[]> = {
  contacts: Array.from({ length: 250 }, (_, i) => ({ id: `c-${i}`, name: `Contact ${i} Ødegaard`, updatedAt: new Date(T0 + i * 1000).toISOString() })),
  companies: Array.from({ length: 130 }, (_, i) => ({ id: `co-${i}`, name: `Company ${i}`, updatedAt: new Date(T0 + i * 1000).toISOString() })),
  deals: Array.from({ length: 60 }, (_, i) => ({ id: `d-${i}`, name: `Deal ${i}`, updatedAt: new Date(T0 + i * 1000).toISOString() })),
};
const server = {
  grants: 0,
  /** Page calls each token is good for: then 401, so tokens are renewed during a run. */
  tokenUses: new Map<string, number>(),
  inFlight: 0,
  peak: 0,
  /** Page calls left today; undefined = no limit. */
  quota: undefined as number | undefined,
  throttledOnce: new Set<string>(),
  pages: [] as string[],
};
let http: Server;
let base = '';

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', base);
  if (url.pathname === '/oauth/token') {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    if (new URLSearchParams(body).get('client_secret') !== SECRET) return answer(res, 401, { error: 'invalid_client' });
    const token = `tok-${++server.grants}`;
    server.tokenUses.set(token, 4);
    return answer(res, 200, { access_token: token, expires_in: 3600 });
  }
  const object = /^\/crm\/v3\/objects\/([a-z]+)$/.exec(url.pathname)?.[1];
  const rows = object ? data[object] : undefined;
  if (!rows) return answer(res, 404, { message: 'no such object' });
  const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
  const uses = server.tokenUses.get(token) ?? 0;
  if (uses <= 0) return answer(res, 401, { message: 'expired token' });
  server.tokenUses.set(token, uses - 1);
  if (server.quota !== undefined && server.quota-- <= 0) return answer(res, 429, { message: 'daily limit' }, { 'x-daily-remaining': '0' });
  const key = `${object}?${url.searchParams.get('after') ?? ''}`;
  // Every object's second page is throttled once.
  if (url.searchParams.get('after') === '100' && !server.throttledOnce.has(key)) {
    server.throttledOnce.add(key);
    return answer(res, 429, { message: 'slow down' }, { 'retry-after': '0' });
  }
  server.pages.push(`${key}${url.searchParams.has('updatedSince') ? ' since' : ''}`);
  server.inFlight++;
  server.peak = Math.max(server.peak, server.inFlight);
  // Held a moment so that calls overlap and the cap on calls in flight is exercised.
  await new Promise((done) => setTimeout(done, 5));
  server.inFlight--;
  const since = url.searchParams.get('updatedSince');
  const matching = since ? rows.filter((r) => Date.parse(r.updatedAt) > Date.parse(since)) : rows;
  const limit = Number(url.searchParams.get('limit') ?? 100);
  const offset = Number(url.searchParams.get('after') ?? 0);
  const next = offset + limit < matching.length ? { next: { after: String(offset + limit) } } : {};
  answer(res, 200, { results: matching.slice(offset, offset + limit), paging: next });
}

beforeAll(async () => {
  http = createServer((req, res) => void handle(req, res));
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  http.closeAllConnections();
  await new Promise((done) => http.close(done));
});

async function run(outputDir: string, extra: Partial<CursorCrmOptions> = {}, startedAt?: Date): Promise<CrawlResult & { log: string; ids: string[] }> {
  const { logger, lines } = createCapturingLogger('debug');
  const objects = ['contacts', 'companies', 'deals'];
  const spider = cursorCrmSpider({ baseUrl: base, clientId: 'id', clientSecret: SECRET, objects, concurrency: 2, ...extra });
  const settings = parseSettings({ LOCAL_OUTPUT_DIRECTORY: outputDir, OUTPUT_LINES_PER_FILE: '60' });
  const result = await crawl({ spider, startedAt, settings, logger, pipelines: PIPELINES });
  const ids = [...readRun(result.runDir).values()].flat().map((line) => String((JSON.parse(line) as Row).id));
  return { ...result, log: lines.join(''), ids };
}

const allIds = (): string[] => [...data.contacts, ...data.companies, ...data.deals].map((r) => r.id).sort();
const manifest = (runDir: string): { status: string } => JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as { status: string };

describe('the cursor-crm example spider', () => {
  const dirs: string[] = [];
  const outputDir = (): string => {
    dirs.push(mkdtempSync(join(tmpdir(), 'cursor-crm-')));
    return dirs.at(-1)!;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('reads every record once, through 429s and token renewals, never more calls in flight than allowed', async () => {
    Object.assign(server, { grants: 0, peak: 0, pages: [] });
    server.throttledOnce.clear();
    const r = await run(outputDir());
    expect(r.status).toBe('complete');
    expect([...r.ids].sort()).toEqual(allIds());
    expect(manifest(r.runDir).status).toBe('complete');
    // 3 + 2 pages, each once; each token is good for 4 calls, so at least one renewal.
    expect(server.pages.sort()).toEqual(['companies?', 'companies?100', 'contacts?', 'contacts?100', 'contacts?200', 'deals?']);
    expect(server.grants).toBeGreaterThanOrEqual(2);
    expect(server.throttledOnce.size).toBe(2);
    // Three objects could be read at once; the pace allows two.
    expect(server.peak).toBeLessThanOrEqual(2);
    expect(r.log).not.toContain(SECRET);
  });

  test('a run stopped by the daily quota resumes as the same run the next day: every record once', async () => {
    const dir = outputDir();
    Object.assign(server, { quota: 2 });
    const first = await run(dir);
    expect(first.status).toBe('partial');
    expect(first.report.stoppedBy).toMatch(/daily quota is spent/);
    expect(first.ids.length).toBeLessThan(allIds().length);
    server.quota = undefined;
    const second = await run(dir);
    expect(second.runId).toBe(first.runId);
    expect(second.status).toBe('complete');
    expect([...second.ids].sort()).toEqual(allIds());
  });

  test('incremental: the second run asks only for changes since the bookmark and drops the overlap\'s repeats', async () => {
    const dir = outputDir();
    // A second earlier, so that the two runs get different folders.
    const first = await run(dir, { incremental: true }, new Date(Date.now() - 1000));
    expect(first.status).toBe('complete');
    const now = new Date().toISOString();
    for (const i of [3, 77, 249]) data.contacts[i] = { ...data.contacts[i], name: `changed ${i}`, updatedAt: now };
    data.contacts.push({ id: 'c-new', name: 'New', updatedAt: now });
    server.pages = [];
    const second = await run(dir, { incremental: true });
    expect(second.status).toBe('complete');
    expect([...second.ids].sort()).toEqual(['c-249', 'c-3', 'c-77', 'c-new']);
    expect(server.pages.every((p) => p.endsWith(' since'))).toBe(true);
  });
});
