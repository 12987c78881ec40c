// POST /crm/v8/coql: runs a parsed COQL query (coql-parse.ts) against the dataset the records lists
// serve. Checks the query against the catalogue (unknown module, unknown or unreadable columns,
// operators a column's type does not take), filters and orders live records, and answers rows of the
// selected columns plus id, valued as list answers value them except that lookups and owners are
// {"id"} only. Error bodies are Zoho's documented ones (zoho/crm-oas v8.0/coql; docs/sandbox.md).
//
// Choices where Zoho is silent (docs/sandbox.md, "COQL"): every live record is queried (converted Leads
// and records awaiting approval included: COQL has no converted/approved parameters); ties and a query
// without ORDER BY are ordered by id ascending; nulls sort first ascending, last descending; null
// matches only "is null"; text compares by UTF-16 code units; rich text is cut as in list answers.
import { resolveModule, type ApiContext } from './api-context.js';
import type { FieldSpec } from './catalog.js';
import { parseCoql, type CoqlError, type CoqlQuery, isJunction, type Criterion, type Expr, type Literal, type OrderKey } from './coql-parse.js';
import type { SortBy } from './dataset.js';
import type { ModuleData } from './module-data.js';
import { cutRichText } from './records-handler.js';
import { clientBug, type Call, type Reply } from './reply.js';
import { parseInstant } from './time.js';
import type { View } from './views.js';

/** Data types COQL cannot read (reference §6); only subform exists in the sandbox's catalogue. */
const UNREADABLE = new Set(['subform', 'multiselectlookup', 'fileupload', 'imageupload']);

/** How a column's values compare: decides the operators it takes and how literals are read. */
type Kind = 'id' | 'instant' | 'number' | 'date' | 'text' | 'bool' | 'ref' | 'list';
type Value = string | number | boolean | null;

interface Column {
  api: string;
  kind: Kind;
  field?: FieldSpec;
  /** The value to compare, read from the row (fast for id, Created_Time, Modified_Time). */
  get(row: Row): Value;
}

/** One record during filtering and ordering: built only when a column needs more than its index. */
class Row {
  private full: Record<string, unknown> | undefined;

  constructor(readonly m: ModuleData, readonly i: number) {}

  record(): Record<string, unknown> {
    return (this.full ??= this.m.record(this.i));
  }
}

const KIND_OF: Record<string, Kind> = {
  datetime: 'instant', integer: 'number', double: 'number', percent: 'number', currency: 'number', bigint: 'number', date: 'date',
  boolean: 'bool', lookup: 'ref', ownerlookup: 'ref', userlookup: 'ref', multiselectpicklist: 'list',
};
const RANGE_KINDS: ReadonlySet<Kind> = new Set(['id', 'instant', 'number', 'date']);
const SORT_KINDS: ReadonlySet<Kind> = new Set(['id', 'instant', 'number', 'date', 'text', 'bool']);

const toSeconds = (v: unknown): Value => {
  if (typeof v !== 'string') return null;
  const ms = parseInstant(v);
  return ms === undefined ? null : Math.floor(ms / 1000);
};

function makeColumn(m: ModuleData, api: string): Column | undefined {
  if (api.toLowerCase() === 'id') return { api: 'id', kind: 'id', get: (r) => m.id(r.i) };
  const field = m.spec.fields.find((f) => f.api === api) ?? m.spec.fields.find((f) => f.api.toLowerCase() === api.toLowerCase());
  if (!field) return undefined;
  const kind = KIND_OF[field.type] ?? 'text';
  const name = field.api;
  if (name === 'Modified_Time') return { api: name, kind, field, get: (r) => m.modifiedS(r.i) };
  if (name === 'Created_Time') return { api: name, kind, field, get: (r) => m.createdS(r.i) };
  const read = (r: Row): unknown => r.record()[name];
  switch (kind) {
    case 'instant': return { api: name, kind, field, get: (r) => toSeconds(read(r)) };
    case 'ref': return { api: name, kind, field, get: (r) => ((read(r) as { id?: string } | null)?.id ?? null) };
    default: return { api: name, kind, field, get: (r) => (read(r) ?? null) as Value };
  }
}

