// GET /crm/v8/{module}: the records list with every documented rule — fields required and ≤ 50,
// 200 per page, the page-number limit, page_token bound to its query, 204 when empty, 304 for
// If-Modified-Since with nothing newer, converted Leads and records awaiting approval left out by default.
//
// Choice: a list answer carries each requested field in full, plus every `$` key and the id — except
// rich-text fields, cut to LIST_RICH_TEXT_CHARS characters (whole in actions/fetch_full_data), and
// subform fields, left out (their rows are the subform module's records). The sandbox has no
// multi-select-lookup or multi-user-lookup fields.
import { resolveModule, type ApiContext } from './api-context.js';
import type { RecordQuery, SortBy, Tri } from './dataset.js';
import { fastTemplate } from './module-data.js';
import { bindingHash } from './page-token.js';
import { choiceParam, intParam, listParam, sinceHeader } from './params.js';
import { clientBug, errorReply, invalidParam, type Call, type Reply } from './reply.js';
import { isoWithOffset } from './time.js';

export const MAX_FIELDS = 50;
export const MAX_PER_PAGE = 200;
const SORTS: readonly SortBy[] = ['id', 'Created_Time', 'Modified_Time'];
const TRI: readonly Tri[] = ['true', 'false', 'both'];

export function listRecords(ctx: ApiContext, call: Call, moduleName: string): Reply {
  const found = resolveModule(ctx, moduleName, true);
  if ('reply' in found) return found.reply;
  const { m } = found;
  const q = call.query;

  const fields = listParam(q, 'fields');
  if (!fields) return clientBug(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'fields' });
  if (fields.length > MAX_FIELDS) {
    return clientBug(400, 'LIMIT_EXCEEDED', `you can request at most ${MAX_FIELDS} fields at a time`, { param_name: 'fields', limit: MAX_FIELDS });
  }
  const known = new Set(m.spec.fields.map((f) => f.api));
  const unknown = fields.find((f) => f !== 'id' && !known.has(f));
  if (unknown !== undefined) return clientBug(400, 'INVALID_DATA', `invalid field api name ${unknown}`, { param_name: 'fields', api_name: unknown });

  if (q.has('page') && q.has('page_token')) {
    return clientBug(400, 'AMBIGUITY_DURING_PROCESSING', 'page and page_token cannot be used together', { param_names: ['page', 'page_token'] });
  }
  const perPage = intParam(q, 'per_page', MAX_PER_PAGE, 1, MAX_PER_PAGE);
  if (!perPage.ok) return perPage.reply;
  const page = intParam(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  if (!page.ok) return page.reply;
  const sortBy = choiceParam(q, 'sort_by', SORTS, 'id');
  if (!sortBy.ok) return sortBy.reply;
  const sortOrder = choiceParam(q, 'sort_order', ['asc', 'desc'] as const, 'desc');
  if (!sortOrder.ok) return sortOrder.reply;
  const converted = choiceParam(q, 'converted', TRI, 'false');
  if (!converted.ok) return converted.reply;
  const approved = choiceParam(q, 'approved', TRI, 'true');
  if (!approved.ok) return approved.reply;
  const since = sinceHeader(call.headers);
  if (!since.ok) return since.reply;

  const size = perPage.value as number;
  const query: RecordQuery = { sortBy: sortBy.value, sortOrder: sortOrder.value, converted: converted.value, approved: approved.value, sinceS: since.value };
  const binding = bindingHash([m.spec.api, [...fields].sort(), query.sortBy, query.sortOrder, query.converted, query.approved, size, query.sinceS ?? null]);
  const now = ctx.now();

  let offset: number;
  let pageNo: number;
  const token = q.get('page_token');
  if (token !== null) {
    const body = ctx.pageTokens.read(token);
    if (!body) return invalidParam('page_token', 'a page_token this server issued');
    if (now - body.t >= ctx.limits.pageTokenTtlMs) return errorReply(400, 'EXPIRED_VALUE', 'the given page_token has expired', { param_name: 'page_token' });
    if (body.b !== binding) {
      return clientBug(400, 'TOKEN_BOUND_DATA_MISMATCH', 'the page_token belongs to a different query', { param_name: 'page_token' });
    }
    if (body.o >= ctx.limits.pageTokenLimit) {
      return errorReply(400, 'PAGINATION_LIMIT_EXCEEDED', `You can only get the first ${ctx.limits.pageTokenLimit} records using page_token`, {
        limit: ctx.limits.pageTokenLimit,
      });
    }
    offset = body.o;
    pageNo = Math.floor(offset / size) + 1;
  } else {
    pageNo = page.value as number;
    if (pageNo * size > ctx.limits.discretePageLimit) {
      return clientBug(
        400,
        'DISCRETE_PAGINATION_LIMIT_EXCEEDED',
        `You can only get the first ${ctx.limits.discretePageLimit} records without using page_token param`,
        { limit: ctx.limits.discretePageLimit },
      );
    }
    offset = (pageNo - 1) * size;
  }

  const view = ctx.dataset.recordView(m.spec.api, query);
  if (query.sinceS !== undefined && view.length === 0) return { status: 304, module: { api: m.spec.api, call: 'records' } };
  if (offset >= view.length) return { status: 204, module: { api: m.spec.api, call: 'records' } };

  const end = Math.min(view.length, offset + size);
  const wanted = new Set(fields);
  const order = m.spec.fields.map((f) => f.api).filter((f) => wanted.has(f));
  const data: Record<string, unknown>[] = new Array(end - offset);
  if (order.length === m.spec.fields.length) {
    // Every field asked for: the full record already has the answer's keys in the answer's order.
    for (let k = offset; k < end; k++) data[k - offset] = m.record(view.at(k));
  } else {
    let shape: Shape | undefined;
    for (let k = offset; k < end; k++) {
      const full = m.record(view.at(k));
      shape ??= shapeOf(order, full);
      data[k - offset] = project(full, shape);
    }
  }
  const rich = m.spec.fields.filter((f) => f.richText && wanted.has(f.api)).map((f) => f.api);
  if (rich.length > 0) for (let k = 0; k < data.length; k++) data[k] = cutRichText(data[k], rich);
  const more = end < view.length;
  return {
    status: 200,
    module: { api: m.spec.api, call: 'records', served: data.length },
    json: {
      data,
      info: {
        per_page: size,
        count: data.length,
        page: pageNo,
        more_records: more,
        next_page_token: more ? ctx.pageTokens.issue(binding, offset + size, now) : null,
        previous_page_token: offset > 0 ? ctx.pageTokens.issue(binding, Math.max(0, offset - size), now) : null,
        page_token_expiry: isoWithOffset(now + ctx.limits.pageTokenTtlMs, ctx.dataset.offset),
        sort_by: query.sortBy,
        sort_order: query.sortOrder,
      },
    },
  };
}

