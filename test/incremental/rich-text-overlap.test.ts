// With ZOHO_FULL_RICH_TEXT (the default), a record of the incremental overlap whose rich text is
// longer than a list answer carries must be recognised as the line an earlier run stored: the bookmark
// fingerprints the line as stored, rich text whole (Bookkeeping.observe), while the list answer cuts
// it, so the spider asks the repeat check again once withFullRichText has made it whole.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import { PIPELINES } from '../../src/pipelines/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { LIST_RICH_TEXT_CHARS } from '../../src/sandbox/records-handler.js';
import { crawlSandbox, readRun, tempDir } from '../zoho/support.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ preset: 'tiny', seed: 77, limits: { grantsPerWindow: 1000 } });
}, 60_000);
afterAll(() => sandbox?.stop());

const outputDir = tempDir('rich-overlap');
const settings = {
  ITEM_PIPELINES: 'ndjson:300,manifest:900',
  LOCAL_OUTPUT_DIRECTORY: outputDir,
  ZOHO_MODULE_WHITELIST: 'Products',
  ZOHO_INCLUDE_DELETED: 'false',
  ZOHO_INCREMENTAL: 'true',
};
const t0 = Date.now();
let third: string[] = [];
afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

test('an incremental run stores six changed products, one at least with rich text longer than a list answer carries', async () => {
  expect((await crawlSandbox(sandbox, settings, PIPELINES, new Date(t0))).status).toBe('complete');
  // Six products change at one instant: the overlap of the next bookmark is exactly them.
  sandbox.dataset.mutate({ module: 'Products', modify: 6, at: new Date('2026-06-01T10:00:00Z') });
  const second = await crawlSandbox(sandbox, settings, PIPELINES, new Date(t0 + 2000));
  const lines = readRun(second.runDir).get('Products') ?? [];
  expect(lines).toHaveLength(6);
  const details = lines.map((l) => String((JSON.parse(l) as { Product_Details?: unknown }).Product_Details ?? ''));
  expect(details.some((d) => d.length > LIST_RICH_TEXT_CHARS)).toBe(true);
}, 60_000);

test('nothing changed: the next run completes', async () => {
  const run = await crawlSandbox(sandbox, settings, PIPELINES, new Date(t0 + 4000));
  expect(run.status).toBe('complete');
  third = readRun(run.runDir).get('Products') ?? [];
}, 60_000);

test('and writes no Products line: the overlap is recognised, long rich text or not', () => {
  expect(third).toEqual([]);
});
