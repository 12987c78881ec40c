// GET /crm/v8/{module}: one test per documented rule, over real HTTP.
import { describe, test, expect, beforeAll, afterAll, beforeEach } from '@jest/globals';
import { LIST_RICH_TEXT_CHARS } from '../../src/sandbox/records-handler.js';
import { startClient, crawlModule, type Client } from './helpers.js';

let c: Client;
beforeAll(async () => {
  c = await startClient({ preset: 'tiny' });
});
afterAll(async () => {
  await c.sb.stop();
});
beforeEach(() => c.sb.resetStats());

const unexpectedCodes = () => c.sb.stats().unexpected4xx.map((u) => u.code);

describe('fields parameter', () => {
  test('missing fields → 400 REQUIRED_PARAM_MISSING, counted as unexpected', async () => {
    const a = await c.get('/crm/v8/Leads');
    expect(a.status).toBe(400);
    expect(a.json).toEqual({ code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'fields' }, message: expect.any(String), status: 'error' });
    expect(unexpectedCodes()).toEqual(['REQUIRED_PARAM_MISSING']);
  });

  test('51 fields → 400 LIMIT_EXCEEDED; exactly 50 is fine', async () => {
    const names = c.sb.dataset.fields('Leads').map((f) => f.api_name);
    expect(names.length).toBeGreaterThan(50);
    const over = await c.get(`/crm/v8/Leads?fields=${names.slice(0, 51).join(',')}`);
    expect(over.status).toBe(400);
    expect(over.json.code).toBe('LIMIT_EXCEEDED');
    const ok = await c.get(`/crm/v8/Leads?fields=${names.slice(0, 50).join(',')}&per_page=1`);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.json.data[0]).filter((k) => !k.startsWith('$') && k !== 'id')).toEqual(names.slice(0, 50));
    expect(unexpectedCodes()).toEqual(['LIMIT_EXCEEDED']);
  });

  test('an unknown field name → 400 INVALID_DATA', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name,No_Such_Field');
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('INVALID_DATA');
    expect(a.json.details.api_name).toBe('No_Such_Field');
  });
});

