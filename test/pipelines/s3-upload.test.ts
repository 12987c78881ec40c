// The S3 uploader against a real S3-compatible server (fauxqs on 127.0.0.1): the bucket is created
// when missing, every object reads back byte for byte, multipart is used at the threshold, the
// manifest is the last object written, and an outage mid-run leaves a complete local run that
// `upload` completes later.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Item } from '../../src/core/items.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import { exitCodeOf } from '../../src/core/report.js';
import { startLocalS3, type LocalS3, type S3RequestRecord } from '../../src/dev/local-s3.js';
import { manifestSchema, UPLOAD_ERROR_PREFIX } from '../../src/pipelines/manifest.js';
import { uploadRun } from '../../src/pipelines/upload-run.js';
import { defaultSettings } from '../../src/settings.js';
import { clientFor, deletions, filesOf, objectsOf, plannedSpider, records, runCrawl } from './helpers.js';

const RUN = '2026-01-31_12-34-56';
let s3: LocalS3;
let client: S3Client;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startLocalS3({ recordRequests: true });
  client = clientFor(s3.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

/** Splits a logged request into bucket, key and query. */
function parse(r: S3RequestRecord): { bucket: string; key: string; query: string } {
  const [path, query = ''] = r.url.split('?');
  const [, bucket = '', ...rest] = path.split('/');
  return { bucket, key: decodeURIComponent(rest.join('/')), query };
}

/** Keys whose object was completed (PutObject or CompleteMultipartUpload), in order. */
function objectWrites(bucket: string, since: number): string[] {
  return s3.requests
    .slice(since)
    .filter((r) => r.status === 200 && parse(r).bucket === bucket && parse(r).key !== '')
    .filter((r) => (r.method === 'PUT' && !/partNumber=/.test(parse(r).query)) || (r.method === 'POST' && /uploadId=/.test(parse(r).query)))
    .map((r) => parse(r).key);
}

/** Local run files (manifest included) as S3 keys under `prefix`. */
function expectedObjects(runDir: string, prefix: string): Map<string, Buffer> {
  return new Map([...filesOf(runDir)].map(([path, body]) => [`${prefix}${path}`, body]));
}

describe('a run uploaded while crawling', () => {
  test('creates the missing bucket; every chunk and the manifest read back byte for byte; manifest last', async () => {
    const bucket = 'created-by-run';
    const since = s3.requests.length;
    const pages: Item[][] = [
      [...records('Leads', 0, 5), ...deletions('Leads', 900, 2)],
      [...records('Leads', 5, 5, { text: 'ünï\u2028cøde\n' }), ...records('Contacts', 0, 3)],
    ];
    const ran = await runCrawl(plannedSpider(pages), { ...s3.settings(bucket), AWS_S3_PREFIX: '/exports/prod/', OUTPUT_LINES_PER_FILE: '4' });
    dirs.push(ran.outputDir);
    expect(ran.report.errors).toEqual([]);
    expect(ran.status).toBe('complete');

    const head = s3.requests.slice(since).filter((r) => parse(r).bucket === bucket && parse(r).key === '');
    expect(head.slice(0, 2).map((r) => [r.method, r.status])).toEqual([
      ['HEAD', 404],
      ['PUT', 200],
    ]);

    const prefix = `exports/prod/${RUN}/`;
    const stored = await objectsOf(client, bucket, prefix);
    const local = expectedObjects(ran.runDir, prefix);
    expect([...stored.keys()].sort()).toEqual([...local.keys()].sort());
    expect(local.size).toBe(6); // Leads 3 chunks (4+4+2), Leads-Deleted 1, Contacts 1, manifest
    for (const [key, body] of local) {
      expect(stored.get(key)!.body.equals(body)).toBe(true);
      expect(stored.get(key)!.contentType).toBe(key.endsWith('manifest.json') ? 'application/json' : 'application/x-ndjson');
    }

    const writes = objectWrites(bucket, since);
    expect(writes.at(-1)).toBe(`${prefix}manifest.json`);
    expect(writes.filter((k) => k.endsWith('manifest.json'))).toHaveLength(1);
    expect(new Set(writes)).toEqual(new Set(local.keys()));
  });

  test('files at or above S3_MULTIPART_THRESHOLD go in multipart; smaller ones in one PutObject', async () => {
    const bucket = 'multipart';
    await runCrawl(plannedSpider([]), s3.settings(bucket)).then((r) => dirs.push(r.outputDir)); // the bucket exists from here on
    const since = s3.requests.length;
    const mib = 'x'.repeat(1024 * 1024);
    const big = Array.from({ length: 6 }, (_, i): Item => ({ kind: 'record', module: 'Big', data: { id: String(i), blob: mib } }));
    const ran = await runCrawl(plannedSpider([[...big, ...records('Small', 0, 3)]]), {
      ...s3.settings(bucket),
      OUTPUT_LINES_PER_FILE: '100',
      S3_MULTIPART_THRESHOLD: '5MiB',
      S3_MULTIPART_CHUNKSIZE: '5MiB',
    });
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('complete');
    const log = s3.requests.slice(since).map((r) => ({ ...r, ...parse(r) }));
    expect(log.find((r) => r.key === '' && r.method === 'HEAD')?.status).toBe(200);
    expect(log.some((r) => r.key === '' && r.method === 'PUT')).toBe(false);

    const bigKey = `${RUN}/Big/Big-0.json`;
    const bigRequests = log
      .filter((r) => r.key === bigKey)
      .map((r) => `${r.method} ${r.query.replace(/uploadId=[^&]+/, 'uploadId=…').replace(/&?x-id=[^&]+/, '')}`);
    expect(bigRequests.filter((r) => r.startsWith('POST uploads'))).toHaveLength(1);
    expect(bigRequests.filter((r) => r.startsWith('PUT') && r.includes('partNumber='))).toHaveLength(2);
    expect(bigRequests.filter((r) => r.startsWith('POST uploadId='))).toHaveLength(1);
    const smallRequests = log.filter((r) => r.key === `${RUN}/Small/Small-0.json`);
    expect(smallRequests.map((r) => r.method)).toEqual(['PUT']);
    expect(smallRequests[0].query).not.toMatch(/partNumber|uploadId/);

    const stored = await objectsOf(client, bucket, `${RUN}/`);
    const local = expectedObjects(ran.runDir, `${RUN}/`);
    expect(local.get(bigKey)!.length).toBeGreaterThan(6 * 1024 * 1024);
    for (const [key, body] of local) expect(stored.get(key)?.body.equals(body)).toBe(true);
    expect(objectWrites(bucket, since).at(-1)).toBe(`${RUN}/manifest.json`);
  });
});

describe('an S3 outage in the middle of a run', () => {
  test('keeps the local run complete, ends partial (exit 1), and `upload` completes it later', async () => {
    const bucket = 'outage';
    const pages: Item[][] = Array.from({ length: 6 }, (_, p) => [...records('Leads', p * 10, 10), ...deletions('Leads', 1000 + p, 1)]);
    const ran = await runCrawl(
      plannedSpider(pages, {
        // The store goes away while page 3 is being crawled; pages 3-5 are written after that.
        beforePage: async (page) => {
          if (page === 3) await s3.interrupt();
        },
      }),
      { ...s3.settings(bucket), OUTPUT_LINES_PER_FILE: '5', S3_UPLOAD_RETRIES: '2' },
    );
    dirs.push(ran.outputDir);
    try {
      expect(ran.status).toBe('partial');
      expect(exitCodeOf(ran.status)).toBe(1);
      const uploadErrors = ran.report.errors.filter((e) => e.message.startsWith(UPLOAD_ERROR_PREFIX));
      expect(uploadErrors.length).toBeGreaterThanOrEqual(6);
      expect(uploadErrors.every((e) => e.scope === 'Leads')).toBe(true);
      expect(ran.lines.some((l) => l.includes('not uploaded') && l.includes(`upload ${ran.runDir}`))).toBe(true);
    } finally {
      await s3.resume();
    }

    // The local run is whole: every line, every chunk, and a manifest that says what is missing.
    const local = filesOf(ran.runDir);
    const manifest = manifestSchema.parse(JSON.parse(local.get('manifest.json')!.toString('utf8')));
    expect(manifest.status).toBe('partial');
    expect(manifest.modules.Leads.records).toBe(60);
    expect(manifest.modules.Leads.files).toHaveLength(12 + 2);
    expect(manifest.modules.Leads.errors.every((e) => e.startsWith(UPLOAD_ERROR_PREFIX))).toBe(true);
    const leadLines = [...local].filter(([p]) => p.startsWith('Leads/')).reduce((n, [, b]) => n + b.toString('utf8').split('\n').length - 1, 0);
    expect(leadLines).toBe(60);
    // No manifest in S3: its presence would claim a complete run.
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${RUN}/manifest.json` }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });

    const since = s3.requests.length;
    const { logger } = createCapturingLogger();
    const done = await uploadRun({ runDir: ran.runDir, settings: ran.settings, logger });
    expect(done.complete).toBe(true);
    expect(done.failed).toEqual([]);
    expect(done.status).toBe('complete');
    expect(done.uploaded.length + done.skipped.length).toBe(14);
    expect(done.uploaded.length).toBeGreaterThanOrEqual(6);

    const stored = await objectsOf(client, bucket, `${RUN}/`);
    const after = expectedObjects(ran.runDir, `${RUN}/`);
    expect([...stored.keys()].sort()).toEqual([...after.keys()].sort());
    for (const [key, body] of after) expect(stored.get(key)!.body.equals(body)).toBe(true);
    // The manifest is cleared of the upload errors, in S3 and locally, and went last.
    const uploadedManifest = manifestSchema.parse(JSON.parse(stored.get(`${RUN}/manifest.json`)!.body.toString('utf8')));
    expect(uploadedManifest.status).toBe('complete');
    expect(uploadedManifest.modules.Leads.errors).toEqual([]);
    expect(uploadedManifest.modules.Leads.files).toEqual(manifest.modules.Leads.files);
    expect(objectWrites(bucket, since).at(-1)).toBe(`${RUN}/manifest.json`);
    expect(objectWrites(bucket, since)).toHaveLength(done.uploaded.length + 1);
  });

  test('`upload` of a run already in S3 skips every object with the same size and checksum', async () => {
    const bucket = 'again';
    const ran = await runCrawl(plannedSpider([records('Deals', 0, 9)]), { ...s3.settings(bucket), OUTPUT_LINES_PER_FILE: '4' });
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('complete');
    const since = s3.requests.length;
    const { logger } = createCapturingLogger();
    const again = await uploadRun({ runDir: ran.runDir, settings: ran.settings, logger });
    expect(again).toMatchObject({ complete: true, uploaded: [], failed: [], status: 'complete' });
    expect(again.skipped.sort()).toEqual(['Deals/Deals-0.json', 'Deals/Deals-1.json', 'Deals/Deals-2.json']);
    expect(objectWrites(bucket, since)).toEqual([`${RUN}/manifest.json`]);
  });

  test('a local run (no bucket at crawl time) is uploaded later by `upload`, which creates the bucket', async () => {
    const bucket = 'later';
    const ran = await runCrawl(plannedSpider([[...records('Deals', 0, 5), ...deletions('Deals', 50, 2)]]), { OUTPUT_LINES_PER_FILE: '2' });
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('complete');
    const { logger } = createCapturingLogger();
    const result = await uploadRun({ runDir: ran.runDir, settings: defaultSettings(s3.settings(bucket)), logger });
    expect(result).toMatchObject({ complete: true, skipped: [], failed: [], status: 'complete' });
    expect(result.uploaded).toHaveLength(4);
    const stored = await objectsOf(client, bucket, `${RUN}/`);
    const local = expectedObjects(ran.runDir, `${RUN}/`);
    expect([...stored.keys()].sort()).toEqual([...local.keys()].sort());
    for (const [key, body] of local) expect(stored.get(key)!.body.equals(body)).toBe(true);
  });

  test('`upload` refuses a local file that no longer matches the manifest, and then stores no manifest', async () => {
    const bucket = 'tampered';
    const ran = await runCrawl(plannedSpider([records('Deals', 0, 3)]), { OUTPUT_LINES_PER_FILE: '2' });
    dirs.push(ran.outputDir);
    const path = join(ran.runDir, 'Deals', 'Deals-1.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('Deals 2', 'Deals X'));
    const { logger } = createCapturingLogger();
    const result = await uploadRun({ runDir: ran.runDir, settings: defaultSettings(s3.settings(bucket)), logger });
    expect(result.complete).toBe(false);
    expect(result.uploaded).toEqual(['Deals/Deals-0.json']);
    expect(result.failed).toEqual([{ path: 'Deals/Deals-1.json', message: expect.stringContaining('SHA-256') }]);
    await expect(client.send(new HeadObjectCommand({ Bucket: bucket, Key: `${RUN}/manifest.json` }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });
});
