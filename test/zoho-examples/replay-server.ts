// A small HTTP server that answers as the org assembled from test/fixtures/zoho-v8 (see its README):
// Zoho's own answer shapes, replayed as they are, so the crawler is checked against them and not only
// against our sandbox's reading of the documentation.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/zoho-v8/', import.meta.url));

export interface Fixture {
  source: string;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export function fixture(name: string): Fixture {
  const f = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Fixture;
  if (typeof f.source !== 'string' || f.source === '' || typeof f.status !== 'number' || !('body' in f)) {
    throw new Error(`${name}: a fixture is {"source", "status", "body"}`);
  }
  return f;
}

export const fixtureNames = (): string[] => readdirSync(FIXTURES).filter((n) => n.endsWith('.json') && n !== 'org.json').sort();

interface Page {
  name: string;
  data: Array<Record<string, unknown>>;
  nextToken?: string;
}

/** records-M-1.json, records-M-2.json …: pages in order, each reached by its predecessor's next_page_token. */
function pagesOf(module: string, kind: 'records' | 'deleted'): Page[] {
  const pages: Page[] = [];
  for (let n = 1; fixtureNames().includes(`${kind}-${module}-${n}.json`); n++) {
    const name = `${kind}-${module}-${n}.json`;
    const body = fixture(name).body as { data?: Array<Record<string, unknown>>; info?: { next_page_token?: string | null } } | null;
    pages.push({ name, data: body?.data ?? [], nextToken: body?.info?.next_page_token ?? undefined });
  }
  return pages;
}

/** Every record (or deleted entry) the org serves for a module, in the order served. */
export function servedEntries(module: string, kind: 'records' | 'deleted'): Array<Record<string, unknown>> {
  return pagesOf(module, kind).flatMap((p) => (fixture(p.name).status === 200 ? p.data : []));
}

/**
 * The records as a complete backup holds them: as served by the list, with the rich-text fields that
 * full-data-M.json gives for a record taken from there (the list answer cuts them).
 */
export function completedRecords(module: string): Array<Record<string, unknown>> {
  const name = `full-data-${module}.json`;
  const full = new Map(fixtureNames().includes(name) ? (fixture(name).body as { data: Array<Record<string, unknown>> }).data.map((e) => [e.id, e]) : []);
  return servedEntries(module, 'records').map((r) => {
    const whole = full.get(r.id);
    if (!whole) return r;
    const out = { ...r };
    for (const [k, v] of Object.entries(whole)) if (k !== 'id') out[k] = v;
    return out;
  });
}

/** The full-data fixture's entries for the ids asked, with only the fields asked. */
function fullData(module: string, url: URL): unknown {
  const ids = (url.searchParams.get('ids') ?? '').split(',');
  const fields = (url.searchParams.get('fields') ?? '').split(',');
  const all = (fixture(`full-data-${module}.json`).body as { data: Array<Record<string, unknown>> }).data;
  const data = all.filter((e) => ids.includes(String(e.id))).map((e) => ({ ...Object.fromEntries(fields.map((f) => [f, e[f]])), id: e.id }));
  return data.length ? { data } : null;
}

export interface ReplayServer {
  url: string;
  /** Requests answered, as "METHOD path?query". */
  calls: string[];
  settings(): Record<string, string>;
  stop(): Promise<void>;
}

export interface ReplayOptions {
  /** The fixture answering POST /oauth/v2/token (default oauth-token.json). */
  token?: string;
}

const routes = (): Record<string, string> => (JSON.parse(readFileSync(join(FIXTURES, 'org.json'), 'utf8')) as { routes: Record<string, string> }).routes;

/** Which fixture answers a call; undefined: 204 with no body. */
function route(method: string, url: URL, opts: ReplayOptions): string | undefined {
  const names = fixtureNames();
  const has = (n: string): string | undefined => (names.includes(n) ? n : undefined);
  const path = url.pathname;
  if (method === 'POST' && path === '/oauth/v2/token') return opts.token ?? 'oauth-token.json';
  const table = routes();
  const module = url.searchParams.get('module');
  const key = `${method} ${path}${path === '/crm/v8/settings/fields' && module ? `?module=${module}` : ''}`;
  if (table[key]) return table[key];
  if (method !== 'GET') return 'error-invalid-url-pattern.json';
  if (path === '/crm/v8/settings/modules') return 'modules.json';
  if (path === '/crm/v8/settings/fields' && module) return has(`fields-${module}.json`) ?? 'error-invalid-module.json';
  const m = /^\/crm\/v8\/([^/]+)(\/deleted|\/actions\/count|\/actions\/fetch_full_data)?$/.exec(path);
  if (!m) return 'error-invalid-url-pattern.json';
  const name = decodeURIComponent(m[1]);
  if (m[2] === '/actions/count') return has(`count-${name}.json`);
  if (m[2] === '/actions/fetch_full_data') return has(`full-data-${name}.json`) ?? 'error-invalid-url-pattern.json';
  if (m[2] === '/deleted') return has(`deleted-${name}-${url.searchParams.get('page') ?? '1'}.json`);
  const pages = pagesOf(name, 'records');
  const token = url.searchParams.get('page_token');
  if (token === null) return pages[0]?.name ?? 'error-invalid-module.json';
  const at = pages.findIndex((p) => p.nextToken === token);
  return at >= 0 && pages[at + 1] ? pages[at + 1].name : 'error-required-param-missing.json';
}

export async function startReplay(opts: ReplayOptions = {}): Promise<ReplayServer> {
  const calls: string[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', url);
    calls.push(`${req.method} ${u.pathname}${u.search}`);
    req.resume();
    req.on('end', () => {
      const name = route(req.method ?? 'GET', u, opts);
      if (name === undefined) {
        res.writeHead(204).end();
        return;
      }
      const f = fixture(name);
      if (name.startsWith('full-data-')) f.body = fullData(name.slice('full-data-'.length, -'.json'.length), u);
      if (f.status === 204 || f.body === null) {
        res.writeHead(f.status, f.headers).end();
        return;
      }
      const body = JSON.stringify(f.body).replaceAll('{api_domain}', url);
      res.writeHead(f.status, { 'content-type': 'application/json;charset=UTF-8', ...f.headers }).end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    settings: () => ({
      ZOHO_ACCOUNTS_URL: url,
      ZOHO_API_DOMAIN: url,
      ZOHO_CLIENT_ID: '1000.REPLAYCLIENTID',
      ZOHO_CLIENT_SECRET: 'replay-client-secret-0123456789',
      ZOHO_REFRESH_TOKEN: '1000.replay.refresh.token',
    }),
    stop: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