describe('paging', () => {
  test('first page: 200 records by default, sorted by id desc, next_page_token present, more_records true', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name&converted=both');
    expect(a.status).toBe(200);
    expect(a.json.data).toHaveLength(200);
    const ids = a.json.data.map((r: any) => r.id);
    expect(ids).toEqual([...ids].sort().reverse());
    const all = [...c.sb.dataset.records('Leads')].map((r) => r.id as string);
    expect(ids[0]).toBe(all[all.length - 1]);
    expect(a.json.info).toMatchObject({ per_page: 200, count: 200, page: 1, more_records: true, previous_page_token: null, sort_by: 'id', sort_order: 'desc' });
    expect(typeof a.json.info.next_page_token).toBe('string');
    expect(a.json.info.page_token_expiry).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  });

  test('per_page above 200 → 400 INVALID_DATA', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name&per_page=201');
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('INVALID_DATA');
  });

  test('last page: more_records false and next_page_token null', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name&converted=both&page=2');
    expect(a.status).toBe(200);
    expect(a.json.data).toHaveLength(c.sb.dataset.count('Leads') - 200);
    expect(a.json.info.more_records).toBe(false);
    expect(a.json.info.next_page_token).toBeNull();
  });

  test('a page past the end → 204 with no body', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name&page=3');
    expect(a.status).toBe(204);
    expect(a.text).toBe('');
  });

  test('an empty module → 204 with no body', async () => {
    expect(c.sb.dataset.count('Vendors')).toBe(0);
    const a = await c.get('/crm/v8/Vendors?fields=Vendor_Name');
    expect(a.status).toBe(204);
    expect(a.text).toBe('');
  });

  test('page × per_page beyond 2,000 → the exact DISCRETE_PAGINATION_LIMIT_EXCEEDED body', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name&page=11&per_page=200');
    expect(a.status).toBe(400);
    expect(a.json).toEqual({
      code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
      details: { limit: 2000 },
      message: 'You can only get the first 2000 records without using page_token param',
      status: 'error',
    });
    expect(unexpectedCodes()).toEqual(['DISCRETE_PAGINATION_LIMIT_EXCEEDED']);
  });

  test('page together with page_token → 400 AMBIGUITY_DURING_PROCESSING', async () => {
    const first = await c.get('/crm/v8/Leads?fields=Last_Name');
    const a = await c.get(`/crm/v8/Leads?fields=Last_Name&page=2&page_token=${first.json.info.next_page_token}`);
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('AMBIGUITY_DURING_PROCESSING');
    expect(unexpectedCodes()).toEqual(['AMBIGUITY_DURING_PROCESSING']);
  });

  test('page_token continues the same query where page 1 stopped', async () => {
    const p1 = await c.get('/crm/v8/Leads?fields=Last_Name&per_page=50');
    const p2 = await c.get(`/crm/v8/Leads?fields=Last_Name&per_page=50&page_token=${p1.json.info.next_page_token}`);
    const byPage = await c.get('/crm/v8/Leads?fields=Last_Name&per_page=50&page=2');
    expect(p2.status).toBe(200);
    expect(p2.json.data).toEqual(byPage.json.data);
    expect(p2.json.info.page).toBe(2);
    expect(p2.json.info.previous_page_token).toEqual(expect.any(String));
  });

  test.each([
    ['other fields', 'fields=First_Name&per_page=50'],
    ['another sort_order', 'fields=Last_Name&per_page=50&sort_order=asc'],
    ['another per_page', 'fields=Last_Name&per_page=40'],
    ['converted changed', 'fields=Last_Name&per_page=50&converted=both'],
  ])('page_token with %s → 400 TOKEN_BOUND_DATA_MISMATCH', async (_what, query) => {
    const p1 = await c.get('/crm/v8/Leads?fields=Last_Name&per_page=50');
    const a = await c.get(`/crm/v8/Leads?${query}&page_token=${p1.json.info.next_page_token}`);
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('TOKEN_BOUND_DATA_MISMATCH');
    expect(unexpectedCodes()).toEqual(['TOKEN_BOUND_DATA_MISMATCH']);
  });

  test('page_token with a different If-Modified-Since → 400 TOKEN_BOUND_DATA_MISMATCH', async () => {
    const p1 = await c.get('/crm/v8/Leads?fields=Last_Name&per_page=5', { 'If-Modified-Since': '2020-01-01T00:00:00+00:00' });
    const a = await c.get(`/crm/v8/Leads?fields=Last_Name&per_page=5&page_token=${p1.json.info.next_page_token}`, {
      'If-Modified-Since': '2021-01-01T00:00:00+00:00',
    });
    expect(a.json.code).toBe('TOKEN_BOUND_DATA_MISMATCH');
  });

  test('a forged page_token → 400 INVALID_DATA', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name&page_token=abc.def');
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('INVALID_DATA');
  });
});

describe('page_token limits', () => {
  test('an expired page_token → 400 EXPIRED_VALUE, not counted as unexpected', async () => {
    const x = await startClient({ preset: 'tiny', limits: { pageTokenTtlMs: 0 } });
    try {
      const p1 = await x.get('/crm/v8/Leads?fields=Last_Name');
      const a = await x.get(`/crm/v8/Leads?fields=Last_Name&page_token=${p1.json.info.next_page_token}`);
      expect(a.status).toBe(400);
      expect(a.json.code).toBe('EXPIRED_VALUE');
      expect(x.sb.stats().unexpected4xx).toEqual([]);
    } finally {
      await x.sb.stop();
    }
  });

  test('page_token past pageTokenLimit records → 400 PAGINATION_LIMIT_EXCEEDED, not counted as unexpected', async () => {
    const x = await startClient({ preset: 'tiny', limits: { pageTokenLimit: 100 } });
    try {
      const p1 = await x.get('/crm/v8/Contacts?fields=Last_Name&per_page=50');
      const p2 = await x.get(`/crm/v8/Contacts?fields=Last_Name&per_page=50&page_token=${p1.json.info.next_page_token}`);
      expect(p2.status).toBe(200);
      expect(p2.json.info.more_records).toBe(true);
      const p3 = await x.get(`/crm/v8/Contacts?fields=Last_Name&per_page=50&page_token=${p2.json.info.next_page_token}`);
      expect(p3.status).toBe(400);
      expect(p3.json).toMatchObject({ code: 'PAGINATION_LIMIT_EXCEEDED', details: { limit: 100 }, status: 'error' });
      expect(x.sb.stats().unexpected4xx).toEqual([]);
    } finally {
      await x.sb.stop();
    }
  });
});

