// The demo's code path end to end: sandbox + local S3 + the CLI crawl, then the summary it prints is
// checked against the files really written and the objects really uploaded.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type DemoResult } from '../../src/demo/main.js';
import { captureStream } from '../support/capture.js';

const sink = captureStream;

describe('npm run demo (code path)', () => {
  let dir: string;
  let result: DemoResult;
  const out = sink();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'demo-'));
    result = await runDemo({ outputDir: dir, preset: 'demo', stdout: out.stream, stderr: sink().stream, extraArgs: ['-s', 'LOG_LEVEL=warn'] });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the crawl is complete and exits 0', () => {
    expect(result.exitCode).toBe(0);
    expect(result.summary?.status).toBe('complete');
  });

  test('each summary row matches the lines and bytes of the files on disk', () => {
    const summary = result.summary!;
    expect(summary.rows.length).toBeGreaterThan(5);
    for (const row of summary.rows) {
      let lines = 0;
      let bytes = 0;
      let files = 0;
      for (const stem of [row.module, `${row.module}-Deleted`]) {
        let names: string[] = [];
        try {
          names = readdirSync(join(result.runDir!, stem));
        } catch {
          continue; // a stem with no lines has no folder
        }
        for (const name of names) {
          const path = join(result.runDir!, stem, name);
          files++;
          bytes += statSync(path).size;
          lines += readFileSync(path, 'utf8').split('\n').length - 1;
        }
      }
      expect({ module: row.module, lines, bytes, files }).toEqual({ module: row.module, lines: row.records + row.deleted, bytes: row.bytes, files: row.files });
    }
  });

  test('totals add up and the sandbox saw as many requests as the crawler reports', () => {
    const { rows, totals, api } = result.summary!;
    expect(totals.records).toBe(rows.reduce((n, r) => n + r.records, 0));
    expect(totals.records).toBeGreaterThan(3000);
    expect(totals.deleted).toBeGreaterThan(0);
    expect(api.requests).toBe(result.sandboxRequests);
  });

  test('every file and the manifest are in the bucket, and the printed table shows the totals', () => {
    const summary = result.summary!;
    expect(summary.s3Objects).toBe(summary.totals.files + 1);
    const text = out.text();
    expect(text).toContain(`TOTAL`);
    expect(text).toContain(String(summary.totals.records));
    expect(text).toContain(`s3://zoho-demo/${summary.run}/`);
    expect(text).toMatch(/skipped Notes: .*403/);
  });
});
