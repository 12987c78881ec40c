// Records are written from the bytes Zoho sent (src/zoho/entries-page.ts), not re-serialised. These
// crawls read the files the writer made (no in-test pipeline touches the items first) and check that
// whatever the answer's formatting, each record is one compact line holding exactly its value.
import { describe, expect, test } from '@jest/globals';
import { PIPELINES } from '../../src/pipelines/index.js';
import { ndjsonLine } from '../../src/pipelines/ndjson-line.js';
import { diffRows, readableModules, readRun, same, type Crawled } from './support.js';
import { twistedSandbox, type Twist } from './twisting-proxy.js';

const WRITER_ONLY = { ITEM_PIPELINES: 'ndjson:300,manifest:900' };
const ENTRY_PAGES = /^\/crm\/v8\/[^/?]+(\/deleted)?\?/;

/** Rewrites entry pages' text (the JSON value unchanged, or changed by `edit`). */
const retext = (format: (body: unknown) => string, edit: (body: { data: Array<Record<string, unknown>> }, path: string) => void = () => {}): Twist =>
  (path, up) => {
    if (!ENTRY_PAGES.test(path) || up.status !== 200) return undefined;
    const body = JSON.parse(up.body) as { data: Array<Record<string, unknown>> };
    edit(body, path);
    return { status: 200, body: format(body) };
  };

/** Every character outside ASCII as \uXXXX and every "/" as "\/": the same JSON value in other bytes. */
const asciiJson = (body: unknown): string =>
  JSON.stringify(body)
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/\//g, '\\/');

describe('records written from the bytes of the answer', () => {
  const t = twistedSandbox({ preset: 'tiny', seed: 23, admin: true });

  /** The files hold the dataset; every line is compact JSON, what the writer makes of an object (ndjsonLine). */
  function expectFilesWhole(run: Crawled, line: (module: string, record: Record<string, unknown>) => Record<string, unknown> = (_m, r) => r): void {
    expect(run.status).toBe('complete');
    const files = readRun(run.runDir);
    const d = t.sandbox.dataset;
    for (const m of readableModules(t.sandbox, true)) {
      const records = files.get(m) ?? [];
      const deleted = files.get(`${m}-Deleted`) ?? [];
      for (const l of [...records, ...deleted]) expect(`${l}\n`).toBe(ndjsonLine(JSON.parse(l)));
      const want = [...d.records(m)].map((r) => line(m, r));
      expect([m, diffRows(records.map((l) => JSON.parse(l) as Record<string, unknown>), want)]).toEqual([m, same(d.count(m))]);
      expect([m, diffRows(deleted.map((l) => JSON.parse(l) as Record<string, unknown>), d.deleted(m))]).toEqual([m, same(d.deletedCount(m))]);
    }
  }

  test('as the sandbox sends them: each line is the record, byte for byte', async () => {
    expectFilesWhole(await t.crawlThrough(() => undefined, WRITER_ONLY, PIPELINES));
  });

  test('pretty-printed answers (newlines and indents between tokens): still one compact line per record', async () => {
    expectFilesWhole(await t.crawlThrough(retext((b) => JSON.stringify(b, null, 2)), WRITER_ONLY, PIPELINES));
  });

  test('answers with every non-ASCII character and "/" escaped: the lines hold the same values', async () => {
    const run = await t.crawlThrough(retext(asciiJson), WRITER_ONLY, PIPELINES);
    expect(run.status).toBe('complete');
    const files = readRun(run.runDir);
    for (const m of readableModules(t.sandbox, true)) {
      const got = (files.get(m) ?? []).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect([m, diffRows(got, t.sandbox.dataset.records(m))]).toEqual([m, same(t.sandbox.dataset.count(m))]);
    }
  });

  test('ZOHO_INCLUDE_MODULE_NAME appends "module" to the bytes; a record that has its own "module" key gets it replaced', async () => {
    const run = await t.crawlThrough(
      retext(JSON.stringify, (body, path) => {
        if (path.startsWith('/crm/v8/Contacts?')) for (const r of body.data) r.module = 'own value';
      }),
      { ...WRITER_ONLY, ZOHO_INCLUDE_MODULE_NAME: 'true' },
      PIPELINES,
    );
    expectFilesWhole(run, (m, r) => ({ ...r, ...(m === 'Contacts' ? { module: 'own value' } : {}), module: m }));
  });

  test('a U+2028 or U+2029 inside a value is escaped in the line, which still holds the same value', async () => {
    const run = await t.crawlThrough(
      retext(JSON.stringify, (body, path) => {
        if (path.startsWith('/crm/v8/Accounts?')) for (const r of body.data) r.Description = 'one\u2028two\u2029three';
      }),
      WRITER_ONLY,
      PIPELINES,
    );
    expect(run.status).toBe('complete');
    const lines = readRun(run.runDir).get('Accounts') ?? [];
    expect(lines.length).toBe(t.sandbox.dataset.count('Accounts'));
    for (const l of lines) {
      expect(l).not.toMatch(/[\u2028\u2029]/);
      expect((JSON.parse(l) as { Description: string }).Description).toBe('one\u2028two\u2029three');
    }
  });
});
