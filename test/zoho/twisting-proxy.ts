// Shared by the variations tests: a proxy in front of the sandbox that rewrites one kind of answer
// at a time, the way a Zoho that follows the reference but not our sandbox's choices might answer.
// Everything else is the sandbox's, so the output can be checked against its ground truth.
import { afterAll, beforeAll, expect } from '@jest/globals';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PipelineFactory } from '../../src/core/pipeline.js';
import type { BackoffPolicy } from '../../src/http/retry-policy.js';
import { ZohoClient } from '../../src/zoho/client.js';
import { resolveHosts } from '../../src/zoho/data-centers.js';
import { Pace } from '../../src/http/pace.js';
import { TokenSource } from '../../src/zoho/token-source.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { crawlSandbox, diffRows, readableModules, same, type Crawled } from './support.js';

export interface Upstream {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}
/** Given a request path and the sandbox's answer, the answer to give instead (undefined: the sandbox's). */
export type Twist = (path: string, up: Upstream) => Answer | undefined;

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
export const close = (server: Server | undefined): Promise<unknown> => new Promise((done) => (server ? server.close(done) : done(undefined)));

/** A proxy to the sandbox that lets `twist` rewrite answers; the body is passed uncompressed. */
export async function twistingProxy(sandbox: Sandbox, twist: Twist): Promise<{ url: string; server: Server }> {
  const target = new URL(sandbox.url);
  const server = createServer((req, res) => {
    const headers = { ...req.headers, 'accept-encoding': 'identity' };
    const up = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        const upstream = { status: upRes.statusCode ?? 502, headers: upRes.headers, body: Buffer.concat(chunks).toString('utf8') };
        const out = twist(req.url ?? '', upstream);
        if (!out) {
          const h = { ...upRes.headers };
          delete h['content-length'];
          delete h['transfer-encoding'];
          res.writeHead(upstream.status, h);
          res.end(upstream.body);
          return;
        }
        res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers });
        res.end(out.body);
      });
    });
    req.pipe(up);
  });
  return { url: await listen(server), server };
}

/** Rewrites the JSON body of matching 200 answers. */
export const rewriteJson =
  (match: RegExp, edit: (body: Record<string, unknown>, path: string) => unknown): Twist =>
  (path, up) =>
    match.test(path) && up.status === 200 ? { status: 200, body: JSON.stringify(edit(JSON.parse(up.body) as Record<string, unknown>, path)) } : undefined;

/**
 * A sandbox for the describe block it is called in, and crawls of it through a proxy applying `twist`
 * (a new proxy per crawl); expectWhole compares records and deletions with the sandbox's truth.
 */
export function twistedSandbox(opts: SandboxOptions) {
  let sandbox: Sandbox | undefined;
  let proxy: Server | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox(opts);
  });
  afterAll(async () => {
    await close(proxy);
    await sandbox?.stop();
  });
  const the = (): Sandbox => {
    if (!sandbox) throw new Error('twistedSandbox: used outside a test');
    return sandbox;
  };
  return {
    get sandbox(): Sandbox {
      return the();
    },
    async crawlThrough(twist: Twist, extra: Record<string, unknown> = {}, pipelines: Record<string, PipelineFactory> = {}): Promise<Crawled> {
      await close(proxy);
      const p = await twistingProxy(the(), twist);
      proxy = p.server;
      the().resetStats();
      return crawlSandbox(the(), { ZOHO_API_DOMAIN: p.url, ...extra }, pipelines);
    },
    expectWhole(run: Crawled, modules = readableModules(the(), opts.admin ?? false)): void {
      const d = the().dataset;
      for (const m of modules) {
        expect([m, diffRows(run.got.records.get(m) ?? [], d.records(m))]).toEqual([m, same(d.count(m))]);
        expect([m, diffRows(run.got.deleted.get(m) ?? [], d.deleted(m))]).toEqual([m, same(d.deletedCount(m))]);
      }
    },
  };
}

/** The real client against a test server at `url`, with a static token (one that cannot be renewed). */
export function staticTokenClient(url: string, opts: { backoff: BackoffPolicy; retries: number; log?: (message: string) => void }): ZohoClient {
  return new ZohoClient({
    auth: new TokenSource({
      hosts: resolveHosts({ ZOHO_DATA_CENTER: 'us', ZOHO_ACCOUNTS_URL: undefined, ZOHO_API_DOMAIN: url }),
      credentials: { staticToken: 'static-token' },
      backoff: { baseMs: 1, maxMs: 2 },
      grantRetries: 0,
      timeoutMs: 5000,
    }),
    pace: new Pace(2),
    retry: { ...opts.backoff, retries: opts.retries },
    timeoutMs: 5000,
    log: opts.log && ((_level, message) => opts.log!(message)),
  });
}
