// `zoho-crawler upload <run folder>` through the CLI's main(): exit 0 when everything is in S3,
// 1 when some upload failed, 2 for bad arguments or a folder that is not a run folder.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { main } from '../../src/cli.js';
import { startLocalS3, type LocalS3 } from '../../src/dev/local-s3.js';
import { clientFor, filesOf, objectsOf, plannedSpider, records, runCrawl, tempDir, type Ran } from './helpers.js';

let s3: LocalS3;
let client: S3Client;
let ran: Ran;
let cwd: string;
const dirs: string[] = [];

beforeAll(async () => {
  s3 = await startLocalS3();
  client = clientFor(s3.endpoint);
  cwd = tempDir('upload-cli');
  dirs.push(cwd);
  ran = await runCrawl(plannedSpider([records('Leads', 0, 5)]), { OUTPUT_LINES_PER_FILE: '2' });
  dirs.push(ran.outputDir);
});
afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function cli(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const sink = (collect: boolean) =>
    new Writable({
      write(chunk, _enc, cb) {
        if (collect) stderr += String(chunk);
        cb();
      },
    });
  // A clean environment and a working directory without .env: only -s settings count.
  const code = await main(argv, { stdout: sink(false), stderr: sink(true), env: { LOG_FORMAT: 'json' }, cwd });
  return { code, stderr };
}

const s3Args = (bucket: string): string[] => Object.entries(s3.settings(bucket)).flatMap(([k, v]) => ['-s', `${k}=${v}`]);

describe('upload <run folder>', () => {
  test('bad arguments and folders that are not run folders exit 2 with one clear message', async () => {
    const missing = await cli('upload', ...s3Args('b'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/upload needs a run folder/);

    const nowhere = await cli('upload', join(cwd, 'nope'), ...s3Args('b'));
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/is not a folder; expected a run folder/);

    const plain = join(cwd, 'plain');
    mkdirSync(plain);
    const notRun = await cli('upload', plain, ...s3Args('b'));
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/manifest.json does not exist; expected a run folder/);

    const noBucket = await cli('upload', ran.runDir);
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toMatch(/AWS_BUCKET_NAME: not set; expected the bucket/);
  });

  test('S3 unreachable: exit 1, and the local run is untouched', async () => {
    const before = filesOf(ran.runDir);
    await s3.interrupt();
    try {
      const r = await cli('upload', ran.runDir, ...s3Args('cli'), '-s', 'S3_UPLOAD_RETRIES=0');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/S3 bucket cli cannot be reached/);
    } finally {
      await s3.resume();
    }
    expect(filesOf(ran.runDir)).toEqual(before);
  });

  test('a local run is uploaded: exit 0, every object in S3 byte for byte', async () => {
    const r = await cli('upload', ran.runDir, ...s3Args('cli'));
    expect(r.code).toBe(0);
    const stored = await objectsOf(client, 'cli', `${ran.runId}/`);
    const local = filesOf(ran.runDir);
    expect([...stored.keys()].sort()).toEqual([...local.keys()].map((k) => `${ran.runId}/${k}`).sort());
    for (const [path, body] of local) expect(stored.get(`${ran.runId}/${path}`)!.body.equals(body)).toBe(true);
  });
});
