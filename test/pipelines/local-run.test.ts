// The NDJSON writer, chunk splitter and manifest on a local run (no bucket): the files on disk,
// their names and line counts, the escaping, safe stems, and the manifest that describes them.
import { describe, test, expect, afterAll } from '@jest/globals';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Item } from '../../src/core/items.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import { exitCodeOf } from '../../src/core/report.js';
import { crawl } from '../../src/engine/engine.js';
import { manifestSchema } from '../../src/pipelines/manifest.js';
import { ndjsonLine } from '../../src/pipelines/ndjson-line.js';
import { deletions, filesOf, plannedSpider, records, registry, runCrawl, type Ran } from './helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const FIELDS = [
  { api_name: 'id', data_type: 'bigint' },
  { api_name: 'Name', data_type: 'text' },
];

/** A second crawl into the same output folder, started in the same second as the first. */
function crawlAgainInTheSameSecond(settings: Parameters<typeof crawl>[0]['settings']): ReturnType<typeof crawl> {
  const { logger } = createCapturingLogger();
  return crawl({ spider: plannedSpider([records('Leads', 50, 5)]), settings, logger, pipelines: registry(), startedAt: new Date('2026-01-31T12:34:56Z') });
}

describe('ndjsonLine', () => {
  test('one JSON object per line: newlines and U+2028/U+2029 inside strings stay escaped', () => {
    const value = { a: 'line1\nline2\r\n', b: 'sep\u2028para\u2029end', c: 'é ✓ 😀', d: null, e: [1, { f: true }] };
    const line = ndjsonLine(value);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(line).toContain('\\u2028');
    expect(JSON.parse(line)).toEqual(value);
  });

  test('a value JSON cannot hold is refused with a message', () => {
    expect(() => ndjsonLine(undefined)).toThrow(/cannot be written as JSON/);
  });
});

