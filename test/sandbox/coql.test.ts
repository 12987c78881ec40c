// POST /crm/v8/coql over real HTTP: keyset paging walks a module once with GET's values, each
// documented error body (zoho/crm-oas v8.0/coql examples), credits, 204, the complex-call sub-concurrency.
import { describe, test, expect, beforeAll, afterAll, beforeEach, afterEach } from '@jest/globals';
import { LIST_RICH_TEXT_CHARS } from '../../src/sandbox/records-handler.js';
import { startClient, crawlModule, coql, type Answer, type Client } from './helpers.js';

let c: Client;
beforeAll(async () => {
  c = await startClient({ preset: 'tiny' });
});
afterAll(async () => {
  await c.sb.stop();
});
beforeEach(() => c.sb.resetStats());

/** Sandboxes a single test starts; stopped after it. */
const extra: Client[] = [];
afterEach(async () => {
  await Promise.all(extra.splice(0).map((x) => x.sb.stop()));
});
async function own(opts: Parameters<typeof startClient>[0]): Promise<Client> {
  const x = await startClient(opts);
  extra.push(x);
  return x;
}

type Rec = Record<string, unknown>;

/** What COQL answers for a field of a GET record: lookups and owners reduced to their id. */
function coqlValue(type: string, v: unknown): unknown {
  if ((type === 'lookup' || type === 'ownerlookup') && v !== null) return { id: (v as { id: string }).id };
  return v;
}

function expectedRow(sb: Client['sb'], module: string, rec: Rec, columns: readonly string[]): Rec {
  const types = new Map(sb.dataset.fields(module).map((f) => [f.api_name, f.data_type]));
  const out: Rec = {};
  for (const col of columns) out[col] = coqlValue(types.get(col) ?? 'text', rec[col]);
  out.id = rec.id;
  return out;
}

const instant = (v: unknown): number => Date.parse(v as string);

/** Walks a module by keyset (Modified_Time, id), LIMIT 2000 a page; returns the pages. */
async function keysetWalk(x: Client, columns: readonly string[], limit = 2000): Promise<Rec[][]> {
  const pages: Rec[][] = [];
  let t = '2000-01-01T00:00:00+00:00';
  let id = '0';
  for (;;) {
    const q = `select ${columns.join(', ')} from Leads where (Modified_Time > '${t}' or (Modified_Time = '${t}' and id > '${id}'))`
      + ` order by Modified_Time asc, id asc limit ${limit}`;
    const a = await coql(x, q);
    if (a.status === 204) break;
    expect(a.status).toBe(200);
    const rows = a.json.data as Rec[];
    expect(a.json.info).toEqual({ count: rows.length, more_records: expect.any(Boolean) });
    pages.push(rows);
    if (!a.json.info.more_records) break;
    const last = rows[rows.length - 1];
    t = last.Modified_Time as string;
    id = last.id as string;
  }
  return pages;
}