// ---- errors, each a body crm-oas documents (file names in docs/sandbox.md)

const bug = (e: CoqlError): Reply => clientBug(400, e.code, e.message, e.details);
const invalidColumn = (column: string, clause: string): Reply =>
  clientBug(400, 'INVALID_QUERY', 'column given seems to be invalid', { column_name: column, clause });
const unsupportedColumn = (column: string): Reply => clientBug(400, 'INVALID_QUERY', 'unsupported column', { column_name: column });
const invalidOperator = (column: string, operator: string): Reply =>
  clientBug(400, 'INVALID_QUERY', 'Invalid query formed', { reason: 'invalid operator found', column_name: column, operator });
const invalidValue = (column: string, value: string): Reply =>
  clientBug(400, 'INVALID_QUERY', 'value given seems to be invalid for the column', { column_name: column, value });

type Checked<T> = { ok: true; value: T } | { ok: false; reply: Reply };
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const no = <T>(reply: Reply): Checked<T> => ({ ok: false, reply });

// ---- the request body

function readQueryText(body: string | undefined): Checked<{ text: string; meta: boolean }> {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return no(clientBug(400, 'INVALID_DATA', 'the request body is not a JSON object', { expected_data_type: 'jsonobject' }));
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return no(clientBug(400, 'INVALID_DATA', 'the request body is not a JSON object', { expected_data_type: 'jsonobject' }));
  }
  const o = json as Record<string, unknown>;
  if (o.select_query === undefined) return no(clientBug(400, 'MANDATORY_NOT_FOUND', 'mandatory key not found', { api_name: 'select_query' }));
  if (typeof o.select_query !== 'string') {
    return no(clientBug(400, 'INVALID_DATA', 'invalid data', { expected_data_type: 'text', api_name: 'select_query', json_path: '$.select_query' }));
  }
  const meta = o.include_meta;
  if (meta !== undefined) {
    if (!Array.isArray(meta)) {
      return no(clientBug(400, 'INVALID_DATA', 'invalid data', { expected_data_type: 'jsonarray', api_name: 'include_meta', json_path: '$.include_meta' }));
    }
    const bad = meta.findIndex((v) => v !== 'fields');
    if (bad >= 0 || meta.length !== 1) {
      const at = Math.max(0, bad);
      return no(clientBug(400, 'INVALID_DATA', 'invalid data', { api_name: 'include_meta', json_path: `$.include_meta[${at}]`, supported_values: ['fields'] }));
    }
  }
  return ok({ text: o.select_query, meta: meta !== undefined });
}

// ---- checking the query against the module

function selectColumns(m: ModuleData, names: readonly string[]): Checked<Column[]> {
  const out: Column[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const col = makeColumn(m, name);
    if (!col) return no(invalidColumn(name, 'select'));
    if (col.field && UNREADABLE.has(col.field.type)) return no(unsupportedColumn(col.api));
    if (seen.has(col.api)) return no(clientBug(400, 'DUPLICATE_DATA', 'duplicate select column', { column_name: col.api }));
    seen.add(col.api);
    out.push(col);
  }
  return ok(out);
}

type Test = (row: Row) => boolean;

/** A literal read as the column's kind, or undefined when it cannot be one. */
function literalValue(kind: Kind, lit: Literal): Value | undefined {
  switch (kind) {
    case 'id':
    case 'ref':
      return lit.kind !== 'bool' && /^\d+$/.test(lit.text) ? lit.text : undefined;
    case 'instant': {
      if (lit.kind !== 'string') return undefined;
      const ms = parseInstant(lit.text);
      return ms === undefined ? undefined : Math.floor(ms / 1000);
    }
    case 'number':
      return lit.kind !== 'bool' && /^-?\d+(\.\d+)?$/.test(lit.text) ? Number(lit.text) : undefined;
    case 'date':
      return lit.kind === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(lit.text) ? lit.text : undefined;
    case 'bool':
      if (lit.kind === 'bool') return lit.value;
      return lit.text === 'true' ? true : lit.text === 'false' ? false : undefined;
    default:
      return lit.kind === 'bool' ? lit.text.toLowerCase() : lit.text;
  }
}

