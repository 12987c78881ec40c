// The COQL read path (ZOHO_READ_PATH=coql), as pure functions: which fields COQL can read, the
// query of each page, its price, the answer's shape and what a refused query means.
//
// Paging is by keyset, never by OFFSET (Zoho's OFFSET stops at 100,000 rows): every query is ordered
// by (Modified_Time, id) ascending and the next one asks for what comes after the last row's pair,
//   (Modified_Time > 'T' or (Modified_Time = 'T' and id > 'X'))
// so rows that share a second are neither skipped nor repeated, however many share it. Zoho wants
// criteria grouped in pairs ("((A and B) and C)", Kaizen #171), which this form is.
//
// What COQL answers differs from GET records (Zoho's COQL documentation, crm-oas v8.0/coql): no `$`
// keys, lookups and owners as {"id"} only, and fields of some types are not selectable at all. The
// README's "Read paths" section lists the differences; test/zoho/coql-crawl.test.ts proves them.
import { z } from 'zod';
import { ZohoApiError } from './errors.js';
import { ChainError } from './records-chain.js';
import { API_PREFIX, formatIfModifiedSince, type ApiCall } from './requests.js';

/** Most rows one COQL call may return (LIMIT), and most columns one SELECT may name (v7+, reference §6). */
export const COQL_MAX_ROWS = 2000;
export const COQL_MAX_FIELDS = 500;

/** Field types COQL cannot select (reference §6; Zoho's COQL limitations). */
export const COQL_UNREADABLE_TYPES: ReadonlySet<string> = new Set(['subform', 'multiselectlookup', 'fileupload', 'imageupload']);

/** COQL's price of one call by its LIMIT (reference §8): 1 up to 200 rows, 2 up to 1,000, 3 up to 2,000. */
export function coqlCallCredits(limit: number): number {
  return limit <= 200 ? 1 : limit <= 1000 ? 2 : 3;
}

/**
 * The LIMIT of the next call, from what is still needed: the cap's rest and the count's rest (the
 * smaller of them, undefined when neither is known). Asking for no more than is needed stops the
 * chain on its last call (more_records false) and costs fewer credits. A need of 0 or less (the count
 * said all were read, Zoho said more) asks the cheapest LIMIT: records were added meanwhile.
 */
export function nextCoqlLimit(need: number | undefined): number {
  if (need === undefined) return COQL_MAX_ROWS;
  if (need <= 0) return 200;
  return Math.min(COQL_MAX_ROWS, need);
}

/**
 * Calls and credits of reading `rows` records by COQL, call by call as the chain does it
 * (nextCoqlLimit): the one formula the plan and the crawl share. An empty module costs its one call.
 */
export function coqlCost(rows: number): { requests: number; credits: number } {
  let requests = 0;
  let credits = 0;
  let read = 0;
  for (;;) {
    const limit = nextCoqlLimit(rows - read);
    requests++;
    credits += coqlCallCredits(limit);
    read += Math.min(limit, Math.max(0, rows - read));
    if (read >= rows) return { requests, credits };
  }
}

/** Rows per page of the COQL chain (what the rich-text completion, 200 ids a call, is sized by). */
export function coqlPages(rows: number): number[] {
  const pages: number[] = [];
  let read = 0;
  do {
    const got = Math.min(nextCoqlLimit(rows - read), Math.max(0, rows - read));
    pages.push(got);
    read += got;
  } while (read < rows);
  return pages;
}

/**
 * Why ZOHO_READ_PATH=auto reads every module by records: the cheapest path that gives the same lines is
 * records wherever a records line holds what COQL cannot give, and every one does.
 */
export const AUTO_READ_PATH_REASON =
  'auto keeps the lines of the records path, and COQL cannot give their $-keys ($approval_state, $editable, …) ' +
  'or named owners (Owner, Created_By, Modified_By), which every records answer holds';

/** Whether and how a module can be read by COQL: its SELECT list, or why it stays on the records path. */
export type CoqlPlan = { fields: string[] } | { reason: string };

/**
 * The COQL-readable fields of a module in field-metadata order (listed once, `id` left to the end of
 * the SELECT), or why the module is read by GET records instead: a field name a query cannot hold,
 * no Modified_Time (the keyset needs it) or more than 500 columns with id (one SELECT cannot name
 * them; two would have to be merged by id on pages that need not hold the same records).
 */
export function coqlPlanOf(fields: ReadonlyArray<{ api_name: string; data_type: string }>): CoqlPlan {
  const seen = new Set<string>(['id']);
  const names: string[] = [];
  for (const f of fields) {
    if (seen.has(f.api_name) || COQL_UNREADABLE_TYPES.has(f.data_type)) continue;
    seen.add(f.api_name);
    names.push(f.api_name);
  }
  // A name a query could not hold as it is (quotes, spaces, …) would change the query: Zoho's api names are plain words.
  const odd = names.find((n) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(n));
  if (odd !== undefined) return { reason: `field ${JSON.stringify(odd)} has an api name a COQL query cannot name (expected letters, digits and _)` };
  if (!names.includes('Modified_Time')) return { reason: 'no Modified_Time field, which COQL paging (by Modified_Time, then id) needs' };
  if (names.length + 1 > COQL_MAX_FIELDS) {
    return { reason: `${names.length + 1} COQL-readable fields with id, more than the ${COQL_MAX_FIELDS} one COQL SELECT may name` };
  }
  return { fields: names };
}