describe('filters and order', () => {
  test('converted Leads are left out by default; converted=true and both select them', async () => {
    const all = [...c.sb.dataset.records('Leads')];
    const converted = all.filter((r) => r.$converted === true);
    expect(converted.length).toBeGreaterThan(0);
    const dflt = await crawlModule(c, 'Leads');
    expect(dflt.size).toBe(all.length - converted.length);
    expect([...dflt.values()].some((r) => r.$converted === true)).toBe(false);
    const only = await c.get('/crm/v8/Leads?fields=Last_Name&converted=true');
    expect(only.json.data.map((r: any) => r.id).sort()).toEqual(converted.map((r) => r.id).sort());
    const both = await crawlModule(c, 'Leads', '&converted=both');
    expect(both.size).toBe(all.length);
  });

  test('records awaiting approval: left out by default, alone with approved=false, all with both; actions/count alike', async () => {
    const truth = [...c.sb.dataset.records('Contacts')];
    const pending = truth.filter((r) => r.$approval_state !== 'approved').map((r) => r.id).sort();
    expect(pending.length).toBeGreaterThan(0);
    const ids = async (approved: string) => {
      const a = await c.get(`/crm/v8/Contacts?fields=Last_Name&per_page=200&approved=${approved}`);
      return a.status === 204 ? [] : (a.json.data as Array<{ id: string }>).map((r) => r.id).sort();
    };
    const all = truth.map((r) => r.id).sort();
    expect(await ids('both')).toEqual(all);
    expect(await ids('false')).toEqual(pending);
    expect(await ids('default')).toEqual(all.filter((id) => !pending.includes(id)));
    expect(await ids('true')).toEqual(all.filter((id) => !pending.includes(id)));
    expect((await c.get('/crm/v8/Contacts/actions/count?approved=default')).json).toEqual({ count: String(all.length - pending.length) });
    expect((await c.get('/crm/v8/Contacts/actions/count')).json).toEqual({ count: String(all.length) });
    // Every module of the tiny org with a few records holds some, so a crawl that forgets approved=both fails.
    for (const m of c.sb.dataset.modules().filter((x) => x.api_supported && c.sb.dataset.count(x.api_name) >= 3)) {
      expect([m.api_name, [...c.sb.dataset.records(m.api_name)].some((r) => r.$approval_state !== 'approved')]).toEqual([m.api_name, true]);
    }
  });

  test('sort_by Modified_Time asc: non-decreasing instants, ties by id', async () => {
    const a = await c.get('/crm/v8/Contacts?fields=Modified_Time&sort_by=Modified_Time&sort_order=asc&per_page=200');
    const rows = a.json.data.map((r: any) => [Date.parse(r.Modified_Time), r.id]);
    for (let k = 1; k < rows.length; k++) {
      expect(rows[k][0] > rows[k - 1][0] || (rows[k][0] === rows[k - 1][0] && rows[k][1] > rows[k - 1][1])).toBe(true);
    }
    const ids = [...c.sb.dataset.records('Contacts')]
      .sort((x, y) => Date.parse(x.Modified_Time as string) - Date.parse(y.Modified_Time as string) || (x.id as string).localeCompare(y.id as string))
      .map((r) => r.id);
    expect(rows.map((r: any) => r[1])).toEqual(ids.slice(0, rows.length));
    expect(a.json.info).toMatchObject({ sort_by: 'Modified_Time', sort_order: 'asc' });
  });

  test('sort_by Created_Time desc equals the dataset ordered by Created_Time desc', async () => {
    const a = await c.get('/crm/v8/Accounts?fields=Created_Time&sort_by=Created_Time');
    const want = [...c.sb.dataset.records('Accounts')]
      .sort((x, y) => Date.parse(y.Created_Time as string) - Date.parse(x.Created_Time as string) || (y.id as string).localeCompare(x.id as string))
      .map((r) => r.id);
    expect(a.json.data.map((r: any) => r.id)).toEqual(want);
  });

  test('a bad sort_by → 400 INVALID_DATA', async () => {
    const a = await c.get('/crm/v8/Leads?fields=Last_Name&sort_by=Last_Name');
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('INVALID_DATA');
  });

  test('If-Modified-Since returns exactly the records modified strictly after the instant', async () => {
    const records = [...c.sb.dataset.records('Contacts')];
    const times = records.map((r) => Date.parse(r.Modified_Time as string)).sort((a, b) => a - b);
    const cut = times[Math.floor(times.length * 0.8)];
    const want = records.filter((r) => Date.parse(r.Modified_Time as string) > cut).map((r) => r.id).sort();
    const a = await c.get('/crm/v8/Contacts?fields=Modified_Time', { 'If-Modified-Since': new Date(cut).toISOString().replace('.000Z', '+00:00') });
    expect(a.status).toBe(200);
    expect(a.json.data.map((r: any) => r.id).sort()).toEqual(want);
  });

  test('If-Modified-Since after every change → 304 with no body', async () => {
    const a = await c.get('/crm/v8/Contacts?fields=Last_Name', { 'If-Modified-Since': '2030-01-01T00:00:00+00:00' });
    expect(a.status).toBe(304);
    expect(a.text).toBe('');
  });

  test('If-Modified-Since as an HTTP-date is read too', async () => {
    const a = await c.get('/crm/v8/Contacts?fields=Last_Name', { 'If-Modified-Since': 'Tue, 01 Jan 2030 00:00:00 GMT' });
    expect(a.status).toBe(304);
  });

  test('a malformed If-Modified-Since → 400 INVALID_DATA (our choice; undocumented)', async () => {
    const a = await c.get('/crm/v8/Contacts?fields=Last_Name', { 'If-Modified-Since': 'yesterday' });
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('INVALID_DATA');
    expect(unexpectedCodes()).toEqual(['INVALID_DATA']);
  });
});

