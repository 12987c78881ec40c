// The HTTP front: routes a request to the accounts server, the observer endpoints or an API handler,
// and around API handlers applies, in order: concurrency limit, authentication, injected 429/500, the
// handler and its serialisation, then the wait until latency (± jitter) has passed since the call
// arrived (building the answer happens inside that wait, not after it), a possible dropped
// connection, and the accounting.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiContext } from './api-context.js';
import { executeCoql } from './coql-handler.js';
import type { CreditWindow } from './credits.js';
import { listDeleted } from './deleted-handler.js';
import { fetchFullData } from './full-data-handler.js';
import type { Faults } from './faults.js';
import { listFields, listModules } from './meta-handlers.js';
import type { OAuthServer } from './oauth.js';
import { countRecords, listRecords } from './records-handler.js';
import { errorReply, invalidUrl, type Call, type Reply } from './reply.js';
import type { StatsRecorder } from './stats.js';
import type { SandboxOptions } from './types.js';

const MAX_BODY = 1 << 20;
const JSON_TYPE = 'application/json;charset=UTF-8';

export interface ServerParts {
  onRequest?: SandboxOptions['onRequest'];
  ctx: ApiContext;
  oauth: OAuthServer;
  faults: Faults;
  credits: CreditWindow;
  stats: StatsRecorder;
  onResponse?: SandboxOptions['onResponse'];
}

interface Route {
  key: string;
  handle: (call: Call) => Reply;
}

function route(parts: ServerParts, method: string, path: string): Route {
  const { ctx } = parts;
  const seg = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  const other: Route = { key: 'other', handle: () => invalidUrl() };
  if (seg[0] === 'crm' && seg[1] === 'v8' && method === 'POST' && seg.length === 3 && seg[2] === 'coql') {
    return { key: 'POST /crm/v8/coql', handle: (c) => executeCoql(ctx, c) };
  }
  if (seg[0] === 'crm' && seg[1] === 'v8' && method === 'GET') {
    if (seg.length === 3 && seg[2] === 'org') return { key: 'GET /crm/v8/org', handle: () => ({ ...ctx.org }) };
    if (seg[2] === 'settings' && seg.length === 4 && seg[3] === 'modules') return { key: 'GET /crm/v8/settings/modules', handle: () => listModules(ctx) };
    if (seg[2] === 'settings' && seg.length === 4 && seg[3] === 'fields') return { key: 'GET /crm/v8/settings/fields', handle: (c) => listFields(ctx, c) };
    if (seg.length === 3) return { key: 'GET /crm/v8/{module}', handle: (c) => listRecords(ctx, c, seg[2]) };
    if (seg.length === 4 && seg[3] === 'deleted') return { key: 'GET /crm/v8/{module}/deleted', handle: (c) => listDeleted(ctx, c, seg[2]) };
    if (seg.length === 5 && seg[3] === 'actions' && seg[4] === 'fetch_full_data') {
      return { key: 'GET /crm/v8/{module}/actions/fetch_full_data', handle: (c) => fetchFullData(ctx, c, seg[2]) };
    }
    if (seg.length === 5 && seg[3] === 'actions' && seg[4] === 'count') {
      return { key: 'GET /crm/v8/{module}/actions/count', handle: (c) => countRecords(ctx, c, seg[2]) };
    }
  }
  return other;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': String(body.length), ...headers });
  res.end(body);
}

async function handleToken(parts: ServerParts, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const params = new URLSearchParams(url.searchParams);
  const body = await readBody(req);
  for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  const { json, granted } = parts.oauth.grant(params);
  parts.stats.grant(granted);
  parts.stats.request('POST /oauth/v2/token', 200);
  sendJson(res, 200, json);
}

function handleObserver(parts: ServerParts, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (path === '/__sandbox/stats' && req.method === 'GET') return sendJson(res, 200, parts.stats.snapshot());
  if (path === '/__sandbox/reset' && req.method === 'POST') {
    parts.stats.reset();
    res.writeHead(204).end();
    return;
  }
  sendJson(res, 404, { code: 'INVALID_URL_PATTERN', details: {}, message: 'unknown sandbox endpoint', status: 'error' });
}

interface Answered {
  reply: Reply;
  /** Latency ± jitter drawn for this call; its answer leaves no earlier than arrival + this. */
  delayMs: number;
}

/** Decides the answer at once; only the sending waits for the latency. */
async function answer(parts: ServerParts, req: IncomingMessage, url: URL, r: Route): Promise<Answered> {
  const { faults, stats, oauth } = parts;
  const limit = faults.opts.concurrencyLimit;
  if (limit !== undefined && stats.inFlight > limit) {
    stats.injected('concurrency429');
    return { reply: tooMany(faults), delayMs: 0 };
  }
  const sortLimit = faults.opts.sortConcurrencyLimit;
  if (sortLimit !== undefined && isComplex(req.method, url) && stats.sortedInFlight > sortLimit) {
    stats.injected('concurrency429');
    return { reply: tooMany(faults), delayMs: 0 };
  }
  const delayMs = faults.delayMs();
  const auth = oauth.authorize(req.headers.authorization);
  if (!auth.ok) {
    if (auth.expired) stats.injected('expired401');
    return { reply: auth.reply, delayMs };
  }
  if (parts.credits.spent) {
    stats.injected('credits429');
    return { reply: creditsSpent(), delayMs };
  }
  const fault = faults.roll();
  if (fault === 429) {
    stats.injected('429');
    return { reply: tooMany(faults), delayMs };
  }
  if (fault === 500) {
    stats.injected('500');
    return { reply: errorReply(500, 'INTERNAL_ERROR', 'Internal server error occurred.'), delayMs };
  }
  const method = req.method ?? 'GET';
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
  const call: Call = { method, path: url.pathname, query: url.searchParams, headers: req.headers, body };
  return { reply: r.handle(call), delayMs };
}