describe('keyset paging', () => {
  test('(Modified_Time, id) keyset with LIMIT 2000 walks every record once, in order, with the GET values; a tie group straddles a page edge', async () => {
    const x = await own({ preset: 'small', modifiedSkew: 0.3 });
    const columns = x.sb.dataset.fields('Leads').map((f) => f.api_name);
    const pages = await keysetWalk(x, columns);
    expect(pages.length).toBe(2);
    const rows = pages.flat();
    const ids = rows.map((r) => r.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    // Every record: converted Leads and records awaiting approval included (COQL has no such parameters).
    expect(ids.slice().sort()).toEqual([...x.sb.dataset.records('Leads')].map((r) => r.id as string).sort());
    for (let k = 1; k < rows.length; k++) {
      const [a, b] = [rows[k - 1], rows[k]];
      const order = instant(a.Modified_Time) - instant(b.Modified_Time) || (a.id as string).localeCompare(b.id as string);
      expect(order).toBeLessThan(0);
    }
    // The page edge falls inside one second shared by many records: only the id part of the keyset moves on.
    const edge = [pages[0][pages[0].length - 1], pages[1][0]];
    expect(edge[0].Modified_Time).toBe(edge[1].Modified_Time);

    const viaGet = await crawlModule(x, 'Leads', '&converted=both');
    expect(viaGet.size).toBe(rows.length);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual([...columns, 'id']);
      expect(row).toEqual(expectedRow(x.sb, 'Leads', viaGet.get(row.id as string) as Rec, columns));
    }
    const s = x.sb.stats();
    expect(s.modules.Leads).toMatchObject({ coql: 2, coqlServed: rows.length });
    expect(s.coqlCredits).toBe(6);
    expect(s.unexpected4xx).toEqual([]);
  });

  test('after mutate(): modified records move to the end with their new values, created ones appear, deleted ones are gone', async () => {
    const x = await own({ preset: 'tiny' });
    const columns = ['Last_Name', 'Owner', 'Referred_By', 'Modified_Time', 'Score'];
    const at = new Date(Date.UTC(2026, 0, 20, 8, 0, 0));
    const changed = x.sb.dataset.mutate({ module: 'Leads', modify: 7, create: 3, delete: 4, at });
    const rows = (await keysetWalk(x, columns, 50)).flat();
    const truth = [...x.sb.dataset.records('Leads')];
    expect(rows.map((r) => r.id).sort()).toEqual(truth.map((r) => r.id).sort());
    for (const id of changed.deleted) expect(rows.some((r) => r.id === id)).toBe(false);
    const tail = rows.slice(-(changed.modified.length + changed.created.length)).map((r) => r.id);
    expect(tail.sort()).toEqual([...changed.modified, ...changed.created].sort());
    const byId = new Map(truth.map((r) => [r.id, r]));
    for (const row of rows) expect(row).toEqual(expectedRow(x.sb, 'Leads', byId.get(row.id) as Rec, columns));
  });
});