describe('modules, permissions, URLs', () => {
  test('Notes without admin rights → 403 NOT_SUPPORTED, not unexpected', async () => {
    const a = await c.get('/crm/v8/Notes?fields=Note_Title');
    expect(a.status).toBe(403);
    expect(a.json.code).toBe('NOT_SUPPORTED');
    expect(c.sb.stats().unexpected4xx).toEqual([]);
  });

  test('Notes with admin rights → 200', async () => {
    const x = await startClient({ preset: 'tiny', admin: true });
    try {
      const a = await x.get('/crm/v8/Notes?fields=Note_Title,Parent_Id');
      expect(a.status).toBe(200);
      expect(a.json.data[0].Parent_Id).toEqual({
        name: expect.any(String),
        id: expect.any(String),
        module: { api_name: expect.any(String), id: expect.any(String) },
      });
    } finally {
      await x.sb.stop();
    }
  });

  test.each(['Home', 'Reports', 'Feeds', 'Dashboards', 'NoSuchModule'])('%s → 400 INVALID_MODULE, unexpected', async (name) => {
    const a = await c.get(`/crm/v8/${name}?fields=id`);
    expect(a.status).toBe(400);
    expect(a.json.code).toBe('INVALID_MODULE');
    expect(unexpectedCodes()).toEqual(['INVALID_MODULE']);
  });

  test('an unknown URL → 404 INVALID_URL_PATTERN, unexpected', async () => {
    const a = await c.get('/crm/v8/Leads/whatever/else/here');
    expect(a.status).toBe(404);
    expect(a.json.code).toBe('INVALID_URL_PATTERN');
    expect(unexpectedCodes()).toEqual(['INVALID_URL_PATTERN']);
  });

  test('actions/count: converted=both equals dataset.count; the default leaves converted Leads out', async () => {
    const both = await c.get('/crm/v8/Leads/actions/count?converted=both');
    expect(both.json).toEqual({ count: String(c.sb.dataset.count('Leads')) });
    const dflt = await c.get('/crm/v8/Leads/actions/count');
    const converted = [...c.sb.dataset.records('Leads')].filter((r) => r.$converted).length;
    expect(dflt.json.count).toBe(String(c.sb.dataset.count('Leads') - converted));
  });
});