/** Orders two non-null values of one kind; ids by length then digits (numeric order). */
function compareValues(kind: Kind, a: Value, b: Value): number {
  if (kind === 'id' || kind === 'ref') {
    const x = a as string;
    const y = b as string;
    return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
  }
  if (kind === 'bool') return Number(a) - Number(b);
  return (a as string | number) < (b as string | number) ? -1 : (a as string | number) > (b as string | number) ? 1 : 0;
}

function criterionTest(m: ModuleData, c: Criterion): Checked<Test> {
  const col = makeColumn(m, c.column);
  if (!col) return no(invalidColumn(c.column, 'where'));
  const operator = c.kind === 'compare' ? c.op : c.kind === 'in' ? 'in' : c.negated ? 'is not null' : 'is null';
  if ((col.field && UNREADABLE.has(col.field.type)) || col.kind === 'list') {
    const value = c.kind === 'compare' ? c.value.text : c.kind === 'in' ? c.values.map((v) => v.text).join(',') : '${EMPTY}';
    return no(clientBug(400, 'INVALID_QUERY', 'unsupported column in criteria', { cv_criteria: false, column_name: col.api, value, operator }));
  }
  if (c.kind === 'null') return ok(c.negated ? (r) => col.get(r) !== null : (r) => col.get(r) === null);
  const lits = c.kind === 'in' ? c.values : [c.value];
  const values: Value[] = [];
  for (const lit of lits) {
    const v = literalValue(col.kind, lit);
    if (v === undefined) return no(invalidValue(col.api, lit.text));
    values.push(v);
  }
  if (c.kind === 'in') {
    return ok((r) => {
      const v = col.get(r);
      return v !== null && values.some((w) => compareValues(col.kind, v, w) === 0);
    });
  }
  if (c.op !== '=' && c.op !== '!=' && !RANGE_KINDS.has(col.kind)) return no(invalidOperator(col.api, c.op));
  const want = values[0];
  const holds = OPS[c.op];
  // SQL's three-valued logic: a null value satisfies no comparison, "!=" included.
  return ok((r) => {
    const v = col.get(r);
    return v !== null && holds(compareValues(col.kind, v, want));
  });
}

const OPS: Record<string, (cmp: number) => boolean> = {
  '=': (x) => x === 0, '!=': (x) => x !== 0, '>': (x) => x > 0, '>=': (x) => x >= 0, '<': (x) => x < 0, '<=': (x) => x <= 0,
};

function compileWhere(m: ModuleData, e: Expr): Checked<Test> {
  if (!isJunction(e)) return criterionTest(m, e);
  const left = compileWhere(m, e.left);
  if (!left.ok) return left;
  const right = compileWhere(m, e.right);
  if (!right.ok) return right;
  const [l, r] = [left.value, right.value];
  return ok(e.kind === 'and' ? (row) => l(row) && r(row) : (row) => l(row) || r(row));
}

interface SortKey {
  col: Column;
  desc: boolean;
}

function sortKeys(m: ModuleData, keys: readonly OrderKey[]): Checked<SortKey[]> {
  const out: SortKey[] = [];
  for (const k of keys) {
    const col = makeColumn(m, k.column);
    if (!col) return no(invalidColumn(k.column, 'order by'));
    if (!SORT_KINDS.has(col.kind) || (col.field && UNREADABLE.has(col.field.type))) {
      return no(clientBug(400, 'INVALID_QUERY', 'unsupported column', { column_name: col.api, clause: 'order by' }));
    }
    out.push({ col, desc: k.desc });
  }
  return ok(out);
}

