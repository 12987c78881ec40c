// Paths and headers of the Zoho CRM v8 calls the spider makes. Tokens never appear here: they go in
// the Authorization header, added by the client.

export const API_PREFIX = '/crm/v8';

/** Records per page and the most Zoho serves in one call. */
export const MAX_PER_PAGE = 200;
/** Most field api names one records call may ask for. */
export const MAX_FIELDS_PER_CALL = 50;

export interface ApiCall {
  /** Path and query under the API base, starting with /crm/v8. */
  path: string;
  /** Label of the endpoint for logs and errors, e.g. "GET /crm/v8/{module}" (no ids, no tokens). */
  endpoint: string;
  /** Sent as If-Modified-Since. */
  ifModifiedSince?: Date;
  /** Zoho API credits the call costs when answered (deleted records cost DELETED_CREDITS). */
  credits: number;
  /** The module the call reads for, to count credits per module; absent for org-wide calls (the module list). */
  module?: string;
  /** A page of entries (records, deleted): read from its bytes by scanEntriesPage, not JSON.parse. */
  entries?: boolean;
  /** POST with `body` as its JSON (COQL); default GET. */
  method?: 'GET' | 'POST';
  /** The JSON body of a POST, already encoded. */
  body?: string;
}

/** Credits of one answered call of each kind (reference §8): most calls 1, a deleted-records page 2 (UNVERIFIED). */
export const CALL_CREDITS = 1;
export const DELETED_CREDITS = 2;

const seg = (s: string): string => encodeURIComponent(s);

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function modulesCall(): ApiCall {
  return { path: `${API_PREFIX}/settings/modules`, endpoint: 'GET /settings/modules', credits: CALL_CREDITS };
}

/** The org's edition and user licences (the daily credits follow from them); a plan asks, a crawl does not. */
export function orgCall(): ApiCall {
  return { path: `${API_PREFIX}/org`, endpoint: 'GET /org', credits: CALL_CREDITS };
}

export function fieldsCall(module: string): ApiCall {
  return { path: withQuery(`${API_PREFIX}/settings/fields`, { module }), endpoint: `GET /settings/fields?module=${module}`, credits: CALL_CREDITS, module };
}

/**
 * Zoho lists only approved records unless asked: records awaiting approval (an approval process, a
 * review rule) are part of the org and of every backup, so every listing and count asks for both.
 */
const APPROVED = 'both';

/** Most record ids one actions/fetch_full_data call may name. */
export const MAX_FULL_DATA_IDS = 200;

/**
 * Rich-text fields in full for up to 200 records (list answers cut them). Zoho's documents give no
 * credit figure for it; it is counted as 1, like any call answering one page.
 */
export function fullDataCall(module: string, ids: readonly string[], fields: readonly string[]): ApiCall {
  if (ids.length === 0 || ids.length > MAX_FULL_DATA_IDS) throw new Error(`fullDataCall: ${ids.length} ids; expected 1 to ${MAX_FULL_DATA_IDS}`);
  const path = withQuery(`${API_PREFIX}/${seg(module)}/actions/fetch_full_data`, { ids: ids.join(','), fields: fields.join(',') });
  return { path, endpoint: `GET /${module}/actions/fetch_full_data`, credits: CALL_CREDITS, entries: true, module };
}

/** The record count, of what the records calls read: records awaiting approval and (`converted`) converted Leads too. */
export function countCall(module: string, converted = false): ApiCall {
  const path = withQuery(`${API_PREFIX}/${seg(module)}/actions/count`, { converted: converted ? 'both' : undefined, approved: APPROVED });
  return { path, endpoint: `GET /${module}/actions/count`, credits: CALL_CREDITS, module };
}

/** Zoho's default (id descending), or by Modified_Time; descending only for the one page that finds the newest records. */
export type RecordOrder = 'default' | 'modified-asc' | 'modified-desc';

export interface RecordsQuery {
  module: string;
  fields: readonly string[];
  perPage: number;
  /** Absent on a chain's first page. */
  pageToken?: string;
  /** Leads: ask for converted ones too (Zoho leaves them out by default). */
  converted: boolean;
  order: RecordOrder;
  ifModifiedSince?: Date;
}

export function recordsCall(q: RecordsQuery): ApiCall {
  if (q.fields.length === 0 || q.fields.length > MAX_FIELDS_PER_CALL) {
    throw new Error(`recordsCall: ${q.fields.length} fields; expected 1 to ${MAX_FIELDS_PER_CALL}`);
  }
  if (q.perPage < 1 || q.perPage > MAX_PER_PAGE) throw new Error(`recordsCall: per_page ${q.perPage}; expected 1 to ${MAX_PER_PAGE}`);
  // Every page of a chain must send the same parameters: Zoho binds page_token to them.
  const path = withQuery(`${API_PREFIX}/${seg(q.module)}`, {
    fields: q.fields.join(','),
    per_page: q.perPage,
    converted: q.converted ? 'both' : undefined,
    approved: APPROVED,
    sort_by: q.order === 'default' ? undefined : 'Modified_Time',
    sort_order: q.order === 'default' ? undefined : q.order === 'modified-asc' ? 'asc' : 'desc',
    page_token: q.pageToken,
  });
  return { path, endpoint: `GET /${q.module}`, ifModifiedSince: q.ifModifiedSince, credits: CALL_CREDITS, entries: true, module: q.module };
}

export function deletedCall(module: string, page: number, ifModifiedSince?: Date): ApiCall {
  const path = withQuery(`${API_PREFIX}/${seg(module)}/deleted`, { type: 'all', page, per_page: MAX_PER_PAGE });
  return { path, endpoint: `GET /${module}/deleted`, ifModifiedSince, credits: DELETED_CREDITS, entries: true, module };
}

/** If-Modified-Since as Zoho documents it: ISO 8601 to the second with an explicit offset. */
export function formatIfModifiedSince(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
