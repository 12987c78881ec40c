// An incremental run with ZOHO_MAX_RECORDS_PER_MODULE: the overlap's repeats are dropped before the
// cap counts, on both read paths. Pins what a move of the repeat check out of the spider (to a stage
// after the pipelines' transforms) would change: the chain decides at parse time, from the records
// left after the repeats, how many more it may write and whether to ask for another page
// (records-chain.ts takePage, coql-chain.ts takeCoqlPage), so a later drop would write fewer.
// With ZOHO_INCLUDE_MODULE_NAME the stored lines hold "module": the repeat is still recognised.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rmSync } from 'node:fs';
import { PIPELINES } from '../../src/pipelines/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { crawlSandbox, readRun, tempDir } from '../zoho/support.js';

const messages = (lines: string[]): string[] => lines.map((l) => String((JSON.parse(l) as { message: unknown }).message));

describe.each([
  ['records', 'Leads: 2 record(s)'],
  ['coql', 'Leads: 2 record(s) by COQL'],
])('a capped incremental run (ZOHO_READ_PATH=%s)', (path, said) => {
  // Its own org: the overlap then holds exactly the one record this case creates.
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 77, limits: { grantsPerWindow: 1000 } });
  }, 60_000);
  afterAll(() => sandbox?.stop());

  test('drops the overlap repeat before ZOHO_MAX_RECORDS_PER_MODULE counts: exactly the cap of changed records is written', async () => {
    const outputDir = tempDir(`capped-${path}`);
    const settings = {
      ITEM_PIPELINES: 'ndjson:300,manifest:900',
      LOCAL_OUTPUT_DIRECTORY: outputDir,
      ZOHO_MODULE_WHITELIST: 'Leads',
      ZOHO_INCLUDE_DELETED: 'false',
      ZOHO_INCLUDE_MODULE_NAME: 'true',
      ZOHO_INCREMENTAL: 'true',
      ZOHO_READ_PATH: path,
    };
    const t0 = Date.now();
    const at = new Date('2026-06-01T10:00:00Z');
    try {
      expect((await crawlSandbox(sandbox, settings, PIPELINES, new Date(t0))).status).toBe('complete');
      // A new record (the highest id: first in Zoho's default order) becomes the latest; the next run stores it.
      const created = sandbox.dataset.mutate({ module: 'Leads', create: 1, at }).created;
      const second = await crawlSandbox(sandbox, settings, PIPELINES, new Date(t0 + 2000));
      expect(readRun(second.runDir).get('Leads')?.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(created);
      // Two older records change within the overlap: the next run is answered the repeat and them.
      const modified = sandbox.dataset.mutate({ module: 'Leads', modify: 2, at: new Date(at.getTime() + 10_000) }).modified;
      const third = await crawlSandbox(sandbox, { ...settings, ZOHO_MAX_RECORDS_PER_MODULE: '2' }, PIPELINES, new Date(t0 + 4000));
      expect(third.status).toBe('complete');
      const lines = readRun(third.runDir).get('Leads') ?? [];
      expect(lines.map((l) => (JSON.parse(l) as { id: string }).id).sort()).toEqual([...modified].sort());
      for (const line of lines) expect(line.endsWith(',"module":"Leads"}')).toBe(true);
      expect(messages(third.lines)).toContain(said);
    } finally {
      rmSync(outputDir, { recursive: true, force: true });
    }
  }, 60_000);
});