describe('answers', () => {
  test('a row: the selected columns in order, then id; lookups and owners {id}; quoted names; keywords in any case', async () => {
    const a = await coql(c, `SELECT 'Last_Name', "Owner", Partner_Account, Email FROM Leads WHERE id IS NOT NULL ORDER BY id ASC LIMIT 5`);
    expect(a.status).toBe(200);
    const truth = [...c.sb.dataset.records('Leads')].slice(0, 5);
    expect(a.json.data.map((r: Rec) => Object.keys(r))).toEqual(truth.map(() => ['Last_Name', 'Owner', 'Partner_Account', 'Email', 'id']));
    expect(a.json.data).toEqual(truth.map((r) => expectedRow(c.sb, 'Leads', r, ['Last_Name', 'Owner', 'Partner_Account', 'Email'])));
    expect(a.json.info).toEqual({ count: 5, more_records: true });
  });

  test('API names match case-insensitively as a fallback; rows carry the canonical names', async () => {
    const a = await coql(c, 'select last_name, ID from leads where Id is not null order by MODIFIED_TIME limit 1');
    expect(a.status).toBe(200);
    expect(Object.keys(a.json.data[0])).toEqual(['Last_Name', 'id']);
  });

  test('id selected explicitly keeps its place', async () => {
    const a = await coql(c, 'select id, Last_Name from Leads where id is not null limit 1');
    expect(Object.keys(a.json.data[0])).toEqual(['id', 'Last_Name']);
  });

  test('nothing matches → 204 with no body, still one credit', async () => {
    const a = await coql(c, "select Last_Name from Leads where Last_Name = 'No such name'");
    expect(a.status).toBe(204);
    expect(a.text).toBe('');
    const past = await coql(c, 'select Last_Name from Leads where id is not null limit 1000, 10');
    expect(past.status).toBe(204);
    const s = c.sb.stats();
    expect(s.credits).toBe(2);
    expect(s.coqlCredits).toBe(2);
    expect(s.modules.Leads).toMatchObject({ coql: 2, coqlServed: 0 });
  });

  test('more_records: false when the page holds the last match, true when one more is left', async () => {
    const n = c.sb.dataset.count('Leads');
    const all = await coql(c, `select Last_Name from Leads where id is not null limit ${n}`);
    expect(all.json.info).toEqual({ count: n, more_records: false });
    const short = await coql(c, `select Last_Name from Leads where id is not null limit ${n - 1}`);
    expect(short.json.info).toEqual({ count: n - 1, more_records: true });
    const tail = await coql(c, `select Last_Name from Leads where id is not null limit ${n - 1}, 10`);
    expect(tail.json.info).toEqual({ count: 1, more_records: false });
    const offset = await coql(c, `select Last_Name from Leads where id is not null limit 10 offset ${n - 1}`);
    expect(offset.json.data).toEqual(tail.json.data);
  });

  test('rich text is cut as in list answers (Products.Product_Details), with the GET list value', async () => {
    const a = await coql(c, 'select Product_Name, Product_Details from Products where id is not null order by id limit 2000');
    const list = await crawlModule(c, 'Products');
    const whole = [...c.sb.dataset.records('Products')];
    expect(whole.some((r) => typeof r.Product_Details === 'string' && Array.from(r.Product_Details).length > LIST_RICH_TEXT_CHARS)).toBe(true);
    for (const row of a.json.data as Rec[]) {
      const got = row.Product_Details;
      expect(got === null || Array.from(got as string).length <= LIST_RICH_TEXT_CHARS).toBe(true);
      const full = list.get(row.id as string)?.Product_Details;
      expect(got === null ? full === null : (full as string).startsWith(got as string)).toBe(true);
    }
    const page = await c.get('/crm/v8/Products?fields=Product_Details&sort_order=asc&per_page=200');
    expect((a.json.data as Rec[]).slice(0, 200).map((r) => r.Product_Details)).toEqual(page.json.data.map((r: Rec) => r.Product_Details));
  });

  test('include_meta ["fields"]: each selected field\'s metadata as GET /settings/fields gives it', async () => {
    const a = await coql(c, { select_query: 'select Last_Name, Score from Leads where id is not null limit 1', include_meta: ['fields'] });
    const meta = c.sb.dataset.fields('Leads');
    expect(a.json.fields).toEqual({ Last_Name: meta.find((f) => f.api_name === 'Last_Name'), Score: meta.find((f) => f.api_name === 'Score') });
  });

  test('Notes for a non-admin → 403 NOT_SUPPORTED, as GET answers', async () => {
    const a = await coql(c, 'select Note_Title from Notes where id is not null');
    expect(a.status).toBe(403);
    expect(a.json.code).toBe('NOT_SUPPORTED');
  });

  test('without a token → 401 AUTHENTICATION_FAILURE, as every API call', async () => {
    const res = await fetch(`${c.sb.url}/crm/v8/coql`, { method: 'POST', body: JSON.stringify({ select_query: 'select id from Leads where id is not null' }) });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Rec).code).toBe('AUTHENTICATION_FAILURE');
  });
});

