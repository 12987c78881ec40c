// The generated org: determinism, metadata, value shapes, mutate(), and a 1M-record module served per page.
import { describe, test, expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import { startSandbox } from '../../src/sandbox/index.js';
import { OrgDataset } from '../../src/sandbox/dataset.js';
import { startClient, crawlModule } from './helpers.js';

const digest = (ds: OrgDataset, modules: string[]) => {
  const h = createHash('sha256');
  for (const m of modules) {
    for (const r of ds.records(m)) h.update(JSON.stringify(r) + '\n');
    for (const d of ds.deleted(m)) h.update(JSON.stringify(d) + '\n');
  }
  return h.digest('hex');
};

const READABLE = ['Leads', 'Contacts', 'Accounts', 'Deals', 'Tasks', 'Events', 'Products', 'Vendors', 'Notes', 'Projects_Custom'];

describe('determinism', () => {
  test('same seed → same bytes; another seed → other bytes', () => {
    const a = digest(new OrgDataset({ seed: 7, preset: 'tiny' }), READABLE);
    const b = digest(new OrgDataset({ seed: 7, preset: 'tiny' }), READABLE);
    const other = digest(new OrgDataset({ seed: 8, preset: 'tiny' }), READABLE);
    expect(b).toBe(a);
    expect(other).not.toBe(a);
  });

  test('two servers with the same seed answer the same data bytes', async () => {
    const bodies = [];
    for (let k = 0; k < 2; k++) {
      const c = await startClient({ seed: 3, preset: 'tiny' });
      const a = await c.get('/crm/v8/Deals?fields=Deal_Name,Amount,Account_Name,Description,Modified_Time');
      const f = await c.get('/crm/v8/settings/fields?module=Deals');
      const m = await c.get('/crm/v8/settings/modules');
      bodies.push(JSON.stringify([a.json.data, f.json, m.json]));
      await c.sb.stop();
    }
    expect(bodies[1]).toBe(bodies[0]);
  });
});

describe('metadata', () => {
  test('modules: the standard ones, Events named Meetings, a custom module, unsupported ones', async () => {
    const c = await startClient({ preset: 'tiny' });
    try {
      const a = await c.get('/crm/v8/settings/modules');
      expect(a.status).toBe(200);
      const mods = a.json.modules as any[];
      const by = new Map(mods.map((m) => [m.api_name, m]));
      for (const name of READABLE) expect(by.get(name)?.api_supported).toBe(true);
      expect(by.get('Events').module_name).toBe('Meetings');
      expect(by.get('Projects_Custom').generated_type).toBe('custom');
      for (const name of ['Home', 'Reports', 'Feeds', 'Dashboards']) expect(by.get(name)?.api_supported).toBe(false);
      for (const m of mods) {
        expect(m).toMatchObject({
          id: expect.stringMatching(/^\d{19}$/),
          singular_label: expect.any(String),
          plural_label: expect.any(String),
          status: 'visible',
        });
      }
    } finally {
      await c.sb.stop();
    }
  });

  test('fields: Leads has more than 50; every field has the documented keys; module param required', async () => {
    const c = await startClient({ preset: 'tiny' });
    try {
      const a = await c.get('/crm/v8/settings/fields?module=Leads');
      expect(a.json.fields.length).toBeGreaterThan(50);
      for (const f of a.json.fields) {
        expect(f).toMatchObject({
          api_name: expect.any(String),
          data_type: expect.any(String),
          json_type: expect.any(String),
          id: expect.stringMatching(/^\d{19}$/),
          read_only: expect.any(Boolean),
          custom_field: expect.any(Boolean),
        });
      }
      const types = new Set(a.json.fields.map((f: any) => f.data_type));
      const dataTypes = ['text', 'textarea', 'email', 'phone', 'website', 'integer', 'double', 'currency', 'percent', 'boolean', 'date', 'datetime'];
      for (const t of [...dataTypes, 'lookup', 'ownerlookup', 'picklist', 'multiselectpicklist', 'autonumber']) expect(types).toContain(t);
      const lookup = a.json.fields.find((f: any) => f.api_name === 'Referred_By');
      expect(lookup.lookup.module.api_name).toBe('Contacts');
      const missing = await c.get('/crm/v8/settings/fields');
      expect(missing.json.code).toBe('REQUIRED_PARAM_MISSING');
      const home = await c.get('/crm/v8/settings/fields?module=Home');
      expect(home.json.code).toBe('INVALID_MODULE');
      expect(c.sb.stats().unexpected4xx.map((u) => u.code)).toEqual(['REQUIRED_PARAM_MISSING', 'INVALID_MODULE']);
    } finally {
      await c.sb.stop();
    }
  });
});

describe('values', () => {
  test('every JSON shape Zoho sends appears, and the raw body carries U+2028 unescaped', async () => {
    const ds = new OrgDataset({ seed: 1, preset: 'tiny' });
    const all = READABLE.flatMap((m) => [...ds.records(m)]);
    const values = all.flatMap((r) => Object.entries(r));
    const some = (pred: (k: string, v: unknown) => boolean) => values.some(([k, v]) => pred(k, v));
    expect(some((k, v) => k === 'Owner' && typeof v === 'object' && v !== null && 'email' in v && 'name' in v && 'id' in v)).toBe(true);
    expect(some((_k, v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).join() === 'name,id')).toBe(true);
    expect(some((_k, v) => Array.isArray(v) && v.length > 1 && v.every((x) => typeof x === 'string'))).toBe(true);
    expect(some((_k, v) => v === null)).toBe(true);
    expect(some((_k, v) => typeof v === 'number' && !Number.isInteger(v))).toBe(true);
    expect(some((_k, v) => typeof v === 'number' && Number.isInteger(v))).toBe(true);
    expect(some((_k, v) => typeof v === 'boolean')).toBe(true);
    expect(some((_k, v) => typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v))).toBe(true);
    expect(some((_k, v) => typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/.test(v))).toBe(true);
    expect(some((k) => k.startsWith('$'))).toBe(true);
    const texts = values.map(([, v]) => v).filter((v): v is string => typeof v === 'string');
    for (const re of [/\n/, /\t/, /"/, /\p{Extended_Pictographic}/u, /[\u0400-\u04FF]/, /[\u3040-\u30FF\u4E00-\u9FFF]/, /[\u0600-\u06FF]/, /\u2028/, /\\/]) {
      expect(texts.some((t) => re.test(t))).toBe(true);
    }
    // Converted Leads carry their conversion details.
    expect(all.some((r) => r.$converted === true && (r.$converted_detail as any).converted_by)).toBe(true);
    // Modified_Time spans years.
    const years = new Set(all.map((r) => String(r.Modified_Time).slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(5);
    // Ids: numeric strings of one length, ascending in records().
    const ids = [...ds.records('Contacts')].map((r) => r.id as string);
    expect(ids.every((id) => /^\d{19}$/.test(id))).toBe(true);
    expect(ids).toEqual([...ids].sort());

    const c = await startClient({ preset: 'tiny' });
    try {
      const newestFirst = [...ds.records('Leads')].reverse();
      const k = newestFirst.findIndex((r) => String(r.Description).includes('\u2028'));
      expect(k).toBeGreaterThanOrEqual(0);
      const res = await fetch(`${c.sb.url}/crm/v8/Leads?fields=Description&converted=both&page=${Math.floor(k / 200) + 1}`, {
        headers: { Authorization: `Zoho-oauthtoken ${c.token}` },
      });
      const raw = Buffer.from(await res.arrayBuffer());
      expect(raw.includes(Buffer.from([0xe2, 0x80, 0xa8]))).toBe(true);
      expect(raw.includes(Buffer.from('\\u2028'))).toBe(false);
    } finally {
      await c.sb.stop();
    }
  });
});

describe('mutate', () => {
  test('modify/create/delete show up in records(), the API with If-Modified-Since, and deleted()', async () => {
    const c = await startClient({ preset: 'tiny' });
    try {
      const ds = c.sb.dataset;
      const before = ds.count('Contacts');
      const beforeDeleted = ds.deletedCount('Contacts');
      const at = new Date('2026-03-01T10:00:00Z');
      const touched = ds.mutate({ module: 'Contacts', modify: 5, create: 3, delete: 2, at });
      expect(touched.modified).toHaveLength(5);
      expect(touched.created).toHaveLength(3);
      expect(touched.deleted).toHaveLength(2);
      expect(ds.count('Contacts')).toBe(before + 3 - 2);
      const ids = new Set([...ds.records('Contacts')].map((r) => r.id));
      for (const id of touched.deleted) expect(ids.has(id)).toBe(false);
      for (const id of [...touched.created, ...touched.modified]) expect(ids.has(id)).toBe(true);

      const since = await c.get('/crm/v8/Contacts?fields=Last_Name,Modified_Time', { 'If-Modified-Since': '2026-02-01T00:00:00+00:00' });
      expect(since.json.data.map((r: any) => r.id).sort()).toEqual([...touched.modified, ...touched.created].sort());
      expect(since.json.data.every((r: any) => Date.parse(r.Modified_Time) === at.getTime())).toBe(true);

      const del = await c.get('/crm/v8/Contacts/deleted', { 'If-Modified-Since': '2026-02-01T00:00:00+00:00' });
      expect(del.json.data.map((d: any) => d.id).sort()).toEqual([...touched.deleted].sort());
      expect(del.json.data[0]).toMatchObject({ type: 'recycle', deleted_time: expect.any(String) });
      expect(ds.deletedCount('Contacts')).toBe(beforeDeleted + 2);

      const crawled = await crawlModule(c, 'Contacts');
      const want = [...ds.records('Contacts')];
      expect(crawled.size).toBe(want.length);
      for (const r of want) expect(crawled.get(r.id as string)).toEqual(r);
      const deletedAll = [];
      for (let page = 1; ; page++) {
        const a = await c.get(`/crm/v8/Contacts/deleted?page=${page}`);
        if (a.status === 204) break;
        deletedAll.push(...a.json.data);
        if (!a.json.info.more_records) break;
      }
      expect(deletedAll).toEqual([...ds.deleted('Contacts')]);
    } finally {
      await c.sb.stop();
    }
  });
});

describe('a 1,000,000-record module', () => {
  test('starts at once and serves a page by building only that page’s records', async () => {
    const sb = await startSandbox({ preset: 'small', sizes: { Contacts: 1_000_000 } });
    try {
      const ds = sb.dataset as OrgDataset;
      const m = ds.module('Contacts')!;
      expect(ds.count('Contacts')).toBe(1_000_000);
      const body = new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: sb.credentials.clientId,
        client_secret: sb.credentials.clientSecret,
        refresh_token: sb.credentials.refreshToken,
      });
      const token = ((await (await fetch(`${sb.url}/oauth/v2/token`, { method: 'POST', body })).json()) as any).access_token;
      const get = (q: string) =>
        fetch(`${sb.url}/crm/v8/Contacts?${q}`, { headers: { Authorization: `Zoho-oauthtoken ${token}` } }).then((r) => r.json() as Promise<any>);
      const built0 = m.built;
      const p1 = await get('fields=Last_Name,Email');
      expect(p1.data).toHaveLength(200);
      expect(m.built - built0).toBe(200);
      // Deep into the page_token chain: still one page of work.
      const p2 = await get(`fields=Last_Name,Email&page_token=${p1.info.next_page_token}`);
      expect(m.built - built0).toBe(400);
      expect(p2.data[0].id < p1.data[199].id).toBe(true);
      // The newest id of the module equals the last record the generator makes.
      expect(p1.data[0].id).toBe(m.id(999_999));
      // Modified_Time order over the million: an index of positions, not of records.
      const built1 = m.built;
      const oldest = await get('fields=Modified_Time&sort_by=Modified_Time&sort_order=asc&per_page=3');
      expect(m.built - built1).toBe(3);
      let minS = Infinity;
      for (let i = 0; i < 1_000_000; i++) minS = Math.min(minS, m.modifiedS(i));
      expect(Date.parse(oldest.data[0].Modified_Time) / 1000).toBe(minS);
    } finally {
      await sb.stop();
    }
  });
});