/** A place in (Modified_Time, id) order: the last row read. `at` is epoch ms. */
export interface Keyset extends Record<string, unknown> {
  at: number;
  id: string;
}

export interface CoqlQuery {
  module: string;
  /** SELECT list without id (coqlPlanOf). */
  fields: readonly string[];
  /** Only records modified strictly after this instant (ISO): ZOHO_LAST_MODIFIED_TIME or the incremental bookmark. */
  since?: string;
  /** Only records after this place; absent on the chain's first page. */
  after?: Keyset;
  /** A range chain's part of the module's time (epoch ms, whole seconds): start inclusive, end exclusive. */
  range?: { start: number; end: number };
  /** The newest records first: the descending page that bounds a read in ranges. */
  newestFirst?: boolean;
  limit: number;
}

/** A datetime literal as COQL takes it: ISO 8601 to the second with an offset (Modified_Time is kept to the second). */
const literal = (ms: number): string => `'${formatIfModifiedSince(new Date(ms))}'`;

/** Ids are numeric strings; anything else could not come from Zoho and must not reach a query. */
function idLiteral(id: string): string {
  if (!/^\d+$/.test(id)) throw new Error(`COQL keyset: id ${JSON.stringify(id)} is not a numeric string`);
  return `'${id}'`;
}

/**
 * The WHERE criterion of a page. The first page selects all (`id is not null`, Zoho's own idiom for
 * "every record"), or what changed after `since`, strictly as If-Modified-Since does on the records
 * path, so both paths read the same set. After a row only the keyset: every row after it was
 * modified after `since` too, as the first page's rows were. A range chain adds its range, whose
 * start is past `since` (the ranges start at the oldest record read). Criteria are joined in pairs,
 * as Zoho wants them: ((A and B) and C).
 */
export function coqlWhere(q: Pick<CoqlQuery, 'since' | 'after' | 'range'>): string {
  const criteria: string[] = [];
  if (q.range) criteria.push(`Modified_Time >= ${literal(q.range.start)}`, `Modified_Time < ${literal(q.range.end)}`);
  if (q.after) {
    const t = literal(q.after.at);
    criteria.push(`(Modified_Time > ${t} or (Modified_Time = ${t} and id > ${idLiteral(q.after.id)}))`);
  } else if (q.since !== undefined && !q.range) {
    criteria.push(`Modified_Time > ${literal(Date.parse(q.since))}`);
  }
  if (criteria.length === 0) return 'id is not null';
  return criteria.reduce((joined, c) => `(${joined} and ${c})`);
}

/**
 * SQL's reserved words (SQL:2016). A field named like one (`External`, `Date`, `Position`, …) must be
 * quoted in a COQL SELECT, or Zoho answers 400 SYNTAX_ERROR (Zoho's COQL FAQ, Kaizen #171).
 */
const SQL_RESERVED: ReadonlySet<string> = new Set(
  (
    'abs all allocate alter and any are array as asensitive asymmetric at atomic authorization avg begin between bigint binary blob ' +
    'boolean both by call called cardinality cascaded case cast ceil ceiling char character check clob close coalesce collate collect ' +
    'column commit condition connect constraint convert corr corresponding count covar_pop covar_samp create cross cube cume_dist ' +
    'current cursor cycle date day deallocate dec decimal declare default delete dense_rank deref describe deterministic disconnect ' +
    'distinct double drop dynamic each element else end escape every except exec execute exists exp external extract false fetch ' +
    'filter float floor for foreign free from full function fusion get global grant group grouping having hold hour identity in ' +
    'indicator inner inout insensitive insert int integer intersect intersection interval into is join language large lateral ' +
    'leading left like limit ln local localtime localtimestamp lower match max member merge method min minute mod modifies module ' +
    'month multiset national natural nchar nclob new no none normalize not null nullif numeric octet_length of offset old on only ' +
    'open or order out outer over overlaps overlay parameter partition percent_rank percentile_cont percentile_disc position power ' +
    'precision prepare primary procedure range rank reads real recursive ref references referencing release result return returns ' +
    'revoke right rollback rollup row row_number rows savepoint scope scroll search second select sensitive session_user set similar ' +
    'smallint some specific specifictype sql sqlexception sqlstate sqlwarning sqrt start static stddev_pop stddev_samp submultiset ' +
    'substring sum symmetric system system_user table tablesample then time timestamp timezone_hour timezone_minute to trailing ' +
    'translate translation treat trigger trim true uescape union unique unknown unnest update upper user using value values var_pop ' +
    'var_samp varchar varying when whenever where width_bucket window with within without year asc desc'
  ).split(' '),
);

