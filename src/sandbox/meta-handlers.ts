// GET /crm/v8/settings/modules and /crm/v8/settings/fields.
import type { ApiContext } from './api-context.js';
import { fieldsMeta } from './metadata.js';
import { clientBug, invalidModule, type Call, type Reply } from './reply.js';

export function listModules(ctx: ApiContext): Reply {
  return { status: 200, json: { modules: ctx.dataset.modules() } };
}

export function listFields(ctx: ApiContext, call: Call): Reply {
  const name = call.query.get('module');
  if (name === null || name === '') {
    return clientBug(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param_name: 'module' });
  }
  const spec = ctx.dataset.catalog.spec(name);
  // Unsupported modules have no API field list: asking is a client bug like asking for their records.
  if (!spec || !spec.supported) return invalidModule(name);
  const fields = fieldsMeta(ctx.dataset.catalog, spec);
  if (fields.length === 0) return { status: 204, module: { api: spec.api, call: 'fields' } };
  return { status: 200, json: { fields }, module: { api: spec.api, call: 'fields' } };
}