// ---- running it

interface Presorted {
  view: View;
  /** The column the view ascends by, when it does: the scan may start at the criteria's lower bound. */
  ascending?: Column;
}

/**
 * A dataset view already in the query's order (id ascending breaking ties), when there is one: then
 * the scan can stop once offset + limit + 1 rows matched. Otherwise undefined: match all, then sort.
 */
function presorted(ctx: ApiContext, m: ModuleData, keys: readonly SortKey[]): Presorted | undefined {
  const view = (sortBy: SortBy, sortOrder: 'asc' | 'desc'): View =>
    ctx.dataset.recordView(m.spec.api, { sortBy, sortOrder, converted: 'both', approved: 'both' });
  const [first, second] = keys;
  if (keys.length === 0) return { view: view('id', 'asc'), ascending: makeColumn(m, 'id') };
  if (first.col.kind === 'id' && keys.length === 1) return first.desc ? { view: view('id', 'desc') } : { view: view('id', 'asc'), ascending: first.col };
  const time = first.col.api === 'Modified_Time' || first.col.api === 'Created_Time' ? first.col.api : undefined;
  const idAscAfter = keys.length === 1 || (keys.length === 2 && second.col.kind === 'id' && !second.desc);
  if (time && !first.desc && idAscAfter) return { view: view(time, 'asc'), ascending: first.col };
  return undefined;
}

/**
 * A value every match's `col` must reach, when the criteria imply one (`col > v`, `col >= v`, `col = v`
 * under and/or): a keyset query's scan then starts there instead of at the view's beginning.
 */
function lowerBound(m: ModuleData, e: Expr, col: Column): Value | undefined {
  if (isJunction(e)) {
    const l = lowerBound(m, e.left, col);
    const r = lowerBound(m, e.right, col);
    if (e.kind === 'or') return l === undefined || r === undefined ? undefined : compareValues(col.kind, l, r) <= 0 ? l : r;
    if (l === undefined || r === undefined) return l ?? r;
    return compareValues(col.kind, l, r) >= 0 ? l : r;
  }
  if (e.kind !== 'compare' || (e.op !== '>' && e.op !== '>=' && e.op !== '=')) return undefined;
  if (makeColumn(m, e.column)?.api !== col.api) return undefined;
  const v = literalValue(col.kind, e.value);
  return v === undefined || v === null ? undefined : v;
}

