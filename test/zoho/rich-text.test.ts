// Rich-text fields: Zoho's list answers cut them, so each page of a module that has them is completed
// by one actions/fetch_full_data call (ZOHO_FULL_RICH_TEXT, on by default), counted in the manifest.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINES } from '../../src/pipelines/index.js';
import { LIST_RICH_TEXT_CHARS } from '../../src/sandbox/records-handler.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { crawlSandbox, diffRows, same } from './support.js';

const cut = (v: unknown): unknown => (typeof v === 'string' ? Array.from(v).slice(0, LIST_RICH_TEXT_CHARS).join('') : v);
const manifestOf = (runDir: string) =>
  JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as { status: string; api: { credits: number; by_purpose?: unknown } };

describe('rich text', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 5, sizes: { Products: 450 } });
  });
  afterAll(() => sandbox?.stop());
  const pipelines = { ITEM_PIPELINES: 'collect:100,ndjson:300,manifest:900', ZOHO_MODULE_WHITELIST: 'Products,Accounts' };

  test('whole by default: one fetch_full_data per page of the module that has it, none elsewhere, its credits in the manifest', async () => {
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, pipelines, PIPELINES);
    expect(run.status).toBe('complete');
    const d = sandbox.dataset;
    const long = [...d.records('Products')].filter((r) => typeof r.Product_Details === 'string' && Array.from(r.Product_Details).length > LIST_RICH_TEXT_CHARS);
    expect(long.length).toBeGreaterThan(0);
    for (const m of ['Products', 'Accounts']) expect(diffRows(run.got.records.get(m) ?? [], d.records(m))).toEqual(same(d.count(m)));
    const pages = Math.ceil(d.count('Products') / 200);
    expect(sandbox.stats().modules.Products).toMatchObject({ fullData: pages });
    expect(sandbox.stats().modules.Accounts).toMatchObject({ fullData: 0 });
    expect(manifestOf(run.runDir).api.by_purpose).toEqual({ rich_text: { requests: pages, credits: pages } });
    expect(sandbox.stats().unexpected4xx).toEqual([]);
  });

  test('ZOHO_FULL_RICH_TEXT=false: the list answer\'s values, no extra call, no by_purpose in the manifest', async () => {
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, { ...pipelines, ZOHO_FULL_RICH_TEXT: 'false' }, PIPELINES);
    expect(run.status).toBe('complete');
    const listed = [...sandbox.dataset.records('Products')].map((r) => ({ ...r, Product_Details: cut(r.Product_Details) }));
    expect(diffRows(run.got.records.get('Products') ?? [], listed)).toEqual(same(listed.length));
    expect(sandbox.stats().modules.Products).toMatchObject({ fullData: 0 });
    expect(manifestOf(run.runDir).api.by_purpose).toBeUndefined();
  });
});