describe('criteria', () => {
  const leads = (): Rec[] => [...c.sb.dataset.records('Leads')];
  const ids = (a: Answer): string[] => (a.status === 204 ? [] : a.json.data.map((r: Rec) => r.id));
  const where = async (criteria: string, order = 'id asc'): Promise<string[]> => {
    const a = await coql(c, `select Last_Name from Leads where ${criteria} order by ${order} limit 2000`);
    expect([200, 204]).toContain(a.status);
    return ids(a);
  };

  test("=, != (nulls match neither), in, is null, is not null; '' is a quote inside a string", async () => {
    const all = leads();
    expect(await where("Last_Name = 'O''Brien'")).toEqual(all.filter((r) => r.Last_Name === "O'Brien").map((r) => r.id));
    expect((await where("Last_Name = 'O''Brien'")).length).toBeGreaterThan(0);
    expect(await where("State != 'CA'")).toEqual(all.filter((r) => r.State !== null && r.State !== 'CA').map((r) => r.id));
    expect(await where('State is null')).toEqual(all.filter((r) => r.State === null).map((r) => r.id));
    expect(await where('State is not null')).toEqual(all.filter((r) => r.State !== null).map((r) => r.id));
    const names = ['Smith', 'Müller', '王'];
    expect(await where("Last_Name in ('Smith', 'Müller', '王')")).toEqual(all.filter((r) => names.includes(r.Last_Name as string)).map((r) => r.id));
  });

  test('numbers, dates, booleans, lookups by id, ids as numbers', async () => {
    const all = leads();
    expect(await where('Score >= 4000')).toEqual(all.filter((r) => (r.Score as number) >= 4000).map((r) => r.id));
    expect(await where("Preferred_Contact_Date < '2022-01-01'")).toEqual(
      all.filter((r) => r.Preferred_Contact_Date !== null && (r.Preferred_Contact_Date as string) < '2022-01-01').map((r) => r.id),
    );
    expect(await where('VIP = true')).toEqual(all.filter((r) => r.VIP === true).map((r) => r.id));
    const partner = all.find((r) => r.Partner_Account !== null)?.Partner_Account as { id: string };
    const partnerOf = (r: Rec): string | undefined => (r.Partner_Account as { id: string } | null)?.id;
    expect(await where(`Partner_Account = '${partner.id}'`)).toEqual(all.filter((r) => partnerOf(r) === partner.id).map((r) => r.id));
    const pivot = all[100].id as string;
    expect(await where(`id <= ${pivot}`)).toEqual(all.slice(0, 101).map((r) => r.id));
  });

  test('datetimes compare as instants, whatever offset the value is written in', async () => {
    const all = leads();
    const rec = all[7];
    const ms = instant(rec.Modified_Time);
    const elsewhere = new Date(ms).toISOString().replace('.000Z', '+00:00');
    expect(elsewhere).not.toBe(rec.Modified_Time);
    expect(await where(`Modified_Time = '${elsewhere}'`)).toEqual(all.filter((r) => instant(r.Modified_Time) === ms).map((r) => r.id));
    expect(await where(`Modified_Time > '${elsewhere}'`)).toEqual(all.filter((r) => instant(r.Modified_Time) > ms).map((r) => r.id));
    const other = all.filter((r) => r.Next_Call_At !== null && instant(r.Next_Call_At) < ms).map((r) => r.id);
    expect(other.length).toBeGreaterThan(0);
    expect(await where(`Next_Call_At < '${elsewhere}'`)).toEqual(other);
  });

  test('a lower bound on the order column starts the scan late; an "or" on another column keeps it from doing so', async () => {
    const all = leads();
    const pivot = all[150].id as string;
    expect(await where(`id > '${pivot}'`)).toEqual(all.slice(151).map((r) => r.id));
    const t = all[120].Modified_Time as string;
    const byTime = (rs: Rec[]): Rec[] =>
      rs.slice().sort((x, y) => instant(x.Modified_Time) - instant(y.Modified_Time) || (x.id as string).localeCompare(y.id as string));
    const late = byTime(all.filter((r) => instant(r.Modified_Time) >= instant(t) && (r.Score as number) > 1000));
    expect(late.length).toBeGreaterThan(0);
    expect(await where(`Modified_Time >= '${t}' and Score > 1000`, 'Modified_Time asc, id asc')).toEqual(late.map((r) => r.id));
    const either = byTime(all.filter((r) => instant(r.Modified_Time) > instant(t) || (r.Score as number) > 4900));
    expect(either.some((r) => instant(r.Modified_Time) <= instant(t))).toBe(true);
    expect(await where(`Modified_Time > '${t}' or Score > 4900`, 'Modified_Time')).toEqual(either.map((r) => r.id));
  });

  test('and / or, grouped in pairs at any depth', async () => {
    const all = leads();
    const got = await where("((Score > 2500 and VIP = true) or State is null) and Email_Opt_Out = false");
    expect(got).toEqual(all.filter((r) => (((r.Score as number) > 2500 && r.VIP === true) || r.State === null) && r.Email_Opt_Out === false).map((r) => r.id));
    expect(await where('(id is not null)')).toHaveLength(all.length);
  });
});