describe('rich text', () => {
  const rich = () => [...c.sb.dataset.records('Products')].filter((r) => typeof r.Product_Details === 'string');

  test('the fields list marks it rich_text; list answers cut it; fetch_full_data gives it whole, for the ids asked', async () => {
    const meta = c.sb.dataset.fields('Products').find((f) => f.api_name === 'Product_Details');
    expect(meta?.textarea).toEqual({ type: 'rich_text' });
    const long = rich().filter((r) => Array.from(r.Product_Details as string).length > LIST_RICH_TEXT_CHARS);
    expect(long.length).toBeGreaterThan(0);
    const list = await c.get('/crm/v8/Products?fields=Product_Name,Product_Details');
    const byId = new Map((list.json.data as Array<Record<string, unknown>>).map((r) => [r.id, r]));
    for (const r of long) {
      expect(Array.from(byId.get(r.id)!.Product_Details as string)).toEqual(Array.from(r.Product_Details as string).slice(0, LIST_RICH_TEXT_CHARS));
    }
    const ids = long.slice(0, 3).map((r) => r.id as string);
    const full = await c.get(`/crm/v8/Products/actions/fetch_full_data?ids=${[...ids, '111111111111111111'].join(',')}&fields=Product_Details`);
    expect(full.status).toBe(200);
    expect(full.json).toEqual({ data: long.slice(0, 3).map((r) => ({ Product_Details: r.Product_Details, id: r.id })) });
    expect(c.sb.stats().modules.Products).toMatchObject({ records: 1, fullData: 1 });
    expect(c.sb.stats().credits).toBe(2);
  });

  test('fetch_full_data refuses what Zoho documents it refuses: no ids, no fields, over 200 ids, a field that is not rich text', async () => {
    const ids = rich().slice(0, 2).map((r) => r.id).join(',');
    expect((await c.get(`/crm/v8/Products/actions/fetch_full_data?fields=Product_Details`)).json).toMatchObject({
      code: 'REQUIRED_PARAM_MISSING',
      details: { param: 'ids' },
    });
    expect((await c.get(`/crm/v8/Products/actions/fetch_full_data?ids=${ids}`)).json).toMatchObject({
      code: 'REQUIRED_PARAM_MISSING',
      details: { param: 'fields' },
    });
    const many = Array.from({ length: 201 }, (_, k) => String(100000000000000000n + BigInt(k))).join(',');
    expect((await c.get(`/crm/v8/Products/actions/fetch_full_data?ids=${many}&fields=Product_Details`)).json).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((await c.get(`/crm/v8/Products/actions/fetch_full_data?ids=${ids}&fields=Description`)).json).toMatchObject({
      code: 'INVALID_DATA',
      details: { api_name: 'Description' },
    });
    expect((await c.get(`/crm/v8/Products/actions/fetch_full_data?ids=111111111111111111&fields=Product_Details`)).status).toBe(204);
    expect(unexpectedCodes()).toEqual(['REQUIRED_PARAM_MISSING', 'REQUIRED_PARAM_MISSING', 'LIMIT_EXCEEDED', 'INVALID_DATA']);
  });
});

describe('ground truth', () => {
  test('every readable module crawled through the API equals dataset.records()', async () => {
    const x = await startClient({ preset: 'tiny', admin: true });
    try {
      for (const m of x.sb.dataset.modules().filter((m) => m.api_supported)) {
        const got = await crawlModule(x, m.api_name, '&converted=both');
        const want = [...x.sb.dataset.records(m.api_name)];
        expect(got.size).toBe(want.length);
        for (const rec of want) expect(got.get(rec.id as string)).toEqual(rec);
      }
    } finally {
      await x.sb.stop();
    }
  });

  test('credits: 1 per records call', async () => {
    await c.get('/crm/v8/Leads?fields=Last_Name');
    await c.get('/crm/v8/Leads/actions/count');
    await c.get('/crm/v8/settings/modules');
    const s = c.sb.stats();
    expect(s.credits).toBe(3);
    expect(s.total).toBe(3);
    expect(s.requests['GET /crm/v8/{module}']).toEqual({ '200': 1 });
    expect(s.modules.Leads).toMatchObject({ records: 1, count: 1, recordsServed: 200 });
  });
});
