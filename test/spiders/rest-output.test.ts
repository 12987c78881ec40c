// The rest spider with the default pipelines, unchanged: chunk files and manifest in a local run,
// and the same run uploaded to a local S3-compatible store.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createCapturingLogger } from '../../src/core/logger.js';
import { startLocalS3, type LocalS3 } from '../../src/dev/local-s3.js';
import { crawl } from '../../src/engine/engine.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { RestSpider } from '../../src/spiders/rest.js';
import { parseSettings } from '../../src/settings.js';
import { API_KEY, startFakeRestApi, type FakeRestApi } from './fake-rest-api.js';

let api: FakeRestApi;
let s3: LocalS3;
let tmp: string;

beforeAll(async () => {
  api = await startFakeRestApi();
  s3 = await startLocalS3();
  tmp = await mkdtemp(join(tmpdir(), 'rest-output-'));
});
afterAll(async () => {
  await api?.close();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const idsOf = (text: string): unknown[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line).id);

describe('rest spider with the default pipelines', () => {
  test('local run: chunk files of OUTPUT_LINES_PER_FILE lines, no duplicates after 429/503 retries, a complete manifest', async () => {
    const out = join(tmp, 'local');
    const { logger } = createCapturingLogger('info');
    const result = await crawl({
      spider: RestSpider,
      settings: parseSettings({
        REST_URL: `${api.base}/flaky/items`,
        REST_ITEMS_PATH: 'items',
        REST_NEXT: 'json:next',
        REST_HEADERS: `X-Api-Key: ${API_KEY}`,
        LOCAL_OUTPUT_DIRECTORY: out,
        OUTPUT_LINES_PER_FILE: '3',
      }),
      logger,
      pipelines: PIPELINES,
    });
    expect(result.status).toBe('complete');
    expect(api.hits('/flaky/items')).toHaveLength(4);

    const stemDir = join(result.runDir, 'items');
    expect((await readdir(stemDir)).sort()).toEqual(['items-0.json', 'items-1.json']);
    const first = await readFile(join(stemDir, 'items-0.json'), 'utf8');
    const second = await readFile(join(stemDir, 'items-1.json'), 'utf8');
    expect(idsOf(first)).toEqual(['flaky-1-a', 'flaky-1-b', 'flaky-2-a']);
    expect(idsOf(second)).toEqual(['flaky-2-b']);
    expect(JSON.parse(first.split('\n')[0])).toEqual({ id: 'flaky-1-a', page: 1, name: 'Ä flaky 1' });

    const manifestText = await readFile(join(result.runDir, 'manifest.json'), 'utf8');
    expect(manifestText).not.toContain(API_KEY);
    const manifest = JSON.parse(manifestText);
    expect(manifest).toMatchObject({ spider: 'rest', run: result.runId, status: 'complete', api: { requests: 4 } });
    expect(manifest.settings.REST_URL).toBe(`${api.base}/flaky/items`);
    expect(manifest.modules.items.records).toBe(4);
    expect(manifest.modules.items.files).toEqual([
      { path: 'items/items-0.json', lines: 3, bytes: Buffer.byteLength(first), sha256: createHash('sha256').update(first).digest('hex') },
      { path: 'items/items-1.json', lines: 1, bytes: Buffer.byteLength(second), sha256: createHash('sha256').update(second).digest('hex') },
    ]);
    expect((await readdir(result.runDir)).sort()).toEqual(['items', 'manifest.json']);
  });

  test('with a bucket: the run is uploaded under <run>/<REST_RESOURCE>/ with the manifest', async () => {
    const bucket = 'rest-spider-run';
    const { logger } = createCapturingLogger('info');
    const result = await crawl({
      spider: RestSpider,
      settings: parseSettings({
        REST_URL: `${api.base}/link/items`,
        REST_RESOURCE: 'issues',
        LOCAL_OUTPUT_DIRECTORY: join(tmp, 's3'),
        OUTPUT_LINES_PER_FILE: '4',
        AWS_S3_PREFIX: 'exports',
        ...s3.settings(bucket),
      }),
      logger,
      pipelines: PIPELINES,
    });
    expect(result.status).toBe('complete');

    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
      const run = `exports/${result.runId}`;
      expect(keys).toEqual([`${run}/issues/issues-0.json`, `${run}/issues/issues-1.json`, `${run}/manifest.json`]);
      const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${run}/issues/issues-1.json` }));
      expect(idsOf(await body.Body!.transformToString())).toEqual(['link-3-a', 'link-3-b']);
    } finally {
      client.destroy();
    }
  });
});