describe('order by', () => {
  test('descending numbers: nulls last, ties by id ascending', async () => {
    const a = await coql(c, 'select No_of_Employees from Leads where id is not null order by No_of_Employees desc limit 2000');
    const all = [...c.sb.dataset.records('Leads')];
    const key = (r: Rec): number => (r.No_of_Employees === null ? -Infinity : (r.No_of_Employees as number));
    const want = all.slice().sort((x, y) => key(y) - key(x) || (x.id as string).localeCompare(y.id as string));
    expect(a.json.data.map((r: Rec) => r.id)).toEqual(want.map((r) => r.id));
    expect(want.some((r, k) => k > 0 && key(r) === key(want[k - 1]) && key(r) !== -Infinity)).toBe(true);
    expect(a.json.data[a.json.data.length - 1].No_of_Employees).toBeNull();
  });

  test('text ascending by code units, then id; two keys; offsets page through the same order', async () => {
    const all = [...c.sb.dataset.records('Leads')];
    // Nulls first ascending (so last descending), as SQL engines that sort NULL lowest do.
    const cmp = (x: unknown, y: unknown): number => (x === y ? 0 : x === null ? -1 : y === null ? 1 : (x as string) < (y as string) ? -1 : 1);
    const want = all.slice().sort((x, y) => cmp(x.Last_Name, y.Last_Name) || -cmp(x.First_Name, y.First_Name) || cmp(x.id, y.id));
    expect(all.some((r) => r.First_Name === null)).toBe(true);
    const got: string[] = [];
    for (let offset = 0; offset < all.length; offset += 100) {
      const a = await coql(c, `select Last_Name from Leads where id is not null order by Last_Name, First_Name desc limit ${offset}, 100`);
      got.push(...a.json.data.map((r: Rec) => r.id as string));
    }
    expect(got).toEqual(want.map((r) => r.id));
  });

  test('id descending; Modified_Time descending breaks ties by id ascending', async () => {
    const all = [...c.sb.dataset.records('Leads')];
    const a = await coql(c, 'select Last_Name from Leads where id is not null order by id desc limit 2000');
    expect(a.json.data.map((r: Rec) => r.id)).toEqual(all.map((r) => r.id).reverse());
    const x = await own({ preset: 'tiny', modifiedSkew: 0.5 });
    const recs = [...x.sb.dataset.records('Leads')];
    const b = await coql(x, 'select Modified_Time from Leads where id is not null order by Modified_Time desc limit 2000');
    const want = recs.slice().sort((p, q) => instant(q.Modified_Time) - instant(p.Modified_Time) || (p.id as string).localeCompare(q.id as string));
    expect(b.json.data.map((r: Rec) => r.id)).toEqual(want.map((r) => r.id));
  });
});

describe('credits', () => {
  test('1 for LIMIT ≤ 200 (and no LIMIT), 2 for ≤ 1,000, 3 for ≤ 2,000', async () => {
    const cost: Record<string, number> = {};
    for (const limit of ['', ' limit 1', ' limit 200', ' limit 201', ' limit 1000', ' limit 1001', ' limit 2000', ' limit 5, 1500']) {
      const before = c.sb.stats().credits;
      const a = await coql(c, `select Last_Name from Leads where id is not null${limit}`);
      expect(a.status).toBe(200);
      cost[limit.trim() || 'none'] = c.sb.stats().credits - before;
    }
    expect(cost).toEqual({ none: 1, 'limit 1': 1, 'limit 200': 1, 'limit 201': 2, 'limit 1000': 2, 'limit 1001': 3, 'limit 2000': 3, 'limit 5, 1500': 3 });
    expect(c.sb.stats().coqlCredits).toBe(16);
  });

  test('errors cost nothing and count as a client bug', async () => {
    const a = await coql(c, 'select Last_Name from Leads');
    expect(a.status).toBe(400);
    const s = c.sb.stats();
    expect(s.credits).toBe(0);
    expect(s.coqlCredits).toBe(0);
    expect(s.unexpected4xx).toEqual([{ method: 'POST', path: '/crm/v8/coql', status: 400, code: 'SYNTAX_ERROR' }]);
  });

  test('the daily credit limit: COQL spends it like any call, then 429 TOO_MANY_REQUESTS', async () => {
    const x = await own({ preset: 'tiny', limits: { dailyCredits: 5 } });
    const q = 'select Last_Name from Leads where id is not null limit 2000';
    const first = await coql(x, q);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-api-credits-remaining')).toBe('2');
    expect((await coql(x, q)).status).toBe(200);
    const refused = await coql(x, q);
    expect(refused.status).toBe(429);
    expect(refused.json.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.json.message).toMatch(/credits/);
    expect((await x.get('/crm/v8/Leads?fields=Last_Name')).status).toBe(429);
    const s = x.sb.stats();
    expect(s.injected.credits429).toBe(2);
    expect(s.coqlCredits).toBe(6);
    x.sb.refillCredits();
    expect((await coql(x, q)).status).toBe(200);
  });
});