describe('a local run', () => {
  let ran: Ran;
  const pages: Item[][] = [
    [...records('Leads', 0, 4), ...deletions('Leads', 100, 1)],
    [...records('Leads', 4, 3, { note: 'a\nb\u2028c' }), ...records('../evil/x', 0, 1), ...records('manifest.json', 0, 1)],
  ];

  test('runs complete, says once that nothing is uploaded', async () => {
    ran = await runCrawl(
      plannedSpider(pages, {
        start: [
          { kind: 'module', module: 'Leads', fields: FIELDS, expected: 7 },
          { kind: 'module', module: 'Empty', fields: FIELDS, expected: 0 },
        ],
        requests: 5,
      }),
      {
        OUTPUT_LINES_PER_FILE: '3',
        OUTPUT_FILE_TYPE: 'ndjson',
        ZOHO_CLIENT_SECRET: 'super-secret-value',
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEKEY',
        AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
      },
    );
    dirs.push(ran.outputDir);
    expect(ran.status).toBe('complete');
    expect(exitCodeOf(ran.status)).toBe(0);
    expect(ran.runDir).toBe(join(ran.outputDir, '2026-01-31_12-34-56'));
    expect(ran.lines.filter((l) => l.includes('AWS_BUCKET_NAME is not set'))).toHaveLength(1);
  });

  test('chunks of at most OUTPUT_LINES_PER_FILE lines named <stem>-<n>.<ext>; no folder for empty stems', () => {
    const files = filesOf(ran.runDir);
    expect([...files.keys()].sort()).toEqual(
      [
        'Leads/Leads-0.ndjson',
        'Leads/Leads-1.ndjson',
        'Leads/Leads-2.ndjson',
        'Leads-Deleted/Leads-Deleted-0.ndjson',
        '.._evil_x/.._evil_x-0.ndjson',
        '_manifest.json/_manifest.json-0.ndjson',
        'manifest.json',
      ].sort(),
    );
    expect(readdirSync(ran.runDir).sort()).toEqual(['.._evil_x', 'Leads', 'Leads-Deleted', '_manifest.json', 'manifest.json'].sort());
    const lineCounts = ['Leads-0', 'Leads-1', 'Leads-2'].map((n) => files.get(`Leads/${n}.ndjson`)!.toString('utf8').split('\n').length - 1);
    expect(lineCounts).toEqual([3, 3, 1]);
    const all = ['Leads-0', 'Leads-1', 'Leads-2'].map((n) => files.get(`Leads/${n}.ndjson`)!.toString('utf8')).join('');
    expect(all.endsWith('\n')).toBe(true);
    const parsed = all.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; note?: string });
    expect(parsed.map((r) => r.id)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(parsed[6].note).toBe('a\nb\u2028c');
    expect(existsSync(join(ran.runDir, 'Empty'))).toBe(false);
    // Working state lives beside the runs, never inside one.
    expect(existsSync(join(ran.outputDir, '.state'))).toBe(true);
  });

  test('the manifest describes every file with lines, bytes and sha256, and keeps secrets out', () => {
    const files = filesOf(ran.runDir);
    const text = files.get('manifest.json')!.toString('utf8');
    const manifest = manifestSchema.parse(JSON.parse(text));
    // Exactly DESIGN's keys, in its order, on a complete run.
    expect(Object.keys(JSON.parse(text))).toEqual(['spider', 'run', 'started_at', 'finished_at', 'status', 'settings', 'modules', 'skipped', 'api']);
    expect(manifest).toMatchObject({ spider: 'planned', run: '2026-01-31_12-34-56', started_at: '2026-01-31T12:34:56.000Z', status: 'complete' });
    expect(manifest.api).toEqual({ requests: 5, credits: 10 });
    expect(manifest.modules.Leads).toMatchObject({ records: 7, deleted: 1, fields: FIELDS, errors: [] });
    expect(manifest.modules.Leads.files.map((f) => [f.path, f.lines])).toEqual([
      ['Leads/Leads-0.ndjson', 3],
      ['Leads/Leads-1.ndjson', 3],
      ['Leads/Leads-2.ndjson', 1],
      ['Leads-Deleted/Leads-Deleted-0.ndjson', 1],
    ]);
    expect(manifest.modules.Empty).toEqual({ records: 0, deleted: 0, fields: FIELDS, files: [], errors: [] });
    expect(manifest.modules['../evil/x'].files.map((f) => f.path)).toEqual(['.._evil_x/.._evil_x-0.ndjson']);
    for (const m of Object.values(manifest.modules)) {
      for (const f of m.files) {
        const body = files.get(f.path)!;
        expect(f.bytes).toBe(body.length);
        expect(f.sha256).toBe(createHash('sha256').update(body).digest('hex'));
      }
    }
    expect(manifest.settings.OUTPUT_LINES_PER_FILE).toBe('3');
    expect(Object.keys(manifest.settings)).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(Object.keys(manifest.settings)).not.toContain('ZOHO_CLIENT_SECRET');
    for (const secret of ['super-secret-value', 'AKIAEXAMPLEKEY', 'aws-secret-value']) expect(text).not.toContain(secret);
  });

  test('errors of a module end up in its manifest entry and make the run partial', async () => {
    const failing = plannedSpider([records('Deals', 0, 2), []], {
      start: [{ kind: 'module', module: 'Deals', fields: FIELDS }],
      beforePage: async (page) => {
        if (page === 1) throw new Error('page 1 exploded');
      },
      moduleOfPage: () => 'Deals',
    });
    const r = await runCrawl(failing, { OUTPUT_LINES_PER_FILE: '10' });
    dirs.push(r.outputDir);
    expect(r.status).toBe('partial');
    const manifest = manifestSchema.parse(JSON.parse(filesOf(r.runDir).get('manifest.json')!.toString('utf8')));
    expect(manifest.status).toBe('partial');
    expect(manifest.modules.Deals.errors).toEqual([expect.stringContaining('page 1 exploded')]);
    expect(manifest.modules.Deals.records).toBe(2);
    expect(manifest.errors).toBeUndefined();
  });

  test('a module that failed before yielding anything is still named in its own errors', async () => {
    const refused = plannedSpider([[]], {
      beforePage: async () => {
        throw new Error('403 NO_PERMISSION');
      },
      moduleOfPage: () => 'Refused',
    });
    const r = await runCrawl(refused, {});
    dirs.push(r.outputDir);
    expect(r.status).toBe('partial');
    const manifest = manifestSchema.parse(JSON.parse(filesOf(r.runDir).get('manifest.json')!.toString('utf8')));
    expect(manifest.modules.Refused).toEqual({ records: 0, deleted: 0, fields: [], files: [], errors: [expect.stringContaining('403 NO_PERMISSION')] });
    expect(manifest.errors).toBeUndefined();
    expect(readdirSync(r.runDir)).toEqual(['manifest.json']);
  });

  test('a second run in the same folder fails before any data and leaves the first run intact', async () => {
    const first = await runCrawl(plannedSpider([records('Leads', 0, 2)]), {});
    dirs.push(first.outputDir);
    const before = filesOf(first.runDir);
    // Same output folder, same start second: the second run must not replace or mix into the first.
    const again = await crawlAgainInTheSameSecond(first.settings);
    expect(again.status).toBe('failed');
    expect(again.report.fatal).toMatch(/manifest.json exists already/);
    expect(filesOf(first.runDir)).toEqual(before);
  });

  test('a chunk file that exists already is never overwritten', async () => {
    const first = await runCrawl(plannedSpider([records('Leads', 0, 2)]), {});
    dirs.push(first.outputDir);
    rmSync(join(first.runDir, 'manifest.json'));
    const before = filesOf(first.runDir);
    const again = await crawlAgainInTheSameSecond(first.settings);
    expect(again.status).not.toBe('complete');
    expect(again.report.errors.map((e) => e.message).join('\n')).toMatch(/EEXIST/);
    expect(filesOf(first.runDir).get('Leads/Leads-0.json')).toEqual(before.get('Leads/Leads-0.json'));
  });
});
