// Subform rows: list answers leave them out of the parent, and the module list does not name the
// subform module; the crawler finds it in the parent's fields and reads it as a module of its own
// (ZOHO_SUBFORMS, on by default), without a deleted log.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SUBFORM_MODULE } from '../../src/sandbox/org-catalog.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { crawlSandbox, diffRows, lowerBound, readableModules, same, shapesOf } from './support.js';

describe('subforms', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ preset: 'tiny', seed: 9, subforms: true });
  });
  afterAll(() => sandbox?.stop());

  test('the sandbox lists no subform module, the Deals fields name it, Deals lines carry no rows', () => {
    expect(sandbox.dataset.modules().map((m) => m.api_name)).not.toContain(SUBFORM_MODULE);
    expect(sandbox.dataset.fields('Deals').find((f) => f.data_type === 'subform')?.subform).toMatchObject({ module: SUBFORM_MODULE });
    expect(sandbox.dataset.count(SUBFORM_MODULE)).toBe(2 * sandbox.dataset.count('Deals'));
    expect(Object.keys([...sandbox.dataset.records('Deals')][0])).not.toContain('Line_Items');
  });

  test('a full crawl reads the subform module whole, once, with no deleted-log call, at the lower bound', async () => {
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox);
    expect(run.status).toBe('complete');
    const d = sandbox.dataset;
    for (const m of [...readableModules(sandbox, false), SUBFORM_MODULE]) {
      expect([m, diffRows(run.got.records.get(m) ?? [], d.records(m))]).toEqual([m, same(d.count(m))]);
    }
    expect(run.got.deleted.get(SUBFORM_MODULE)).toBeUndefined();
    const stats = sandbox.stats();
    expect(stats.modules[SUBFORM_MODULE]).toMatchObject({ fields: 1, deleted: 0, records: Math.ceil(d.count(SUBFORM_MODULE) / 200) });
    const readable = readableModules(sandbox, false).filter((m) => m !== 'Notes');
    const bound = lowerBound(shapesOf(sandbox, readable)) + lowerBound(shapesOf(sandbox, [SUBFORM_MODULE]), { deleted: false }) - 1;
    // Notes, refused to a non-admin, costs its fields, count and refused first page.
    expect(stats.total).toBe(bound + 3);
    expect(stats.unexpected4xx).toEqual([]);
  });

  test('a whitelist naming the parent reads its subform too', async () => {
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Deals' });
    expect(run.status).toBe('complete');
    expect(run.got.modules.map((m) => m.module).sort()).toEqual(['Deals', SUBFORM_MODULE]);
    expect(run.got.records.get(SUBFORM_MODULE)).toHaveLength(sandbox.dataset.count(SUBFORM_MODULE));
  });

  test('ZOHO_SUBFORMS=false leaves the subform module out', async () => {
    sandbox.resetStats();
    const run = await crawlSandbox(sandbox, { ZOHO_MODULE_WHITELIST: 'Deals', ZOHO_SUBFORMS: 'false' });
    expect(run.status).toBe('complete');
    expect(run.got.modules.map((m) => m.module)).toEqual(['Deals']);
    expect(sandbox.stats().modules[SUBFORM_MODULE]).toBeUndefined();
  });
});
