// minFields and extraModules: wider modules and generated custom modules, listed = served, deterministic,
// and nothing changes when they are off.
import { describe, test, expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { OrgDataset } from '../../src/sandbox/dataset.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { optionsFromArgs } from '../../src/sandbox/cli-options.js';
import { crawlModule, startClient, type Client } from './helpers.js';

const digest = (ds: OrgDataset): string => {
  const h = createHash('sha256');
  for (const m of ds.modules()) {
    h.update(JSON.stringify(m));
    if (!m.api_supported) continue;
    h.update(JSON.stringify(ds.fields(m.api_name)));
    for (const r of ds.records(m.api_name)) h.update(JSON.stringify(r));
    for (const d of ds.deleted(m.api_name)) h.update(JSON.stringify(d));
  }
  return h.digest('hex');
};

const EXTRA = { Custom_Module_1: 230, Custom_Module_2: 0, Custom_Module_3: 40 };

async function withClient(opts: Parameters<typeof startClient>[0], body: (c: Client) => Promise<void>): Promise<void> {
  const c = await startClient(opts);
  try {
    await body(c);
  } finally {
    await c.sb.stop();
  }
}

describe('minFields', () => {
  test('every readable module below it gets Custom_Field_1… up to it; wider ones (Leads) stay as they are', () => {
    const plain = new OrgDataset({ seed: 1, preset: 'tiny' });
    const wide = new OrgDataset({ seed: 1, preset: 'tiny', minFields: 40 });
    for (const m of wide.modules().filter((x) => x.api_supported)) {
      const before = plain.fields(m.api_name).map((f) => f.api_name);
      const after = wide.fields(m.api_name);
      expect(after.length).toBe(Math.max(40, before.length));
      // The catalogue's fields first, unchanged, then the custom ones.
      expect(after.slice(0, before.length)).toEqual(plain.fields(m.api_name));
      const added = after.slice(before.length);
      expect(added.map((f) => f.api_name)).toEqual(added.map((_, k) => `Custom_Field_${k + 1}`));
      for (const f of added) expect(f).toMatchObject({ custom_field: true, id: expect.stringMatching(/^\d{19}$/) });
    }
    expect(wide.fields('Leads').length).toBe(62);
    const types = new Set(wide.fields('Vendors').slice(plain.fields('Vendors').length).map((f) => f.data_type));
    expect([...types].sort()).toEqual(['boolean', 'currency', 'date', 'datetime', 'double', 'email', 'integer', 'phone', 'picklist', 'text']);
  });

  test('textFields: the added fields are multi-line text mixing scripts; without minFields nothing changes', () => {
    const ds = new OrgDataset({ seed: 1, preset: 'tiny', minFields: 40, textFields: true });
    const plain = new OrgDataset({ seed: 1, preset: 'tiny' });
    const added = ds.fields('Contacts').slice(plain.fields('Contacts').length);
    expect(new Set(added.map((f) => f.data_type))).toEqual(new Set(['textarea']));
    const text = [...ds.records('Contacts')].flatMap((r) => added.map((f) => r[f.api_name])).filter((v) => typeof v === 'string').join(' ');
    for (const script of [/\p{Script=Cyrillic}/u, /\p{Script=Arabic}/u, /\p{Script=Hebrew}/u, /\p{Script=Devanagari}/u, /\p{Extended_Pictographic}/u]) {
      expect(text).toMatch(script);
    }
    expect(digest(new OrgDataset({ seed: 1, preset: 'tiny', textFields: true }))).toBe(digest(plain));
  });

  test('records carry exactly the listed fields (plus $ keys and id), with values of their type and some nulls', () => {
    const ds = new OrgDataset({ seed: 1, preset: 'tiny', minFields: 40 });
    for (const api of ['Contacts', 'Products', 'Notes']) {
      const listed = ds.fields(api).map((f) => f.api_name);
      const records = [...ds.records(api)];
      expect(records.length).toBe(ds.count(api));
      for (const r of records) expect(Object.keys(r).filter((k) => !k.startsWith('$') && k !== 'id')).toEqual(listed);
      const custom = ds.fields(api).filter((f) => f.api_name.startsWith('Custom_Field_'));
      for (const f of custom) {
        const values = records.map((r) => r[f.api_name]).filter((v) => v !== null);
        expect(values.length).toBeGreaterThan(0);
        const want = { integer: 'number', double: 'number', currency: 'number', boolean: 'boolean' }[f.data_type as string] ?? 'string';
        for (const v of values) expect(typeof v).toBe(want);
      }
      const nulls = custom.filter((f) => records.some((r) => r[f.api_name] === null));
      expect(nulls.length).toBeGreaterThan(0);
    }
  });

  test('same seed + options → same bytes; off by default (minFields 0 is the plain catalogue)', () => {
    expect(digest(new OrgDataset({ seed: 4, preset: 'tiny', minFields: 40, extraModules: 2, sizes: { Custom_Module_2: 30 } })))
      .toBe(digest(new OrgDataset({ seed: 4, preset: 'tiny', minFields: 40, extraModules: 2, sizes: { Custom_Module_2: 30 } })));
    const plain = digest(new OrgDataset({ seed: 4, preset: 'tiny' }));
    expect(digest(new OrgDataset({ seed: 4, preset: 'tiny', minFields: 0, extraModules: 0 }))).toBe(plain);
    expect(digest(new OrgDataset({ seed: 4, preset: 'tiny', minFields: 40 }))).not.toBe(plain);
  });

  test('the API serves the widened fields: one batch of 40, merged pages = dataset.records()', async () => {
    await withClient({ preset: 'tiny', minFields: 40 }, async (c) => {
      const fields = await c.get('/crm/v8/settings/fields?module=Contacts');
      expect(fields.json.fields.map((f: any) => f.api_name)).toEqual(c.sb.dataset.fields('Contacts').map((f) => f.api_name));
      const crawled = await crawlModule(c, 'Contacts', '&sort_order=asc');
      const truth = [...c.sb.dataset.records('Contacts')];
      expect([...crawled.values()]).toEqual(truth);
      expect(c.sb.stats().unexpected4xx).toEqual([]);
    });
  });
});

describe('extraModules', () => {
  test('Custom_Module_1… are listed as readable custom modules of 20–40 fields with the system fields', () => {
    const ds = new OrgDataset({ seed: 1, preset: 'tiny', extraModules: 3 });
    const plain = new OrgDataset({ seed: 1, preset: 'tiny' });
    const mods = ds.modules();
    expect(mods.slice(0, plain.modules().length)).toEqual(plain.modules());
    const extra = mods.slice(plain.modules().length);
    expect(extra.map((m) => m.api_name)).toEqual(['Custom_Module_1', 'Custom_Module_2', 'Custom_Module_3']);
    for (const m of extra) {
      expect(m).toMatchObject({ api_supported: true, generated_type: 'custom', module_name: m.api_name, id: expect.stringMatching(/^\d{19}$/) });
      const names = ds.fields(m.api_name).map((f) => f.api_name);
      expect(names.length).toBeGreaterThanOrEqual(20);
      expect(names.length).toBeLessThanOrEqual(40);
      for (const s of ['Owner', 'Created_By', 'Modified_By', 'Created_Time', 'Modified_Time', 'Name']) expect(names).toContain(s);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(new Set(mods.map((m) => m.id)).size).toBe(mods.length);
  });

  test('sizes and deletedSizes reach them; unsized ones are empty; too many is refused', async () => {
    const ds = new OrgDataset({ seed: 1, preset: 'tiny', extraModules: 3, sizes: EXTRA, deletedSizes: { Custom_Module_1: 7 } });
    expect(ds.count('Custom_Module_1')).toBe(230);
    expect(ds.count('Custom_Module_2')).toBe(0);
    expect(ds.deletedCount('Custom_Module_1')).toBe(7);
    expect(() => new OrgDataset({ seed: 1, preset: 'tiny', sizes: { Custom_Module_1: 5 } })).toThrow(/"Custom_Module_1" is not a readable module/);
    await expect(startSandbox({ extraModules: 51 })).rejects.toThrow(/extraModules: 51 is not allowed; expected a whole number from 0 to 50/);
    await expect(startSandbox({ minFields: -1 })).rejects.toThrow(/minFields: -1 is not allowed/);
  });

  test('readable end to end through the API: records over two pages, deleted, count, 204 when empty; with minFields widened too', async () => {
    await withClient({ preset: 'tiny', extraModules: 3, minFields: 40, sizes: EXTRA, deletedSizes: { Custom_Module_1: 3 } }, async (c) => {
      const listed = (await c.get('/crm/v8/settings/modules')).json.modules.map((m: any) => m.api_name);
      expect(listed).toContain('Custom_Module_3');
      const fields = (await c.get('/crm/v8/settings/fields?module=Custom_Module_1')).json.fields;
      expect(fields.length).toBe(40);
      const crawled = await crawlModule(c, 'Custom_Module_1', '&sort_order=asc');
      expect(crawled.size).toBe(230);
      expect([...crawled.values()]).toEqual([...c.sb.dataset.records('Custom_Module_1')]);
      const deleted = await c.get('/crm/v8/Custom_Module_1/deleted');
      expect(deleted.json.data).toEqual([...c.sb.dataset.deleted('Custom_Module_1')]);
      expect((await c.get('/crm/v8/Custom_Module_3/actions/count')).json).toEqual({ count: '40' });
      expect((await c.get('/crm/v8/Custom_Module_2?fields=Name')).status).toBe(204);
      expect((await c.get('/crm/v8/Custom_Module_2/deleted')).status).toBe(204);
      expect(c.sb.stats().unexpected4xx).toEqual([]);
      expect(c.sb.stats().modules.Custom_Module_1.recordsServed).toBe(230);
    });
  });
});

describe('npm run sandbox flags', () => {
  test('--min-fields and --extra-modules become options; absent, they stay absent; sizes accept the new names', () => {
    expect(optionsFromArgs(['--min-fields', '40', '--extra-modules', '10', '--size', 'Custom_Module_10=500'])).toMatchObject({
      minFields: 40, extraModules: 10, sizes: { Custom_Module_10: 500 },
    });
    const plain = optionsFromArgs([]);
    expect(plain).not.toHaveProperty('minFields');
    expect(plain).not.toHaveProperty('extraModules');
    expect(() => optionsFromArgs(['--min-fields', 'x'])).toThrow(/--min-fields "x" is not a whole number/);
  });
});
