// GET /crm/v8/{module}/actions/fetch_full_data?ids=…&fields=…: rich-text fields in full, for up to
// 200 records at a time. Only rich-text fields may be asked for; ids that name no live record are
// left out of the answer (204 when none is left).
import { resolveModule, type ApiContext } from './api-context.js';
import type { ModuleData } from './module-data.js';
import { listParam } from './params.js';
import { clientBug, type Call, type Reply } from './reply.js';

export const MAX_FULL_DATA_IDS = 200;

/** id → record index of the live records, rebuilt when the module has changed since. */
const indexes = new WeakMap<ModuleData, { version: number; byId: Map<string, number> }>();

function indexOf(ctx: ApiContext, m: ModuleData): Map<string, number> {
  const known = indexes.get(m);
  if (known && known.version === m.version) return known.byId;
  const view = ctx.dataset.recordView(m.spec.api, { sortBy: 'id', sortOrder: 'asc', converted: 'both', approved: 'both' });
  const byId = new Map<string, number>();
  for (let k = 0; k < view.length; k++) byId.set(m.id(view.at(k)), view.at(k));
  indexes.set(m, { version: m.version, byId });
  return byId;
}

export function fetchFullData(ctx: ApiContext, call: Call, moduleName: string): Reply {
  const found = resolveModule(ctx, moduleName, true);
  if ('reply' in found) return found.reply;
  const { m } = found;
  const ids = listParam(call.query, 'ids');
  if (!ids) return clientBug(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param: 'ids' });
  const fields = listParam(call.query, 'fields');
  if (!fields) return clientBug(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param: 'fields' });
  if (ids.length > MAX_FULL_DATA_IDS) {
    return clientBug(400, 'LIMIT_EXCEEDED', `you can ask for at most ${MAX_FULL_DATA_IDS} ids at a time`, { param: 'ids', limit: MAX_FULL_DATA_IDS });
  }
  const rich = new Set(m.spec.fields.filter((f) => f.richText).map((f) => f.api));
  const other = fields.find((f) => !rich.has(f));
  if (other !== undefined) return clientBug(400, 'INVALID_DATA', `${other} is not a rich text field`, { api_name: other });
  const byId = indexOf(ctx, m);
  const data: Record<string, unknown>[] = [];
  for (const id of ids) {
    const i = byId.get(id);
    if (i === undefined) continue;
    const full = m.record(i);
    const entry: Record<string, unknown> = {};
    for (const f of fields) entry[f] = full[f];
    entry.id = id;
    data.push(entry);
  }
  if (data.length === 0) return { status: 204, module: { api: m.spec.api, call: 'fullData' } };
  return { status: 200, json: { data }, module: { api: m.spec.api, call: 'fullData' } };
}