/** A field as a SELECT names it: quoted when its api name is an SQL reserved word. */
export const coqlColumn = (apiName: string): string => (SQL_RESERVED.has(apiName.toLowerCase()) ? `'${apiName}'` : apiName);

export function coqlQuery(q: CoqlQuery): string {
  if (q.limit < 1 || q.limit > COQL_MAX_ROWS) throw new Error(`coqlQuery: limit ${q.limit}; expected 1 to ${COQL_MAX_ROWS}`);
  const select = [...q.fields.map(coqlColumn), 'id'];
  if (select.length > COQL_MAX_FIELDS) throw new Error(`coqlQuery: ${select.length} columns; expected at most ${COQL_MAX_FIELDS}`);
  const order = q.newestFirst ? 'Modified_Time desc, id desc' : 'Modified_Time asc, id asc';
  return `select ${select.join(', ')} from ${q.module} where ${coqlWhere(q)} order by ${order} limit ${q.limit}`;
}

/** POST /crm/v8/coql: a "complex" call (reference §8), priced by its LIMIT. */
export function coqlCall(q: CoqlQuery): ApiCall {
  const query = coqlQuery(q);
  return {
    path: `${API_PREFIX}/coql`,
    endpoint: `POST /coql (${q.module})`,
    method: 'POST',
    body: JSON.stringify({ select_query: query }),
    credits: coqlCallCredits(q.limit),
    module: q.module,
  };
}

/**
 * A COQL answer (crm-oas executeCOQLQuery, 200): the rows, and `info.count` / `info.more_records`,
 * which Zoho always sends. Rows are any objects with a string id; 204 (no rows) never gets here.
 */
const rowSchema = z.looseObject({ id: z.string().regex(/^\d+$/, 'expected a numeric string id') });
export const coqlAnswerSchema = z.object({
  data: z.array(rowSchema),
  info: z.looseObject({ count: z.number().int().nonnegative(), more_records: z.boolean() }),
});
export type CoqlRow = z.infer<typeof rowSchema>;

/** A row's place in (Modified_Time, id) order; a row without a readable Modified_Time cannot be paged past. */
export function keysetOf(row: CoqlRow): Keyset {
  const at = typeof row.Modified_Time === 'string' ? Date.parse(row.Modified_Time) : Number.NaN;
  if (Number.isNaN(at)) throw new ChainError(`record ${row.id} has no readable Modified_Time; COQL cannot page past it`);
  return { at: Math.floor(at / 1000) * 1000, id: row.id };
}

/** Whether `a` comes after `b` in (Modified_Time, id) order (ids compared as numbers). */
export function isAfter(a: Keyset, b: Keyset): boolean {
  return a.at !== b.at ? a.at > b.at : BigInt(a.id) > BigInt(b.id);
}

/** A row as its line holds it (coqlRecord). */
export type CoqlRecord = Record<string, unknown> & { id: string };

/** A row as its line holds it: the SELECT's fields in field-metadata order, then id (then anything else Zoho added). */
export function coqlRecord(row: CoqlRow, fields: readonly string[]): CoqlRecord {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in row) out[f] = row[f];
  out.id = row.id;
  for (const [k, v] of Object.entries(row)) if (!(k in out)) out[k] = v;
  return out as CoqlRecord;
}

/** The 400 codes of a query Zoho could not run (crm-oas executeCOQLQuery): the query is at fault, not the org. */
const QUERY_CODES = new Set(['SYNTAX_ERROR', 'INVALID_QUERY', 'LIMIT_EXCEEDED', 'INVALID_MODULE', 'INVALID_DATA', 'DUPLICATE_DATA', 'INVALID_ALIAS']);

/**
 * A refused query as one line naming the module, Zoho's code and message, the part of the query at
 * fault (Zoho's `details`: column_name, near, clause, limit, …) and the query past its SELECT list
 * (which may name 500 fields). A query holds field names, times and ids only: never a token.
 * Undefined for other errors, which keep their meaning (429, 401, 5xx are the client's).
 */
export function coqlQueryError(error: unknown, q: CoqlQuery): ZohoApiError | undefined {
  if (!(error instanceof ZohoApiError) || error.status !== 400 || !QUERY_CODES.has(error.code)) return undefined;
  const details = Object.entries(error.details ?? {})
    .map(([k, v]) => `${k} ${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v)}`)
    .join(', ');
  const query = coqlQuery(q);
  const tail = query.slice(query.indexOf(` from ${q.module} `) + 1);
  const hint =
    error.code === 'INVALID_MODULE'
      ? `; COQL cannot read ${q.module}: read it with ZOHO_READ_PATH=records`
      : '; a query the crawler built was refused: please report it with this line';
  const failed = new ZohoApiError(error.status, error.code, error.apiMessage, error.where, error.details, error.creditsRemaining);
  failed.message =
    `${q.module}: COQL query refused: HTTP ${error.status} ${error.code}${error.apiMessage ? ` (${error.apiMessage})` : ''}` +
    `${details ? `; at ${details}` : ''}; query: select <${q.fields.length + 1} columns> ${tail}${hint}`;
  return failed;
}
