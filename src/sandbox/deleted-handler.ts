// GET /crm/v8/{module}/deleted: newest first, page numbers only (no page_token, no page limit),
// `type` all | recycle | permanent, If-Modified-Since on deleted_time.
import { resolveModule, type ApiContext } from './api-context.js';
import type { DeletedQuery } from './dataset.js';
import { intParam, sinceHeader } from './params.js';
import { clientBug, type Call, type Reply } from './reply.js';
import { MAX_PER_PAGE } from './records-handler.js';

const TYPES: readonly DeletedQuery['type'][] = ['all', 'recycle', 'permanent'];
/** Zoho's published cost of one deleted-records call. */
export const DELETED_CREDITS = 2;

export function listDeleted(ctx: ApiContext, call: Call, moduleName: string): Reply {
  const found = resolveModule(ctx, moduleName, true);
  if ('reply' in found) return found.reply;
  const { m } = found;
  const q = call.query;
  const rawType = q.get('type') ?? 'all';
  const type = TYPES.find((t) => t === rawType);
  if (type === undefined) {
    return clientBug(400, 'PATTERN_NOT_MATCHED', 'Please check whether the input values are correct', { param_name: 'type', expected: TYPES.join('|') });
  }
  const perPage = intParam(q, 'per_page', MAX_PER_PAGE, 1, MAX_PER_PAGE);
  if (!perPage.ok) return perPage.reply;
  const page = intParam(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  if (!page.ok) return page.reply;
  const since = sinceHeader(call.headers);
  if (!since.ok) return since.reply;

  const size = perPage.value as number;
  const pageNo = page.value as number;
  const accounting = { api: m.spec.api, call: 'deleted' as const };
  const view = ctx.dataset.deletedView(m, { type, sinceS: since.value });
  if (since.value !== undefined && view.length === 0) return { status: 304, credits: DELETED_CREDITS, module: accounting };
  const offset = (pageNo - 1) * size;
  if (offset >= view.length) return { status: 204, credits: DELETED_CREDITS, module: accounting };
  const end = Math.min(view.length, offset + size);
  const data: Record<string, unknown>[] = [];
  for (let k = offset; k < end; k++) data.push(m.deletedEntry(view.at(k)));
  return {
    status: 200,
    credits: DELETED_CREDITS,
    module: { ...accounting, served: data.length },
    json: { data, info: { per_page: size, count: data.length, page: pageNo, more_records: end < view.length } },
  };
}