describe('the complex-call sub-concurrency', () => {
  test('COQL calls count against sortConcurrencyLimit with sort_by reads; plain reads do not', async () => {
    const x = await own({ preset: 'tiny', faults: { sortConcurrencyLimit: 2, latencyMs: 400 } });
    const q = 'select Last_Name from Leads where id is not null limit 5';
    const statuses = await Promise.all([
      ...Array.from({ length: 3 }, () => coql(x, q).then((a) => a.status)),
      ...Array.from({ length: 3 }, () => x.get('/crm/v8/Leads?fields=Last_Name&sort_by=Modified_Time').then((a) => a.status)),
      ...Array.from({ length: 4 }, () => x.get('/crm/v8/Leads?fields=Last_Name').then((a) => a.status)),
    ]);
    expect(statuses.slice(6)).toEqual([200, 200, 200, 200]);
    const complex = statuses.slice(0, 6);
    const rejected = complex.filter((s) => s === 429).length;
    expect(rejected).toBeGreaterThan(0);
    expect(complex.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2);
    const s = x.sb.stats();
    expect(s.injected.concurrency429).toBe(rejected);
    expect(s.maxSortedInFlight).toBeGreaterThan(2);
    const coqlAnswers = s.requests['POST /crm/v8/coql'];
    expect((coqlAnswers['200'] ?? 0) + (coqlAnswers['429'] ?? 0)).toBe(3);
  });

  test('one COQL call alone is one complex call in flight', async () => {
    await coql(c, 'select Last_Name from Leads where id is not null');
    expect(c.sb.stats().maxSortedInFlight).toBe(1);
    c.sb.resetStats();
    await c.get('/crm/v8/Leads?fields=Last_Name');
    expect(c.sb.stats().maxSortedInFlight).toBe(0);
  });
});