/** The first position of an ascending view whose `col` value is ≥ `bound` (binary search). */
function firstAtLeast(m: ModuleData, view: View, col: Column, bound: Value): number {
  let lo = 0;
  let hi = view.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = col.get(new Row(m, view.at(mid)));
    if (v !== null && compareValues(col.kind, v, bound) >= 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Nulls first ascending, last descending; ties by id ascending (record indices grow with ids). */
function ordered(m: ModuleData, matches: number[], keys: readonly SortKey[]): number[] {
  const rows = matches.map((i) => new Row(m, i));
  const values = keys.map(({ col }) => rows.map((r) => col.get(r)));
  const pos = matches.map((_, k) => k);
  pos.sort((a, b) => {
    for (let s = 0; s < keys.length; s++) {
      const { col, desc } = keys[s];
      const x = values[s][a];
      const y = values[s][b];
      if (x === y) continue;
      const c = x === null ? -1 : y === null ? 1 : compareValues(col.kind, x, y);
      if (c !== 0) return desc ? -c : c;
    }
    return matches[a] - matches[b];
  });
  return pos.map((k) => matches[k]);
}

interface Found {
  /** Record indices of the page, in order. */
  page: number[];
  more: boolean;
}

function run(ctx: ApiContext, m: ModuleData, q: CoqlQuery, test: Test, keys: readonly SortKey[]): Found {
  const want = q.offset + q.limit;
  const fast = presorted(ctx, m, keys);
  if (fast) {
    const { view, ascending } = fast;
    const bound = ascending && lowerBound(m, q.where, ascending);
    const hits: number[] = [];
    for (let k = ascending && bound !== undefined ? firstAtLeast(m, view, ascending, bound) : 0; k < view.length && hits.length <= want; k++) {
      const i = view.at(k);
      if (test(new Row(m, i))) hits.push(i);
    }
    return { page: hits.slice(q.offset, want), more: hits.length > want };
  }
  const all = ctx.dataset.recordView(m.spec.api, { sortBy: 'id', sortOrder: 'asc', converted: 'both', approved: 'both' });
  const matches: number[] = [];
  for (let k = 0; k < all.length; k++) if (test(new Row(m, all.at(k)))) matches.push(all.at(k));
  const sorted = ordered(m, matches, keys);
  return { page: sorted.slice(q.offset, want), more: sorted.length > want };
}

/** A row as COQL answers it: the selected columns in order, then id; lookups and owners as {"id"}. */
function answerRow(m: ModuleData, i: number, cols: readonly Column[], rich: readonly string[]): Record<string, unknown> {
  const full = rich.length > 0 ? cutRichText(m.record(i), rich) : m.record(i);
  const row: Record<string, unknown> = {};
  for (const col of cols) {
    const v = full[col.api];
    row[col.api] = col.kind === 'ref' && v !== null && typeof v === 'object' ? { id: (v as { id: string }).id } : v;
  }
  if (!('id' in row)) row.id = full.id;
  return row;
}

/** Credits by LIMIT (reference §8): 1 up to 200, 2 up to 1,000, 3 up to 2,000. */
export const coqlCredits = (limit: number): number => (limit <= 200 ? 1 : limit <= 1000 ? 2 : 3);

export function executeCoql(ctx: ApiContext, call: Call): Reply {
  const body = readQueryText(call.body);
  if (!body.ok) return body.reply;
  const parsed = parseCoql(body.value.text);
  if (!parsed.ok) return bug(parsed.error);
  const q = parsed.query;
  const found = resolveModule(ctx, q.module, true);
  if ('reply' in found) {
    if (found.reply.status !== 400) return found.reply;
    return clientBug(400, 'INVALID_MODULE', 'the given module is not supported in api');
  }
  const { m } = found;
  const cols = selectColumns(m, q.columns);
  if (!cols.ok) return cols.reply;
  const test = compileWhere(m, q.where);
  if (!test.ok) return test.reply;
  const keys = sortKeys(m, q.orderBy);
  if (!keys.ok) return keys.reply;

  const hits = run(ctx, m, q, test.value, keys.value);
  // An answer cut below its LIMIT says more_records, and is priced by its LIMIT still.
  const cut = hits.page.length > ctx.limits.coqlRowsPerAnswer;
  const page = cut ? hits.page.slice(0, ctx.limits.coqlRowsPerAnswer) : hits.page;
  const more = cut || hits.more;
  const credits = coqlCredits(q.limit);
  const accounting = { api: m.spec.api, call: 'coql' as const, served: page.length };
  if (page.length === 0) return { status: 204, credits, module: accounting };
  const rich = cols.value.filter((c) => c.field?.richText).map((c) => c.api);
  const data = page.map((i) => answerRow(m, i, cols.value, rich));
  const json: Record<string, unknown> = { data };
  if (body.value.meta) json.fields = fieldsMetaOf(ctx, m, cols.value);
  json.info = { count: data.length, more_records: more };
  return { status: 200, json, credits, module: accounting };
}

/** include_meta ["fields"]: each selected field's metadata as GET /settings/fields gives it. */
function fieldsMetaOf(ctx: ApiContext, m: ModuleData, cols: readonly Column[]): Record<string, unknown> {
  const meta = ctx.dataset.fields(m.spec.api);
  const out: Record<string, unknown> = {};
  for (const col of cols) {
    const f = meta.find((x) => x.api_name === col.api);
    if (f) out[col.api] = f;
  }
  return out;
}
