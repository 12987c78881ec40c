// What fauxqs cannot show (it checks no credentials): how the uploader meets a store that refuses
// it. A small HTTP server on 127.0.0.1 answers as S3 does to bad or unauthorised credentials, and
// records what it was sent (which access key signed, what CreateBucket asked for).
import { describe, test, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCapturingLogger } from '../../src/core/logger.js';
import { exitCodeOf } from '../../src/core/report.js';
import { manifestSchema, UPLOAD_ERROR_PREFIX } from '../../src/pipelines/manifest.js';
import { S3Target } from '../../src/pipelines/s3-target.js';
import { defaultSettings } from '../../src/settings.js';
import { filesOf, plannedSpider, records, runCrawl } from './helpers.js';

interface Seen {
  method: string;
  url: string;
  keyId: string | undefined;
  body: string;
}
type Answer = { status: number; body?: string };

let server: Server;
let endpoint: string;
let answer: (req: IncomingMessage) => Answer;
const seen: Seen[] = [];
const dirs: string[] = [];

const s3Error = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>1</RequestId></Error>`;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const keyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      seen.push({ method: req.method!, url: req.url!, keyId, body: Buffer.concat(chunks).toString('utf8') });
      const a = answer(req);
      res.writeHead(a.status, a.body ? { 'content-type': 'application/xml', 'x-amz-request-id': '1' } : { 'x-amz-request-id': '1' });
      res.end(req.method === 'HEAD' ? undefined : a.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
beforeEach(() => {
  seen.length = 0;
});

const store = (extra: Record<string, string> = {}) => ({
  AWS_BUCKET_NAME: 'guarded',
  AWS_S3_ENDPOINT: endpoint,
  AWS_S3_FORCE_PATH_STYLE: 'true',
  ...extra,
});
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDFROMSETTINGS', AWS_SECRET_ACCESS_KEY: 'secret-from-settings-123' };

describe('a store that refuses access', () => {
  test('403 on HeadBucket fails the run before any data, as an access problem, signed with the settings keys', async () => {
    answer = () => ({ status: 403 });
    const ran = await runCrawl(plannedSpider([records('Leads', 0, 3)]), store(KEYS), undefined);
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('failed');
    expect(exitCodeOf(ran.status)).toBe(1);
    expect(ran.report.fatal).toMatch(/S3 bucket guarded: access denied \(HTTP 403 on HeadBucket\)/);
    // Not taken for "exists": nothing was created, nothing crawled, no run folder.
    expect(seen.map((s) => s.method)).toEqual(['HEAD']);
    expect(existsSync(ran.runDir)).toBe(false);
    expect(seen[0].keyId).toBe('AKIDFROMSETTINGS');
    expect(ran.lines.join('\n')).not.toContain('secret-from-settings-123');
  });

  test('without keys in settings, the AWS SDK default chain signs (here: a shared credentials file)', async () => {
    answer = () => ({ status: 403 });
    const home = mkdtempSync(join(tmpdir(), 'aws-profile-'));
    dirs.push(home);
    writeFileSync(join(home, 'credentials'), '[default]\naws_access_key_id = AKIDFROMPROFILE\naws_secret_access_key = secret-from-profile-456\n');
    const saved = { ...process.env };
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];
    names.push('AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
    for (const name of names) {
      delete process.env[name];
    }
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_CONFIG_FILE: join(home, 'no-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const target = new S3Target(defaultSettings(store()));
    try {
      const { logger } = createCapturingLogger();
      await expect(target.ensureBucket(logger)).rejects.toThrow(/access denied/);
    } finally {
      target.destroy();
      process.env = saved;
    }
    expect(seen.map((s) => s.keyId)).toEqual(['AKIDFROMPROFILE']);
  });

  test('refused writes: every upload is tried, none retried (a 403 is final), all are listed, the local run is kept, the run is partial', async () => {
    const refusal = s3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    answer = (req) => (req.method === 'HEAD' ? { status: 200 } : { status: 403, body: refusal });
    const spider = plannedSpider([[...records('Leads', 0, 5), ...records('Deals', 0, 1)]]);
    const ran = await runCrawl(spider, { ...store(KEYS), OUTPUT_LINES_PER_FILE: '2', S3_UPLOAD_RETRIES: '2' });
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('partial');
    const puts = seen.filter((s) => s.method === 'PUT');
    // 4 chunks (Leads 2+2+1, Deals 1), each tried once in spite of S3_UPLOAD_RETRIES=2: retrying a
    // refusal cannot help. The manifest is not even tried.
    expect(puts).toHaveLength(4);
    expect(new Set(puts.map((p) => p.url.split('?')[0])).size).toBe(4);
    expect(puts.some((p) => p.url.includes('manifest.json'))).toBe(false);
    const errors = ran.report.errors;
    expect(errors.map((e) => e.scope).sort()).toEqual(['Deals', 'Leads', 'Leads', 'Leads']);
    for (const e of errors) expect(e.message).toMatch(new RegExp(`^${UPLOAD_ERROR_PREFIX}.+failed after 1 attempt\\(s\\): HTTP 403: InvalidAccessKeyId`));
    const local = filesOf(ran.runDir);
    expect([...local.keys()].sort()).toEqual(['Deals/Deals-0.json', 'Leads/Leads-0.json', 'Leads/Leads-1.json', 'Leads/Leads-2.json', 'manifest.json']);
    const manifest = manifestSchema.parse(JSON.parse(local.get('manifest.json')!.toString('utf8')));
    expect(manifest.status).toBe('partial');
    expect(manifest.modules.Leads.errors).toHaveLength(3);
    expect(manifest.modules.Deals.errors).toHaveLength(1);
    expect(ran.lines.join('\n')).not.toContain('secret-from-settings-123');
  });
});

describe('bucket creation', () => {
  test('outside us-east-1 the CreateBucket names the region as LocationConstraint', async () => {
    answer = (req) => (req.method === 'HEAD' ? { status: 404 } : { status: 200 });
    const target = new S3Target(defaultSettings(store({ ...KEYS, AWS_REGION: 'eu-west-1' })));
    const { logger } = createCapturingLogger();
    await target.ensureBucket(logger).finally(() => target.destroy());
    expect(seen.map((s) => s.method)).toEqual(['HEAD', 'PUT']);
    expect(seen[1].body).toContain('<LocationConstraint>eu-west-1</LocationConstraint>');
  });

  test('in us-east-1 it sends no LocationConstraint', async () => {
    answer = (req) => (req.method === 'HEAD' ? { status: 404 } : { status: 200 });
    const target = new S3Target(defaultSettings(store(KEYS)));
    const { logger } = createCapturingLogger();
    await target.ensureBucket(logger).finally(() => target.destroy());
    expect(seen.map((s) => s.method)).toEqual(['HEAD', 'PUT']);
    expect(seen[1].body).not.toContain('LocationConstraint');
  });

  test('an unreachable store (an outage) does not cost the data: crawled to disk, partial, named with the way out', async () => {
    const ran = await runCrawl(plannedSpider([records('Leads', 0, 3)]), { ...store(KEYS), AWS_S3_ENDPOINT: 'http://127.0.0.1:9', S3_UPLOAD_RETRIES: '2' });
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('partial');
    expect(ran.report.fatal).toBeUndefined();
    const unreachable = /^upload: S3 bucket guarded cannot be reached: .*ECONNREFUSED.*finish it later with: node dist\/cli.js upload /;
    expect(ran.report.errors).toEqual([{ scope: 'upload', message: expect.stringMatching(unreachable) }]);
    const files = filesOf(ran.runDir);
    expect(files.get('Leads/Leads-0.json')?.toString().split('\n').filter(Boolean)).toHaveLength(3);
    // A run-wide error (no module's) is the one thing written beside DESIGN's keys.
    const listed = JSON.parse(files.get('manifest.json')!.toString());
    expect(listed).toMatchObject({ status: 'partial', modules: { Leads: { records: 3 } }, errors: [{ scope: 'upload' }] });
  });
});
