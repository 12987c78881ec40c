// The uploader's retries as shipped: the product's pipelines and S3 client (no test-only client
// options), a real S3-compatible store (fauxqs) behind a proxy that fails chosen PUT attempts.
// S3_UPLOAD_RETRIES retries after the first attempt, so no object may cost more than retries + 1
// PUTs — retries must not be stacked on top of the AWS SDK's own.
import { describe, test, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { rmSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { exitCodeOf } from '../../src/core/report.js';
import { startLocalS3, type LocalS3 } from '../../src/dev/local-s3.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { manifestSchema, UPLOAD_ERROR_PREFIX } from '../../src/pipelines/manifest.js';
import { defaultSettings } from '../../src/settings.js';
import { startFaultProxy, type FaultProxy } from '../support/s3-fault-proxy.js';
import { clientFor, filesOf, objectsOf, plannedSpider, records, runCrawl } from './helpers.js';

const RUN = '2026-01-31_12-34-56';
const SHIPPED_RETRIES = defaultSettings({}).S3_UPLOAD_RETRIES;
let s3: LocalS3;
let proxy: FaultProxy;
let client: S3Client;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startLocalS3();
  proxy = await startFaultProxy(s3.endpoint);
  client = clientFor(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await s3?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
beforeEach(() => {
  proxy.puts.clear();
  proxy.log.length = 0;
});

/** The store's settings, but reached through the proxy. */
const viaProxy = (bucket: string): Record<string, string> => ({ ...s3.settings(bucket), AWS_S3_ENDPOINT: proxy.endpoint });
const isObject = (path: string): boolean => path.split('/').filter(Boolean).length > 1;

describe('S3 uploads with the shipped retry configuration', () => {
  test('a dropped connection and a 503 on the first attempts of every PUT: the run still completes, each PUT tried 3 times', async () => {
    const bucket = 'flaky';
    proxy.setFault((_path, attempt) => (attempt === 1 ? 'cut' : attempt === 2 ? 'unavailable' : 'pass'));
    const spider = plannedSpider([[...records('Leads', 0, 5), ...records('Deals', 0, 2)]]);
    const ran = await runCrawl(spider, { ...viaProxy(bucket), OUTPUT_LINES_PER_FILE: '2' }, PIPELINES);
    dirs.push(ran.outputDir);
    expect(ran.report.errors).toEqual([]);
    expect(ran.status).toBe('complete');

    const local = filesOf(ran.runDir);
    const stored = await objectsOf(client, bucket, `${RUN}/`);
    expect([...stored.keys()].sort()).toEqual([...local.keys()].map((p) => `${RUN}/${p}`).sort());
    for (const [path, body] of local) expect(stored.get(`${RUN}/${path}`)!.body.equals(body)).toBe(true);

    // The bucket's creation and each of the 5 objects (Leads 3, Deals 1, the manifest): 2 faults, 1 success.
    expect(proxy.puts.size).toBe(6);
    for (const [path, attempts] of proxy.puts) expect([path, attempts]).toEqual([path, 3]);
    const objectPuts = proxy.log.filter((p) => isObject(p.path));
    expect(objectPuts.at(-1)).toEqual({ path: `/${bucket}/${RUN}/manifest.json`, action: 'pass' });
    expect(objectPuts.filter((p) => p.path.endsWith('manifest.json'))).toHaveLength(3);
  });

  test('a store that keeps failing PUTs: each file tried exactly retries + 1 times, listed, the run partial (exit 1), no manifest sent', async () => {
    const bucket = 'down';
    proxy.setFault((path) => (isObject(path) ? 'unavailable' : 'pass'));
    const spider = plannedSpider([[...records('Leads', 0, 3), ...records('Deals', 0, 1)]]);
    const ran = await runCrawl(spider, { ...viaProxy(bucket), OUTPUT_LINES_PER_FILE: '2' }, PIPELINES);
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('partial');
    expect(exitCodeOf(ran.status)).toBe(1);

    const chunks = [`/${bucket}/${RUN}/Deals/Deals-0.json`, `/${bucket}/${RUN}/Leads/Leads-0.json`, `/${bucket}/${RUN}/Leads/Leads-1.json`];
    expect([...proxy.puts.keys()].filter(isObject).sort()).toEqual(chunks);
    for (const path of chunks) expect([path, proxy.puts.get(path)]).toEqual([path, SHIPPED_RETRIES + 1]);

    expect(ran.report.errors.map((e) => e.scope).sort()).toEqual(['Deals', 'Leads', 'Leads']);
    for (const e of ran.report.errors) {
      expect(e.message).toMatch(new RegExp(`^${UPLOAD_ERROR_PREFIX}\\w+/\\w+-\\d\\.json: failed after ${SHIPPED_RETRIES + 1} attempt\\(s\\): HTTP 503`));
    }
    expect(ran.lines.some((l) => l.includes('not uploaded') && l.includes(`upload ${ran.runDir}`))).toBe(true);
    const manifest = manifestSchema.parse(JSON.parse(filesOf(ran.runDir).get('manifest.json')!.toString('utf8')));
    expect(manifest.status).toBe('partial');
    expect(manifest.modules.Leads.errors).toHaveLength(2);
  });

  test('S3_UPLOAD_RETRIES=0: one attempt per file, no retry at all', async () => {
    const bucket = 'once';
    proxy.setFault((path) => (isObject(path) ? 'unavailable' : 'pass'));
    const ran = await runCrawl(plannedSpider([records('Leads', 0, 1)]), { ...viaProxy(bucket), S3_UPLOAD_RETRIES: '0' }, PIPELINES);
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('partial');
    expect(proxy.puts.get(`/${bucket}/${RUN}/Leads/Leads-0.json`)).toBe(1);
    expect(ran.report.errors).toEqual([{ scope: 'Leads', message: expect.stringMatching(/failed after 1 attempt\(s\): HTTP 503/) }]);
  });

  test('only the manifest cannot be stored: every chunk is there, the run is partial, and the local manifest says why', async () => {
    const bucket = 'no-manifest';
    proxy.setFault((path) => (path.endsWith('/manifest.json') ? 'unavailable' : 'pass'));
    const ran = await runCrawl(plannedSpider([records('Leads', 0, 3)]), { ...viaProxy(bucket), OUTPUT_LINES_PER_FILE: '2' }, PIPELINES);
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('partial');
    expect(exitCodeOf(ran.status)).toBe(1);
    expect(proxy.puts.get(`/${bucket}/${RUN}/manifest.json`)).toBe(SHIPPED_RETRIES + 1);
    // The manifest was tried only after both chunks were stored.
    const objectPuts = proxy.log.filter((p) => isObject(p.path)).map((p) => p.path.split('/').pop());
    expect(objectPuts.slice(0, 2).sort()).toEqual(['Leads-0.json', 'Leads-1.json']);
    expect(new Set(objectPuts.slice(2))).toEqual(new Set(['manifest.json']));
    const stored = await objectsOf(client, bucket, `${RUN}/`);
    expect([...stored.keys()].sort()).toEqual([`${RUN}/Leads/Leads-0.json`, `${RUN}/Leads/Leads-1.json`]);

    const message = `${UPLOAD_ERROR_PREFIX}manifest.json: failed after ${SHIPPED_RETRIES + 1} attempt(s): HTTP 503`;
    expect(ran.report.errors).toEqual([{ scope: 'upload', message: expect.stringContaining(message) }]);
    const manifest = manifestSchema.parse(JSON.parse(filesOf(ran.runDir).get('manifest.json')!.toString('utf8')));
    expect(manifest.status).toBe('partial');
    expect(manifest.errors).toEqual([{ scope: 'upload', message: expect.stringContaining(message) }]);
    expect(manifest.modules.Leads.files.map((f) => f.path)).toEqual(['Leads/Leads-0.json', 'Leads/Leads-1.json']);
  });
});
