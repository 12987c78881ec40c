// The transport against a real local server: plain and compressed bodies, headers, a cut body, the timeout.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { send } from '../../src/http/transport.js';

const BODY = JSON.stringify({ data: [{ id: '1', Name: 'Søren Ødegaard 山田' }], info: { more_records: false } });
let server: Server;
let base: string;
const seen: Record<string, string | undefined> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.accept = req.headers['accept-encoding'];
    seen.auth = req.headers.authorization;
    if (req.url === '/plain') return res.writeHead(200, { 'retry-after': '7' }).end(BODY);
    if (req.url === '/gzip') return res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(BODY));
    if (req.url === '/br') return res.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(BODY));
    if (req.url === '/empty') return res.writeHead(204).end();
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': '1000' });
      return res.write(BODY.slice(0, 10), () => res.socket?.destroy());
    }
    // /slow: headers only, the body never comes.
    res.writeHead(200, { 'content-length': '10' });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

describe('send', () => {
  test('reads the whole body as UTF-8, sends the headers given and exposes the answer headers', async () => {
    const res = await send({ url: `${base}/plain`, headers: { authorization: 'Zoho-oauthtoken x' } }, 5000);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe(BODY);
    expect(res.header('retry-after')).toBe('7');
    expect(res.header('x-missing')).toBeUndefined();
    expect(seen.auth).toBe('Zoho-oauthtoken x');
    expect(seen.accept).toContain('gzip');
  });

  test('inflates gzip and brotli answers', async () => {
    expect((await send({ url: `${base}/gzip`, headers: {} }, 5000)).body.toString()).toBe(BODY);
    expect((await send({ url: `${base}/br`, headers: {} }, 5000)).body.toString()).toBe(BODY);
  });

  test('an answer without a body is an empty text', async () => {
    const res = await send({ url: `${base}/empty`, headers: {} }, 5000);
    expect(res.status).toBe(204);
    expect(res.body.toString()).toBe('');
  });

  test('a body cut short and a body that never comes are rejected', async () => {
    await expect(send({ url: `${base}/cut`, headers: {} }, 5000)).rejects.toThrow();
    await expect(send({ url: `${base}/slow`, headers: {} }, 200)).rejects.toThrow(/timed out after 200 ms/);
  });
});
