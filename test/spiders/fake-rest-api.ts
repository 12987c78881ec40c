// A small paginated JSON REST API on 127.0.0.1, one route per paging style, recording every request
// it receives so tests can count them (no extra request after the last page, none lost on retries).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const API_KEY = 'k3y-only-the-test-knows-7f9a';

export interface SeenRequest {
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
}

export interface FakeRestApi {
  base: string;
  seen: SeenRequest[];
  /** Requests received on one route (path without query). */
  hits(path: string): SeenRequest[];
  close(): Promise<void>;
}

/** Page n (1-based) of a resource: two records with ids that tell page and position apart. */
const records = (route: string, n: number) => [
  { id: `${route}-${n}-a`, page: n, name: `Ä ${route} ${n}` },
  { id: `${route}-${n}-b`, page: n, tags: ['x', 'y'] },
];

type Handler = (req: SeenRequest, res: ServerResponse, base: string) => void;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const pageOf = (req: SeenRequest): number => Number(req.query.page ?? '1');

export async function startFakeRestApi(): Promise<FakeRestApi> {
  const attempts = new Map<string, number>();
  const routes: Record<string, Handler> = {
    // Link header; page 1 gives an absolute link, page 2 a relative one with two rel values.
    '/link/items': (req, res, base) => {
      const n = pageOf(req);
      const headers: Record<string, string> = {};
      if (n === 1) headers.link = `<${base}/link/items?page=2>; rel="next", <${base}/link/items?page=3>; rel="last"`;
      if (n === 2) headers.link = `</link/items?page=1>; rel=prev, </link/items?page=3>; rel="next last"`;
      json(res, 200, records('link', n), headers);
    },
    // A relative next URL inside the body, items under data.items.
    '/json/items': (req, res) => {
      const n = pageOf(req);
      json(res, 200, { data: { items: records('json', n) }, paging: { next: n < 3 ? `/json/items?page=${n + 1}` : null } });
    },
    // A cursor token inside the body; elements that are not objects.
    '/cursor/items': (req, res) => {
      const cursor = req.query.cursor ?? 'start';
      const pages: Record<string, { results: unknown[]; next: string | null }> = {
        start: { results: [1, 'two'], next: 'c-2' },
        'c-2': { results: [null, [3]], next: 'c-3' },
        'c-3': { results: [{ id: 'last' }], next: '' },
      };
      const page = pages[cursor];
      if (!page) return json(res, 400, { error: `unknown cursor ${cursor}` });
      json(res, 200, { results: page.results, meta: { next_cursor: page.next } });
    },
    // Page numbers until an empty page; the body is the array.
    '/page/items': (req, res) => {
      const n = pageOf(req);
      json(res, 200, n <= 3 ? records('page', n) : []);
    },
    // Every page first answers 429 (page 1) or 503 (page 2), then 200: each must be read once.
    '/flaky/items': (req, res) => {
      const n = pageOf(req);
      const key = `flaky-${n}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      if (attempt === 1) return json(res, n === 1 ? 429 : 503, { error: 'slow down' }, { 'retry-after': '0' });
      json(res, 200, { items: records('flaky', n), next: n < 2 ? `/flaky/items?page=${n + 1}` : null });
    },
    // The items are not where REST_ITEMS_PATH=data says.
    '/bad/items': (_req, res) => json(res, 200, { data: { count: 3 }, results: records('bad', 1) }),
    '/html/items': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Login required</body></html>');
    },
    // Needs the API key header; a wrong one is refused with a 401 that echoes what it got.
    '/private/items': (req, res) => {
      if (req.headers['x-api-key'] !== API_KEY) return json(res, 401, { error: 'bad key', got: req.headers['x-api-key'] ?? null });
      json(res, 200, records('private', 1));
    },
    // A next URL on another origin (localhost is not 127.0.0.1).
    '/elsewhere/items': (_req, res, base) => json(res, 200, { items: records('elsewhere', 1), next: `${base.replace('127.0.0.1', 'localhost')}/link/items` }),
    // A next link that leads back to the page itself.
    '/loop/items': (_req, res) => json(res, 200, { items: records('loop', 1), next: '/loop/items' }),
  };

  const seen: SeenRequest[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    const entry: SeenRequest = { path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers };
    seen.push(entry);
    const route = routes[url.pathname];
    if (!route) return json(res, 404, { error: 'no such route' });
    route(entry, res, base);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    hits: (path) => seen.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((err) => (err ? fail(err) : done()));
      }),
  };
}