/** Resolves once performance.now() ≥ dueMs (a timer may fire a little early: it is checked again). */
async function waitUntil(dueMs: number): Promise<void> {
  for (let left = dueMs - performance.now(); left > 0; left = dueMs - performance.now()) await sleep(Math.ceil(left));
}

/** The org's daily credits are spent: the same code as the concurrency limit, a message that names the credits. */
function creditsSpent(): Reply {
  return errorReply(429, 'TOO_MANY_REQUESTS', 'You have exceeded the API credits allowed for the rolling 24 hours. Please try again later.');
}

/** A call Zoho counts against the sub-concurrency of complex calls: here, a records list with sort_by or cvid, or a COQL query. */
const isComplex = (method: string | undefined, url: URL): boolean =>
  (method === 'POST' && url.pathname === '/crm/v8/coql') || url.searchParams.has('sort_by') || url.searchParams.has('cvid');

function tooMany(faults: Faults): Reply {
  const after = faults.retryAfter();
  return { ...errorReply(429, 'TOO_MANY_REQUESTS', 'too many requests continuously'), headers: after === undefined ? {} : { 'Retry-After': after } };
}

async function handleApi(parts: ServerParts, req: IncomingMessage, res: ServerResponse, url: URL, arrivedMs: number): Promise<void> {
  const { stats, faults, credits, onResponse } = parts;
  const method = req.method ?? 'GET';
  stats.apiCallStarted();
  res.once('close', () => stats.apiCallEnded());
  if (isComplex(method, url)) {
    stats.sortedCallStarted();
    res.once('close', () => stats.sortedCallEnded());
  }
  const r = route(parts, method, url.pathname);
  const { reply, delayMs } = await answer(parts, req, url, r);
  const ok = (reply.status >= 200 && reply.status < 300) || reply.status === 304;
  // Charged as the answer is decided, so a call that arrives after it sees the credits gone.
  if (ok) credits.charge(reply.credits ?? 1);
  reply.headers = { ...reply.headers, ...credits.header() };
  if (reply.unexpected !== undefined && reply.status >= 400 && reply.status < 500) {
    stats.unexpected(method, url.pathname + url.search, reply.status, reply.unexpected);
  }
  const sent = (status: number | 'drop', readyMs: number): void =>
    onResponse?.({ method, path: url.pathname, status, arrivedMs, readyMs, answeredMs: performance.now(), delayMs });

  const payload = reply.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(reply.json), 'utf8');
  const headers: Record<string, string> = { ...(reply.json === undefined ? {} : { 'Content-Type': JSON_TYPE }), ...reply.headers };
  const drop = payload.length > 1 && faults.drop();
  const readyMs = performance.now();
  if (delayMs > 0) await waitUntil(arrivedMs + delayMs);
  if (drop) {
    // Headers promise the whole body; half of it arrives, then the connection dies.
    stats.injected('drop');
    stats.request(r.key, 'drop');
    res.writeHead(reply.status, { ...headers, 'Content-Length': String(payload.length) });
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.socket?.destroy());
    sent('drop', readyMs);
    return;
  }
  stats.request(r.key, reply.status);
  if (ok) {
    stats.credits(reply.credits ?? 1);
    if (reply.module?.call === 'coql') stats.coqlCredits(reply.credits ?? 1);
    if (reply.module) stats.module(reply.module.api, reply.module.call, reply.module.served);
  }
  if (reply.status === 204 || reply.status === 304) {
    res.writeHead(reply.status, reply.headers);
    res.end();
  } else {
    res.writeHead(reply.status, { ...headers, 'Content-Length': String(payload.length) });
    res.end(payload);
  }
  sent(reply.status, readyMs);
}

export function makeServer(parts: ServerParts): Server {
  const server = createServer((req, res) => {
    const arrivedMs = performance.now();
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    parts.onRequest?.({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    const work = url.pathname === '/oauth/v2/token'
      ? handleToken(parts, req, res, url)
      : url.pathname.startsWith('/__sandbox/')
        ? Promise.resolve(handleObserver(parts, req, res, url.pathname))
        : handleApi(parts, req, res, url, arrivedMs);
    work.catch((err: unknown) => {
      // A handler bug must answer something a client can see, never hang the request.
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL_ERROR', details: { sandbox: String(err) }, message: 'sandbox failure', status: 'error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  return server;
}
