// What every API handler needs: the data, who the user is, the limits, the clock.
import type { OrgDataset } from './dataset.js';
import type { ModuleData } from './module-data.js';
import type { PageTokens } from './page-token.js';
import { invalidModule, notesForbidden, type Reply } from './reply.js';

export interface ApiLimits {
  discretePageLimit: number;
  pageTokenLimit: number;
  pageTokenTtlMs: number;
  /** Most rows one COQL answer holds, whatever its LIMIT. */
  coqlRowsPerAnswer: number;
}

export interface ApiContext {
  dataset: OrgDataset;
  admin: boolean;
  limits: ApiLimits;
  /** GET /crm/v8/org's answer: fixed for the sandbox's life. */
  org: Reply;
  pageTokens: PageTokens;
  now(): number;
}

/** The readable module a URL names (api_name, matched case-insensitively as a fallback), or the error to answer. */
export function resolveModule(ctx: ApiContext, name: string, forList: boolean): { m: ModuleData } | { reply: Reply } {
  const spec = ctx.dataset.catalog.find(name);
  if (!spec || !spec.supported) return { reply: invalidModule(name) };
  if (forList && spec.adminOnly && !ctx.admin) return { reply: notesForbidden() };
  const m = ctx.dataset.module(spec.api);
  return m ? { m } : { reply: invalidModule(name) };
}
