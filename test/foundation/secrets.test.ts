// Secrets never reach the log: not from our lines, not from error messages or stacks, not from
// Crawlee's own lines about a failing request, not from the run report.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crawl } from '../../src/engine/engine.js';
import { addSecrets, createCapturingLogger, createLogger, REDACTED, redactText, redactValue } from '../../src/core/logger.js';
import { request, Spider, type SpiderOutput } from '../../src/core/spider.js';
import { defaultSettings, secretValues } from '../../src/settings.js';
import { Writable } from 'node:stream';

const CONFIGURED = {
  ZOHO_CLIENT_SECRET: 'cs-7f3a9c1e5b2d4680aa11',
  ZOHO_REFRESH_TOKEN: '1000.rt.0f1e2d3c4b5a69788796a5b4',
  ZOHO_CRM_AUTH_TOKEN: '1000.at.99aa88bb77cc66dd55ee',
  AWS_ACCESS_KEY_ID: 'AKIAQWERTYUIOPASDFGH',
  AWS_SECRET_ACCESS_KEY: 'zXcVbNm/1234567890+qWeRtYuIoPaSdFgHjKl',
};
// An access token obtained at run time and never registered: only the patterns can catch it.
const RUNTIME_TOKEN = '1000.runtime.a1b2c3d4e5f60718293a';
const ALL_SECRETS = [...Object.values(CONFIGURED), RUNTIME_TOKEN];

let server: Server;
let base: string;
let dir: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'INVALID_TOKEN' }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'secrets-test-'));
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

const leaks = (text: string): string[] => ALL_SECRETS.filter((s) => text.includes(s));

