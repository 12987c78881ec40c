// The framework's HttpClient and auth providers against a real local server: retries with the
// judged verdicts, one shared renewal for a burst of refusals, the gate, redirects within the origin.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RefreshingAuth, staticAuth } from '../../src/http/auth.js';
import { HttpClient, retryAfterOf, type Verdict } from '../../src/http/client.js';
import { RetriesExhaustedError } from '../../src/http/errors.js';
import { Pace } from '../../src/http/pace.js';
import type { HttpAnswer } from '../../src/http/transport.js';

let server: Server;
let base: string;
const hits = new Map<string, number>();
/** The one token the server accepts now. */
let validToken = 'tok-1';

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    if (path.startsWith('/flaky')) return n <= 2 ? res.writeHead(503, { 'retry-after': '0' }).end('busy') : res.writeHead(200).end('{"ok":true}');
    if (path === '/down') return res.writeHead(500).end('down');
    if (path.startsWith('/private')) {
      return req.headers.authorization === `Bearer ${validToken}` ? res.writeHead(200).end('{"ok":true}') : res.writeHead(401).end('expired');
    }
    if (path === '/moved') return res.writeHead(302, { location: '/flaky-after-move' }).end();
    if (path === '/away') return res.writeHead(302, { location: 'http://elsewhere.invalid/x' }).end();
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

/** Generic HTTP meaning: 2xx done, 401 reauth, 429/5xx retry, else fail. */
function judge(answer: HttpAnswer): Verdict<string> {
  const error = new Error(`HTTP ${answer.status}`);
  if (answer.status >= 200 && answer.status < 300) return { kind: 'done', value: answer.body.toString() };
  if (answer.status === 401) return { kind: 'reauth', error };
  if (answer.status === 429 || answer.status >= 500) {
    return { kind: 'retry', reason: answer.status === 429 ? 'throttle' : 'server', error, retryAfterMs: retryAfterOf(answer) };
  }
  return { kind: 'fail', error };
}

const client = (retries: number, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}): HttpClient =>
  new HttpClient({ retry: { retries, baseMs: 1, maxMs: 2 }, timeoutMs: 5000, ...extra });

const get = (http: HttpClient, path: string, gate?: () => void): Promise<string> =>
  http.call({ what: `GET ${path}`, request: (c) => ({ url: `${c?.baseUrl ?? base}${path}`, headers: { ...c?.headers } }), judge, gate });

describe('HttpClient', () => {
  test('retries what the judge says to retry, then returns the value; counts the pushback', async () => {
    const http = client(3);
    expect(await get(http, '/flaky-a')).toBe('{"ok":true}');
    expect(hits.get('/flaky-a')).toBe(3);
    expect(http.pushback).toEqual({ throttled: 0, server: 2, network: 0, renewals: 0 });
  });

  test('retries spent: RetriesExhaustedError with the attempts and the last failure', async () => {
    const error = await get(client(2), '/down').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toBe(3);
    expect((error as Error).message).toBe('gave up after 3 attempts: HTTP 500');
    expect(hits.get('/down')).toBe(3);
  });

  test('a dropped connection is retried like a server error', async () => {
    const http = client(1);
    const error = await http.call({ what: 'GET closed', request: () => ({ url: 'http://127.0.0.1:1/' }), judge }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(http.pushback.network).toBe(2);
  });

  test('a burst of refusals costs one renewal of the token, shared by every call in flight', async () => {
    let grants = 0;
    const auth = new RefreshingAuth({
      grant: async () => ({ token: `tok-${++grants}`, lifetimeMs: 3_600_000, baseUrl: base }),
      headers: (token) => ({ authorization: `Bearer ${token}` }),
    });
    const http = client(0, { auth, pace: new Pace(5) });
    expect(await get(http, '/private/0')).toBe('{"ok":true}');
    validToken = 'tok-2';
    const answers = await Promise.all([1, 2, 3, 4, 5].map((i) => get(http, `/private/${i}`)));
    expect(answers.every((a) => a === '{"ok":true}')).toBe(true);
    expect(grants).toBe(2);
    expect(auth.grants).toBe(2);
  });

  test('a credential that keeps being refused ends with the provider\'s error', async () => {
    const refused = staticAuth({ authorization: 'Bearer wrong' }, () => new Error('API_TOKEN: refused; expected a valid token'), base);
    await expect(get(client(0, { auth: refused }), '/private/x')).rejects.toThrow('API_TOKEN: refused; expected a valid token');
  });

  test('a closed gate sends nothing', async () => {
    const before = hits.get('/flaky-gate') ?? 0;
    await expect(get(client(3), '/flaky-gate', () => { throw new Error('credits spent'); })).rejects.toThrow('credits spent');
    expect(hits.get('/flaky-gate') ?? 0).toBe(before);
  });

  test('redirects are followed within the origin only', async () => {
    expect(await get(client(3), '/moved')).toBe('{"ok":true}');
    expect(hits.get('/flaky-after-move')).toBe(3);
    const error = await get(client(3), '/away').catch((e: unknown) => e as Error);
    expect((error as Error).message).toMatch(/redirects to http:\/\/elsewhere\.invalid\/x, outside http:\/\/127\.0\.0\.1:\d+; not followed/);
  });
});