/** Characters of a rich-text value a list answer carries (the sandbox's reading; actions/fetch_full_data has the rest). */
export const LIST_RICH_TEXT_CHARS = 500;

export function cutRichText(record: Record<string, unknown>, rich: readonly string[]): Record<string, unknown> {
  const out = { ...record };
  for (const f of rich) {
    const v = out[f];
    if (typeof v === 'string' && v.length > LIST_RICH_TEXT_CHARS) out[f] = Array.from(v).slice(0, LIST_RICH_TEXT_CHARS).join('');
  }
  return out;
}

interface Shape {
  keys: string[];
  template: Record<string, null>;
}

/** The keys of a list answer's record: the requested fields in metadata order, every `$` key, the id. */
function shapeOf(order: readonly string[], sample: Record<string, unknown>): Shape {
  const keys = [...order, ...Object.keys(sample).filter((k) => k.charCodeAt(0) === 36 /* $ */), 'id'];
  return { keys, template: fastTemplate(keys) };
}

function project(full: Record<string, unknown>, shape: Shape): Record<string, unknown> {
  const out: Record<string, unknown> = { ...shape.template };
  for (const k of shape.keys) out[k] = full[k];
  return out;
}

/** The count as a string, as Zoho's published v8 description types it (test/fixtures/zoho-v8/count-*.json). */
export function countRecords(ctx: ApiContext, call: Call, moduleName: string): Reply {
  const found = resolveModule(ctx, moduleName, true);
  if ('reply' in found) return found.reply;
  const converted = choiceParam(call.query, 'converted', TRI, 'false');
  if (!converted.ok) return converted.reply;
  const approved = choiceParam(call.query, 'approved', TRI, 'true');
  if (!approved.ok) return approved.reply;
  const api = found.m.spec.api;
  const view = ctx.dataset.recordView(api, { sortBy: 'id', sortOrder: 'asc', converted: converted.value, approved: approved.value });
  return { status: 200, json: { count: String(view.length) }, module: { api, call: 'count' } };
}