describe('documented error bodies', () => {
  const error = async (x: Client, body: unknown): Promise<Rec> => {
    const a = await coql(x, body);
    expect(a.status).toBe(400);
    expect(a.json.status).toBe('error');
    const { status: _s, ...rest } = a.json as Rec;
    return rest;
  };
  const q = (s: string) => error(c, s);

  test('SYNTAX_ERROR: missing clause (where is mandatory; from too)', async () => {
    expect(await q('select Last_Name from Leads')).toEqual({ code: 'SYNTAX_ERROR', details: { clause: 'where' }, message: 'missing clause' });
    expect(await q('select Last_Name from Leads order by id')).toEqual({ code: 'SYNTAX_ERROR', details: { clause: 'where' }, message: 'missing clause' });
    expect(await q('select Last_Name')).toEqual({ code: 'SYNTAX_ERROR', details: { clause: 'from' }, message: 'missing clause' });
  });

  test('SYNTAX_ERROR: unexpected token with line, column and near', async () => {
    expect(await q('select Last_Name, from Leads where id is not null')).toEqual({
      code: 'SYNTAX_ERROR', details: { line: 1, column: 19, near: 'from' }, message: 'unexpected token',
    });
    expect(await q('select Last_Name\nfrom Leads where id is not null limit 5 6')).toEqual({
      code: 'SYNTAX_ERROR', details: { line: 2, column: 41, near: '6' }, message: 'unexpected token',
    });
  });

  test('SYNTAX_ERROR: an SQL reserved word as a bare column (Zoho\'s example: External); quoted, it is a column', async () => {
    expect(await q('select External from Contacts where id is not null')).toMatchObject({ code: 'SYNTAX_ERROR', message: 'unexpected token' });
    // Quoted, it is read as a column name: this module has no such field, which is a different error.
    expect(await q("select 'External' from Contacts where id is not null")).toMatchObject({ code: 'INVALID_QUERY' });
  });

  test('SYNTAX_ERROR: more than two criteria on one level; grouped in pairs they are fine', async () => {
    const three = "Last_Name = 'a' and First_Name = 'b' or Email is null";
    expect(await q(`select Last_Name from Leads where ${three}`)).toEqual({
      code: 'SYNTAX_ERROR', details: { near: 'or' }, message: 'error occured while parsing the query',
    });
    expect(await q("select Last_Name from Leads where (Last_Name = 'a' and First_Name = 'b' and Email is null)")).toMatchObject({ details: { near: 'and' } });
    for (const grouped of ["(Last_Name = 'a' and First_Name = 'b') or Email is null", "Last_Name = 'a' and (First_Name = 'b' or Email is null)"]) {
      expect([200, 204]).toContain((await coql(c, `select Last_Name from Leads where ${grouped}`)).status);
    }
  });

  test('SYNTAX_ERROR: operators outside the subset, statements other than select', async () => {
    expect(await q("select Last_Name from Leads where Last_Name like 'a%'")).toEqual({
      code: 'SYNTAX_ERROR', details: { operator: 'like' }, message: 'operator not supported',
    });
    expect(await q("select Last_Name from Leads where not Last_Name = 'a'")).toEqual({
      code: 'SYNTAX_ERROR', details: { operator: 'not' }, message: 'operator not supported',
    });
    expect(await q("select Last_Name from Leads where Last_Name not in ('a')")).toMatchObject({ details: { operator: 'not in' } });
    expect(await q("update Leads set Last_Name = 'x' where id is not null")).toEqual({
      code: 'SYNTAX_ERROR', details: {}, message: 'given coql query not supported',
    });
    expect(await q('select Owner.email from Leads where id is not null')).toEqual({
      code: 'SYNTAX_ERROR', details: {}, message: 'given coql query not supported',
    });
  });

  test('INVALID_QUERY / INVALID_DATA for LIMIT and OFFSET', async () => {
    const base = 'select Last_Name from Leads where id is not null';
    expect(await q(`${base} limit s`)).toEqual({ code: 'INVALID_QUERY', details: { limit: 's' }, message: 'limit given seems to be invalid' });
    expect(await q(`${base} limit 2001`)).toEqual({ code: 'INVALID_QUERY', details: { limit: '2001' }, message: 'limit given seems to be invalid' });
    expect(await q(`${base} limit 0`)).toEqual({ code: 'INVALID_DATA', details: {}, message: 'limit should be greater than 0' });
    expect(await q(`${base} limit 98001, 2000`)).toEqual({
      code: 'INVALID_QUERY', details: { offset: '98001' }, message: expect.stringMatching(/^offset given seems to be invalid/),
    });
    expect(await q(`${base} limit 2000 offset 98001`)).toMatchObject({ code: 'INVALID_QUERY', details: { offset: '98001' } });
    expect(await q(`${base} limit 10 offset x`)).toMatchObject({ code: 'INVALID_QUERY', details: { offset: 'x' } });
    expect((await coql(c, `${base} limit 98000, 2000`)).status).toBe(204);
  });

  test('LIMIT_EXCEEDED: 26 criteria (25 are fine)', async () => {
    const nest = (n: number): string => Array.from({ length: n - 1 }, (_, k) => k + 1).reduce((acc, k) => `(${acc} and Score != ${k})`, 'Score != 0');
    expect([200, 204]).toContain((await coql(c, `select Last_Name from Leads where ${nest(25)}`)).status);
    expect(await q(`select Last_Name from Leads where ${nest(26)}`)).toEqual({
      code: 'LIMIT_EXCEEDED', details: { by: 'criteria', limit: 25 }, message: expect.any(String),
    });
  });

  test('LIMIT_EXCEEDED: 501 columns (500 are fine)', async () => {
    const x = await own({ preset: 'tiny', sizes: { Leads: 3 }, minFields: 500 });
    const names = x.sb.dataset.fields('Leads').map((f) => f.api_name);
    expect(names.length).toBe(500);
    const five = await coql(x, `select ${names.join(', ')} from Leads where id is not null`);
    expect(five.status).toBe(200);
    expect(Object.keys(five.json.data[0])).toHaveLength(501);
    expect(await error(x, `select ${names.join(', ')}, id from Leads where id is not null`)).toEqual({
      code: 'LIMIT_EXCEEDED', details: { by: 'select_columns', limit: 500 }, message: expect.any(String),
    });
  });

  test('INVALID_MODULE: unknown, or not supported in the API', async () => {
    for (const m of ['No_Such_Module', 'Home']) {
      expect(await q(`select id from ${m} where id is not null`)).toEqual({
        code: 'INVALID_MODULE', details: {}, message: 'the given module is not supported in api',
      });
    }
  });

  test('INVALID_QUERY: an unknown column, named with the clause it is in', async () => {
    const bad = (clause: string) => ({ code: 'INVALID_QUERY', details: { column_name: 'Nope', clause }, message: 'column given seems to be invalid' });
    expect(await q('select Last_Name, Nope from Leads where id is not null')).toEqual(bad('select'));
    expect(await q("select Last_Name from Leads where Nope = 'x'")).toEqual(bad('where'));
    expect(await q('select Last_Name from Leads where id is not null order by Nope')).toEqual(bad('order by'));
  });

  test('INVALID_QUERY: a column COQL cannot read (subform), in select and in criteria', async () => {
    const x = await own({ preset: 'tiny', subforms: true });
    expect(await error(x, 'select Deal_Name, Line_Items from Deals where id is not null')).toEqual({
      code: 'INVALID_QUERY', details: { column_name: 'Line_Items' }, message: 'unsupported column',
    });
    expect(await error(x, 'select Deal_Name from Deals where Line_Items is not null')).toEqual({
      code: 'INVALID_QUERY',
      details: { cv_criteria: false, column_name: 'Line_Items', value: '${EMPTY}', operator: 'is not null' },
      message: 'unsupported column in criteria',
    });
  });

  test('INVALID_QUERY: an operator the column type does not take', async () => {
    expect(await q("select Last_Name from Leads where First_Name > 'a'")).toEqual({
      code: 'INVALID_QUERY', details: { reason: 'invalid operator found', column_name: 'First_Name', operator: '>' }, message: 'Invalid query formed',
    });
    expect(await q("select Last_Name from Leads where Owner <= '1'")).toMatchObject({ details: { column_name: 'Owner', operator: '<=' } });
  });

  test('INVALID_QUERY: a value the column cannot hold', async () => {
    expect(await q("select Last_Name from Leads where Modified_Time > 'yesterday'")).toEqual({
      code: 'INVALID_QUERY', details: { column_name: 'Modified_Time', value: 'yesterday' }, message: 'value given seems to be invalid for the column',
    });
    expect(await q("select Last_Name from Leads where id = 'abc'")).toMatchObject({ code: 'INVALID_QUERY', details: { column_name: 'id' } });
  });

  test('DUPLICATE_DATA: a column selected twice', async () => {
    expect(await q('select Last_Name, Last_Name from Leads where id is not null')).toEqual({
      code: 'DUPLICATE_DATA', details: { column_name: 'Last_Name' }, message: 'duplicate select column',
    });
  });

  test('MANDATORY_NOT_FOUND / INVALID_DATA: the request body', async () => {
    expect(await error(c, {})).toEqual({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'select_query' }, message: 'mandatory key not found' });
    expect(await error(c, { select_query: 5 })).toEqual({
      code: 'INVALID_DATA', details: { expected_data_type: 'text', api_name: 'select_query', json_path: '$.select_query' }, message: 'invalid data',
    });
    const query = 'select id from Leads where id is not null';
    expect(await error(c, { select_query: query, include_meta: 'fields' })).toEqual({
      code: 'INVALID_DATA', details: { expected_data_type: 'jsonarray', api_name: 'include_meta', json_path: '$.include_meta' }, message: 'invalid data',
    });
    expect(await error(c, { select_query: query, include_meta: ['layouts'] })).toEqual({
      code: 'INVALID_DATA', details: { api_name: 'include_meta', json_path: '$.include_meta[0]', supported_values: ['fields'] }, message: 'invalid data',
    });
  });
});
