// The Zoho client pieces that need no server: data centres, request building, schemas, backoff,
// the pace, field batches and merging, module selection.
import { describe, expect, test } from '@jest/globals';
import { DATA_CENTERS, parseSettings } from '../../src/settings.js';
import { backoffDelay, parseRetryAfter } from '../../src/http/retry-policy.js';
import { apiBaseOf, DATA_CENTER_HOSTS, resolveHosts } from '../../src/zoho/data-centers.js';
import { classify } from '../../src/zoho/errors.js';
import { fieldBatches, mergeBatchPages } from '../../src/zoho/field-batches.js';
import { closestNames, hasConvertedRecords, selectModules } from '../../src/zoho/module-selection.js';
import { Pace } from '../../src/http/pace.js';
import { countCall, deletedCall, fieldsCall, formatIfModifiedSince, recordsCall } from '../../src/zoho/requests.js';
import { entriesPageOf, tokenAnswerSchema, UnexpectedAnswerError, type ZohoEntry } from '../../src/zoho/schemas.js';
import { scanEntriesPage } from '../../src/zoho/entries-page.js';
import { missingCredentials } from '../../src/zoho/token-source.js';

describe('data centres', () => {
  test('every data centre of the reference has its accounts server and API domain', () => {
    expect(Object.keys(DATA_CENTER_HOSTS).sort()).toEqual([...DATA_CENTERS].sort());
    expect(DATA_CENTER_HOSTS.eu).toEqual({ accounts: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.eu' });
    expect(DATA_CENTER_HOSTS.ca.accounts).toBe('https://accounts.zohocloud.ca');
    expect(DATA_CENTER_HOSTS.au.apiDomain).toBe('https://www.zohoapis.com.au');
  });

  test('overrides win; otherwise the token answer, then the data centre, decides the API base', () => {
    const dc = resolveHosts(parseSettings({ ZOHO_DATA_CENTER: 'in' }));
    expect(dc.accounts).toBe('https://accounts.zoho.in');
    expect(apiBaseOf(dc)).toBe('https://www.zohoapis.in');
    expect(apiBaseOf(dc, 'https://sandbox.zohoapis.in/')).toBe('https://sandbox.zohoapis.in');
    const over = resolveHosts(parseSettings({ ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:9/', ZOHO_API_DOMAIN: 'http://127.0.0.1:8' }));
    expect(over.accounts).toBe('http://127.0.0.1:9');
    expect(apiBaseOf(over, 'https://www.zohoapis.com')).toBe('http://127.0.0.1:8');
  });
});

describe('request building', () => {
  test('records: fields, per_page, converted, approved=both, order and page_token in the query; never a token of auth', () => {
    const call = recordsCall({ module: 'Leads', fields: ['Last_Name', 'Email'], perPage: 150, pageToken: 'abc', converted: true, order: 'modified-asc' });
    const url = new URL(`http://x${call.path}`);
    expect(url.pathname).toBe('/crm/v8/Leads');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      fields: 'Last_Name,Email',
      per_page: '150',
      converted: 'both',
      approved: 'both',
      sort_by: 'Modified_Time',
      sort_order: 'asc',
      page_token: 'abc',
    });
    const plain = new URL(`http://x${recordsCall({ module: 'Deals', fields: ['a'], perPage: 200, converted: false, order: 'default' }).path}`);
    // Records awaiting approval are part of the org: every records call asks for them too.
    expect(Object.fromEntries(plain.searchParams)).toEqual({ fields: 'a', per_page: '200', approved: 'both' });
  });

  test('count calls ask approved=both too, and converted=both only when asked', () => {
    const plain = countCall('Deals');
    expect(new URL(`http://x${plain.path}`).pathname).toBe('/crm/v8/Deals/actions/count');
    expect(Object.fromEntries(new URL(`http://x${plain.path}`).searchParams)).toEqual({ approved: 'both' });
    expect(plain.credits).toBe(1);
    expect(Object.fromEntries(new URL(`http://x${countCall('Leads', true).path}`).searchParams)).toEqual({ converted: 'both', approved: 'both' });
  });

  test('records calls refuse more than 50 fields or per_page past 200', () => {
    const fields = Array.from({ length: 51 }, (_, i) => `f${i}`);
    expect(() => recordsCall({ module: 'M', fields, perPage: 200, converted: false, order: 'default' })).toThrow(/51 fields; expected 1 to 50/);
    expect(() => recordsCall({ module: 'M', fields: ['a'], perPage: 201, converted: false, order: 'default' })).toThrow(/per_page 201/);
  });

  test('deleted calls ask for all types, 200 a page, and cost 2 credits; names are URL-encoded', () => {
    const call = deletedCall('Invoices X', 3);
    expect(call.path).toBe('/crm/v8/Invoices%20X/deleted?type=all&page=3&per_page=200');
    expect(call.credits).toBe(2);
    expect(fieldsCall('Leads').path).toBe('/crm/v8/settings/fields?module=Leads');
  });

  test('If-Modified-Since is ISO 8601 to the second with an offset', () => {
    expect(formatIfModifiedSince(new Date('2026-11-01T00:00:00.123Z'))).toBe('2026-11-01T00:00:00+00:00');
  });
});

describe('schemas', () => {
  /** A records page as the client hands it over: scanned from its bytes (or the shape error it gave). */
  const answered = (body: unknown): unknown => {
    try {
      return scanEntriesPage(Buffer.from(JSON.stringify(body)));
    } catch (error) {
      return error;
    }
  };

  test('records pages keep every key of every record, in order', () => {
    const body = { data: [{ id: '1', z: 1, a: { name: 'n', id: '2' }, $state: null }], info: { more_records: false, count: 1 } };
    const page = entriesPageOf(answered(body), 'GET /Leads');
    const record = page.data[0].object();
    expect(Object.keys(record)).toEqual(['id', 'z', 'a', '$state']);
    expect(record).toEqual(body.data[0]);
    expect(page.info).toEqual(body.info);
  });

  test('a page without ids is an error naming the place, not the data', () => {
    const noIds = answered({ data: [{ name: 'secret customer' }], info: { more_records: false } });
    expect(() => entriesPageOf(noIds, 'GET /Leads')).toThrow(UnexpectedAnswerError);
    expect(() => entriesPageOf(noIds, 'GET /Leads')).toThrow(/^GET \/Leads: unexpected answer at data\.0/);
    expect(() => entriesPageOf(noIds, 'GET /Leads')).not.toThrow(/secret customer/);
    expect(() => entriesPageOf(answered({ data: [{ id: '1' }], info: { more_records: 'yes' } }), 'GET /Leads')).toThrow(
      /GET \/Leads: unexpected answer at info.more_records/,
    );
  });

  test('token answers: success and the HTTP-200 error shape', () => {
    expect(tokenAnswerSchema.parse({ access_token: 't', api_domain: 'https://www.zohoapis.eu', expires_in: 3600 })).toMatchObject({ access_token: 't' });
    expect(tokenAnswerSchema.parse({ error: 'invalid_client' })).toEqual({ error: 'invalid_client' });
  });
});

describe('credentials', () => {
  test('none at all names both ways in; a refresh token needs client id and secret', () => {
    expect(missingCredentials({})).toMatch(/^ZOHO_REFRESH_TOKEN \(with ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET\) or ZOHO_CRM_AUTH_TOKEN/);
    expect(missingCredentials({ refreshToken: 'r', clientId: 'c' })).toMatch(/^ZOHO_CLIENT_SECRET: not set/);
    expect(missingCredentials({ staticToken: 't' })).toBeUndefined();
    expect(missingCredentials({ refreshToken: 'r', clientId: 'c', clientSecret: 's' })).toBeUndefined();
  });
});

describe('errors', () => {
  test('codes of the reference map to what the crawler does', () => {
    expect(classify(401, 'INVALID_TOKEN')).toBe('token');
    expect(classify(401, 'OAUTH_SCOPE_MISMATCH')).toBe('scope');
    expect(classify(403, 'NOT_SUPPORTED')).toBe('permission');
    expect(classify(400, 'INVALID_MODULE')).toBe('missing');
    expect(classify(429, 'TOO_MANY_REQUESTS')).toBe('throttle');
    expect(classify(500, 'INTERNAL_ERROR')).toBe('server');
    expect(classify(400, 'EXPIRED_VALUE')).toBe('stale-chain');
    expect(classify(400, 'TOKEN_BOUND_DATA_MISMATCH')).toBe('stale-chain');
    expect(classify(400, 'PAGINATION_LIMIT_EXCEEDED')).toBe('page-limit');
    expect(classify(400, 'LIMIT_EXCEEDED')).toBe('other');
  });
});

describe('backoff', () => {
  test('Retry-After in seconds or as an HTTP date; garbage is ignored', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  test('exponential with equal jitter, capped; Retry-After wins (within reason)', () => {
    const low = { baseMs: 100, maxMs: 1000, random: () => 0 };
    const high = { ...low, random: () => 0.999999 };
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(low, a))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 4].map((a) => backoffDelay(high, a))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(low, 0, 3000)).toBe(3000);
    expect(backoffDelay({ ...low, maxRetryAfterMs: 5000 }, 0, 3_600_000)).toBe(5000);
  });
});

describe('pace', () => {
  test('never more in flight than allowed; 429 halves the allowance, successes creep back', async () => {
    const pace = new Pace(4);
    const releases = await Promise.all([pace.acquire(), pace.acquire(), pace.acquire(), pace.acquire()]);
    let fifth = false;
    const waiting = pace.acquire().then((r) => {
      fifth = true;
      return r;
    });
    await Promise.resolve();
    expect(fifth).toBe(false);
    expect(pace.active).toBe(4);
    pace.onThrottle();
    expect(pace.allowed).toBe(2);
    releases[0]();
    releases[1]();
    await Promise.resolve();
    expect(fifth).toBe(false); // 2 still in flight = the allowance
    releases[2]();
    (await waiting)();
    expect(fifth).toBe(true);
    expect(pace.peak).toBe(4);
    for (let i = 0; i < 10; i++) pace.onSuccess();
    expect(pace.allowed).toBe(4);
    pace.onThrottle();
    pace.onThrottle();
    pace.onThrottle();
    expect(pace.allowed).toBe(1);
    releases[3]();
    expect(pace.active).toBe(0);
  });
});

describe('field batches', () => {
  test('at most 50 a batch, in order, without repeats', () => {
    const names = Array.from({ length: 120 }, (_, i) => `F${i}`);
    const batches = fieldBatches([...names, 'F0']);
    expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(batches.flat()).toEqual(names);
  });

  test('pages of each batch merge by id into whole records, keys in batch order', () => {
    const a: ZohoEntry[] = [
      { id: '1', A: 1 },
      { id: '2', A: 2 },
    ];
    const b: ZohoEntry[] = [
      { id: '1', B: 1 },
      { id: '2', B: 2 },
    ];
    const { complete, pending } = mergeBatchPages([a, b], []);
    expect(pending).toEqual([]);
    expect(complete).toEqual([
      { id: '1', A: 1, B: 1 },
      { id: '2', A: 2, B: 2 },
    ]);
    expect(Object.keys(complete[0])).toEqual(['id', 'A', 'B']);
  });

  test('batches that disagree: a part waits for its other half on a later page; first part of an id wins', () => {
    const first = mergeBatchPages(
      [
        [
          { id: '1', A: 1 },
          { id: '2', A: 2 },
        ],
        [
          { id: '1', B: 1 },
          { id: '3', B: 3 },
        ],
      ],
      [],
    );
    expect(first.complete).toEqual([{ id: '1', A: 1, B: 1 }]);
    expect(first.pending.map(([id]) => id)).toEqual(['2', '3']);
    const second = mergeBatchPages(
      [
        [
          { id: '3', A: 3 },
          { id: '1', A: 'repeat' },
        ],
        [{ id: '2', B: 2 }],
      ],
      first.pending,
    );
    expect(second.complete).toEqual([
      { id: '2', A: 2, B: 2 },
      { id: '3', B: 3, A: 3 },
    ]);
    expect(second.pending.map(([id]) => id)).toEqual(['1']);
  });

  test('with the batches known, merged keys read as one call for all fields: batch fields in order, then the keys Zoho adds', () => {
    const a = { A1: 1, A2: 2, $state: 's', id: '7' } as ZohoEntry;
    const b = { B1: 3, $state: 's', id: '7' } as ZohoEntry;
    const { complete } = mergeBatchPages([[a], [b]], [], [['A1', 'A2'], ['B1']]);
    expect(JSON.stringify(complete[0])).toBe('{"A1":1,"A2":2,"B1":3,"$state":"s","id":"7"}');
  });

    test('a key named __proto__ stays data', () => {
    const a = JSON.parse('{"id":"1","__proto__":{"x":1}}') as ZohoEntry;
    const { complete } = mergeBatchPages([[a], [{ id: '1', constructor: 'c' }]], []);
    expect(Object.keys(complete[0])).toEqual(['id', '__proto__', 'constructor']);
    expect(JSON.stringify(complete[0])).toBe('{"id":"1","__proto__":{"x":1},"constructor":"c"}');
  });
});

describe('module selection', () => {
  const modules = [
    { api_name: 'Leads', api_supported: true },
    { api_name: 'Home', api_supported: false },
    { api_name: 'Events', module_name: 'Meetings', api_supported: true },
  ];

  test('all API-readable modules without a whitelist; unsupported ones listed, not selected', () => {
    const s = selectModules(modules, undefined);
    expect(s.modules.map((m) => [m.meta.api_name, m.explicit])).toEqual([
      ['Leads', false],
      ['Events', false],
    ]);
    expect(s.unsupported).toEqual(['Home']);
    expect(s.unknown).toEqual([]);
    expect(s.skipped).toEqual([]);
  });

  test('the whitelist narrows; an unreadable name is skipped (the original ignored it), a name not in the org is a likely typo', () => {
    const s = selectModules(modules, ['events', 'Home', 'Nope', 'Events', 'Lead', 'home']);
    expect(s.modules.map((m) => [m.meta.api_name, m.explicit])).toEqual([['Events', true]]);
    expect(s.skipped.map((u) => u.name)).toEqual(['Home']);
    expect(s.skipped[0].reason).toMatch(/api_supported: false/);
    expect(s.unknown.map((u) => u.name)).toEqual(['Nope', 'Lead']);
    expect(s.unknown[0].reason).toMatch(/not a module of this org \(no such api_name\)$/);
    expect(s.unknown[1].reason).toMatch(/not a module of this org \(no such api_name; did you mean Leads\?\)$/);
  });

  test('closest names: nearest first, only plausible ones, at most three', () => {
    const names = ['Leads', 'Contacts', 'Accounts', 'Deals', 'Tasks', 'Products', 'Price_Books'];
    expect(closestNames('Contcts', names)).toEqual(['Contacts']);
    expect(closestNames('leds', names)).toEqual(['Leads']);
    expect(closestNames('Deal', names)).toEqual(['Deals']);
    expect(closestNames('Contact', [...names, 'Contracts'])).toEqual(['Contacts', 'Contracts']);
    expect(closestNames('Pricebooks', names)).toEqual(['Price_Books']);
    expect(closestNames('Invoices_Custom_Module', names)).toEqual([]);
  });

  test('converted records are asked for in Leads only', () => {
    expect(hasConvertedRecords({ api_name: 'Leads' })).toBe(true);
    expect(hasConvertedRecords({ api_name: 'Quotes', convertable: true })).toBe(false);
  });
});