describe('secrets in logs', () => {
  test('a failing request whose error carries every kind of secret leaves none in any log line or on the report', async () => {
    const settings = defaultSettings({ ...CONFIGURED, LOCAL_OUTPUT_DIRECTORY: join(dir, 'out'), ITEM_PIPELINES: 'pass:1' });
    addSecrets(secretValues(settings));
    const { logger, lines } = createCapturingLogger('debug');

    class LeakySpider extends Spider {
      readonly name = 'leaky';
      override maxRequestRetries = 1;
      async *startRequests(): AsyncIterable<SpiderOutput> {
        this.ctx.logger.debug('token answer', { access_token: RUNTIME_TOKEN, refresh_token: CONFIGURED.ZOHO_REFRESH_TOKEN });
        yield request('leak', `${base}/crm/v8/Leads?access_token=${RUNTIME_TOKEN}&client_secret=${CONFIGURED.ZOHO_CLIENT_SECRET}`);
      }
      readonly callbacks = {
        leak: async function* (this: void, { request: req, retryCount }: { request: { url: string }; retryCount: number }): AsyncIterable<SpiderOutput> {
          const res = await fetch(req.url, { headers: { Authorization: `Zoho-oauthtoken ${RUNTIME_TOKEN}` } });
          const text =
            `HTTP ${res.status} from ${req.url}; sent Authorization: Zoho-oauthtoken ${RUNTIME_TOKEN} ` +
            `after refreshing with client_secret ${CONFIGURED.ZOHO_CLIENT_SECRET} and ${CONFIGURED.ZOHO_REFRESH_TOKEN}; ` +
            `aws ${CONFIGURED.AWS_ACCESS_KEY_ID}:${CONFIGURED.AWS_SECRET_ACCESS_KEY}; token ${CONFIGURED.ZOHO_CRM_AUTH_TOKEN}`;
          // A TypeError makes Crawlee print the whole stack; a plain Error only its message.
          throw retryCount === 0 ? new Error(text) : new TypeError(text);
        },
      };
      override onRequestFailed(req: Parameters<Spider['onRequestFailed']>[0], error: Error): void {
        this.ctx.logger.error('request failed', { error, url: req.url, headers: { Authorization: `Zoho-oauthtoken ${RUNTIME_TOKEN}` } });
        super.onRequestFailed(req, error);
      }
    }

    const result = await crawl({ spider: LeakySpider, settings, logger, pipelines: { pass: () => ({ process: (item) => item }) } });
    expect(result.status).toBe('partial');

    const all = lines.join('');
    // The failure was logged, by us and by Crawlee, and with a stack: the test saw the text it guards.
    expect(all).toContain('HTTP 401');
    const crawlee = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.source === 'crawlee');
    expect(crawlee.some((l) => JSON.stringify(l).includes('HTTP 401'))).toBe(true);
    expect(all).toMatch(/at .*secrets\.test\.ts/);
    expect(all).toContain(REDACTED);
    expect(leaks(all)).toEqual([]);

    // The report feeds the manifest and the CLI's closing lines: it must be clean too.
    expect(result.report.errors.length).toBe(1);
    expect(result.report.errors[0].message).toContain('HTTP 401');
    expect(leaks(JSON.stringify(result.report))).toEqual([]);
  });

  test('a fatal error carrying a secret is kept off the report', async () => {
    const settings = defaultSettings({ ...CONFIGURED, LOCAL_OUTPUT_DIRECTORY: join(dir, 'out2'), ITEM_PIPELINES: 'pass:1' });
    addSecrets(secretValues(settings));
    const { logger, lines } = createCapturingLogger('debug');
    class FatalSpider extends Spider {
      readonly name = 'fatal';
      readonly callbacks = {};
      async *startRequests(): AsyncIterable<SpiderOutput> {
        throw new Error(`invalid_client for secret ${CONFIGURED.ZOHO_CLIENT_SECRET}`);
      }
    }
    const result = await crawl({ spider: FatalSpider, settings, logger, pipelines: { pass: () => ({ process: (item) => item }) } });
    expect(result.status).toBe('failed');
    expect(result.report.fatal).toContain('invalid_client');
    expect(leaks(String(result.report.fatal))).toEqual([]);
    expect(leaks(lines.join(''))).toEqual([]);
  });

  test('pretty lines are redacted as well as JSON ones', () => {
    const out: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        out.push(String(chunk));
        cb();
      },
    });
    addSecrets([CONFIGURED.ZOHO_CLIENT_SECRET]);
    const logger = createLogger({ format: 'pretty', stream, level: 'debug' });
    logger.warn(`client_secret is ${CONFIGURED.ZOHO_CLIENT_SECRET}`, { error: new Error(`Bearer ${RUNTIME_TOKEN}`) });
    logger.error(new Error(`token=${RUNTIME_TOKEN}`));
    const text = out.join('');
    expect(text).toContain(REDACTED);
    expect(leaks(text)).toEqual([]);
  });

  test('the patterns keep the name and hide the value', () => {
    expect(redactText(`GET /x?access_token=${RUNTIME_TOKEN}&page=2`, [])).toBe(`GET /x?access_token=${REDACTED}&page=2`);
    expect(redactText(`Authorization: Zoho-oauthtoken ${RUNTIME_TOKEN}`, [])).not.toContain(RUNTIME_TOKEN);
    expect(redactText(`{"refresh_token":"${RUNTIME_TOKEN}","expires_in":3600}`, [])).toBe(`{"refresh_token":"${REDACTED}","expires_in":3600}`);
    expect(redactText(`X-Amz-Signature=abcdef0123456789&X-Amz-Date=20260101`, [])).toBe(`X-Amz-Signature=${REDACTED}&X-Amz-Date=20260101`);
    expect(redactText('nothing secret here', ['abc'])).toBe('nothing secret here');
  });

  test('values under secret-named keys are hidden whatever they look like, at any depth', () => {
    const token = { access_token: 'opaque-1', refresh_token: 'opaque-2', expires_in: 3600, api_domain: 'https://www.zohoapis.eu' };
    expect(redactValue({ answer: token, headers: { Authorization: 'x', 'Content-Type': 'application/json' } }, [])).toEqual({
      answer: { access_token: REDACTED, refresh_token: REDACTED, expires_in: 3600, api_domain: 'https://www.zohoapis.eu' },
      headers: { Authorization: REDACTED, 'Content-Type': 'application/json' },
    });
    const { logger, lines } = createCapturingLogger('debug');
    logger.info('token answer', { access_token: 'opaque-top-level', client_secret: 'opaque-3', module: 'Leads' });
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect([line.access_token, line.client_secret, line.module, line.message]).toEqual([REDACTED, REDACTED, 'Leads', 'token answer']);
  });
});
