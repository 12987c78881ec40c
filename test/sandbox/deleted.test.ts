// GET /crm/v8/{module}/deleted over HTTP.
import { describe, test, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { startClient, type Client } from './helpers.js';

let c: Client;
beforeAll(async () => {
  c = await startClient({ preset: 'tiny' });
});
afterAll(async () => {
  await c.sb.stop();
});
beforeEach(() => c.sb.resetStats());

describe('deleted records', () => {
  test('two pages of 200 equal dataset.deleted(), newest first; 2 credits a call', async () => {
    const p1 = await c.get('/crm/v8/Contacts/deleted');
    const p2 = await c.get('/crm/v8/Contacts/deleted?page=2');
    expect(p1.json.info).toEqual({ per_page: 200, count: 200, page: 1, more_records: true });
    expect(p2.json.info.more_records).toBe(false);
    const got = [...p1.json.data, ...p2.json.data];
    expect(got).toEqual([...c.sb.dataset.deleted('Contacts')]);
    expect(got).toHaveLength(210);
    const times = got.map((d) => Date.parse(d.deleted_time));
    for (let k = 1; k < times.length; k++) expect(times[k]).toBeLessThanOrEqual(times[k - 1]);
    expect(c.sb.stats().credits).toBe(4);
  });

  test('entries have the documented shape; permanent ones have null display_name, deleted_by, created_by', async () => {
    const a = await c.get('/crm/v8/Contacts/deleted');
    const permanent = a.json.data.filter((d: any) => d.type === 'permanent');
    const recycle = a.json.data.filter((d: any) => d.type === 'recycle');
    expect(permanent.length).toBeGreaterThan(0);
    expect(recycle.length).toBeGreaterThan(0);
    for (const d of permanent) {
      expect(d).toEqual({
        id: expect.stringMatching(/^\d{19}$/),
        display_name: null,
        type: 'permanent',
        deleted_by: null,
        created_by: null,
        deleted_time: expect.any(String),
      });
    }
    for (const d of recycle) {
      expect(d).toEqual({
        id: expect.stringMatching(/^\d{19}$/), display_name: expect.any(String), type: 'recycle',
        deleted_by: { name: expect.any(String), id: expect.any(String) }, created_by: { name: expect.any(String), id: expect.any(String) },
        deleted_time: expect.stringMatching(/[+-]\d\d:\d\d$/),
      });
    }
    const live = new Set([...c.sb.dataset.records('Contacts')].map((r) => r.id));
    expect(a.json.data.some((d: any) => live.has(d.id))).toBe(false);
  });

  test('type=permanent and type=recycle filter; together they make type=all', async () => {
    const perm = await c.get('/crm/v8/Contacts/deleted?type=permanent');
    const rec = await c.get('/crm/v8/Contacts/deleted?type=recycle&per_page=200');
    expect(perm.json.data.every((d: any) => d.type === 'permanent')).toBe(true);
    expect(rec.json.data.every((d: any) => d.type === 'recycle')).toBe(true);
    expect(perm.json.data.length + rec.json.data.length).toBe(210);
  });

  test('a bad type → 400 PATTERN_NOT_MATCHED, unexpected', async () => {
    const a = await c.get('/crm/v8/Contacts/deleted?type=gone');
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('PATTERN_NOT_MATCHED');
    expect(c.sb.stats().unexpected4xx.map((u) => u.code)).toEqual(['PATTERN_NOT_MATCHED']);
  });

  test('no deleted entries → 204', async () => {
    const a = await c.get('/crm/v8/Vendors/deleted');
    expect(a.status).toBe(204);
    expect(a.text).toBe('');
  });

  test('If-Modified-Since: entries deleted strictly after it; none → 304', async () => {
    const all = [...c.sb.dataset.deleted('Contacts')];
    const cut = Date.parse(all[20].deleted_time as string);
    const a = await c.get('/crm/v8/Contacts/deleted', { 'If-Modified-Since': new Date(cut).toISOString() });
    expect(a.json.data).toEqual(all.filter((d) => Date.parse(d.deleted_time as string) > cut));
    const none = await c.get('/crm/v8/Contacts/deleted', { 'If-Modified-Since': '2031-01-01T00:00:00+00:00' });
    expect(none.status).toBe(304);
    expect(none.text).toBe('');
  });

  test('Notes deleted without admin rights → 403 NOT_SUPPORTED', async () => {
    const a = await c.get('/crm/v8/Notes/deleted');
    expect(a.status).toBe(403);
    expect(a.json.code).toBe('NOT_SUPPORTED');
  });
});
