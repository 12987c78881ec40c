// The sandbox's public contract (docs: /work/briefs/sandbox-api.md). Other parts code against these
// names: add to them, never change them.

export interface FaultOptions {
  /** Probability 0..1 that an API call answers 429 TOO_MANY_REQUESTS. */
  rate429?: number;
  /** When set, 429s carry `Retry-After: <n>`; when unset, half of injected 429s carry `Retry-After: 1`, half none. */
  retryAfterSeconds?: number;
  /** Probability of 500 INTERNAL_ERROR. */
  rate500?: number;
  /** Probability the connection is destroyed mid-body (headers + part of the body sent). */
  rateDrop?: number;
  /** API calls in flight above this → 429 TOO_MANY_REQUESTS (not counted as unexpected). */
  concurrencyLimit?: number;
  /**
   * Added: "complex" calls (records lists with sort_by or cvid, and COQL queries) in flight above this → 429, as Zoho's
   * sub-concurrency of 10 in every edition (reference §8). Counted in `injected.concurrency429`. Default none.
   */
  sortConcurrencyLimit?: number;
  /** An access token answers 401 INVALID_TOKEN after this many API calls. */
  tokenLifetimeCalls?: number;
  /** Added delay per API call, in ms. */
  latencyMs?: number;
  /** ± random extra delay, in ms. */
  jitterMs?: number;
}

export interface SandboxLimits {
  /** page × per_page may not exceed this (DISCRETE_PAGINATION_LIMIT_EXCEEDED). Default 2000. */
  discretePageLimit?: number;
  /** page_token reaches this many records per query (PAGINATION_LIMIT_EXCEEDED). Default 100000. */
  pageTokenLimit?: number;
  /** Token grants per refresh token per window before "Access Denied". Default 10. */
  grantsPerWindow?: number;
  /** The grant-throttling window, ms. Default 600000. */
  grantWindowMs?: number;
  /** A page_token's life, ms. Default 24 h. 0 = every token is already expired. */
  pageTokenTtlMs?: number;
  /** An access token's life, ms (added to the contract). Default 3600000; `expires_in` says it in seconds. */
  tokenTtlMs?: number;
  /**
   * Most rows one COQL answer holds, whatever its LIMIT (added): Zoho's OpenAPI description caps an
   * answer's data at 200 rows where its documentation allows a LIMIT of 2,000. Default 2000.
   */
  coqlRowsPerAnswer?: number;
  /** Live access tokens per refresh token; one more kills the oldest (added). Default 15. */
  liveTokensPerRefreshToken?: number;
  /**
   * The org's API credits per rolling 24 hours (added). Once answered calls have cost this many, every
   * API call answers 429 TOO_MANY_REQUESTS with a message naming the credits (no Retry-After), until
   * Sandbox.refillCredits(); from half of them used on, answers carry X-API-CREDITS-REMAINING.
   * Default unset: no daily limit.
   */
  dailyCredits?: number;
}

export type Preset = 'tiny' | 'small' | 'demo';

export type SandboxEdition = 'free' | 'standard' | 'professional' | 'enterprise' | 'ultimate';

/** Added: what GET /crm/v8/org says of the org's licence (`license_details`). */
export interface SandboxOrg {
  /** `paid_type`; `free` answers `paid: false`. Default enterprise. */
  edition?: SandboxEdition;
  /** `users_license_purchased`. Default 10. */
  licences?: number;
}

export interface SandboxOptions {
  /** Default 1; same seed + options → same bytes. */
  seed?: number;
  /** Module sizes; default 'small'. */
  preset?: Preset;
  /** Records per module api_name, overriding the preset. */
  sizes?: Record<string, number>;
  /** Deleted entries per module api_name, overriding the preset. */
  deletedSizes?: Record<string, number>;
  /** The token's user is an admin: Notes readable. Default false (Notes → 403 NOT_SUPPORTED). */
  admin?: boolean;
  /**
   * Added: every readable module with fewer fields gets custom fields `Custom_Field_1`… (text, integer,
   * double, currency, date, datetime, picklist, boolean, email, phone; some nulls) appended up to this
   * many, in metadata and records. Default off (0): the catalogue as it is.
   */
  minFields?: number;
  /**
   * With `minFields`: the custom fields are all multi-line text mixing scripts (Cyrillic, Arabic, Hebrew,
   * Devanagari, CJK, emoji, quotes, U+2028) instead of the type mix — text-heavy records, for CPU
   * measurements. Default off.
   */
  textFields?: boolean;
  /**
   * Added: this many readable custom modules `Custom_Module_1`… (generated_type custom, 20–40 fields
   * including the system fields) after the fixed ones; sized through `sizes`/`deletedSizes` (default
   * empty). At most 50. Default 0.
   */
  extraModules?: number;
  /**
   * Added: this share (0..1) of each module's generated records was last modified in one and the same
   * second (a mass update a day before "now"; never before the record's creation): skewed Modified_Time,
   * many records with the same timestamp. Default 0.
   */
  modifiedSkew?: number;
  /**
   * Added: Deals gets a subform field `Line_Items` (left out of list answers, as Zoho does) whose rows
   * are the module `Line_Items__s`: not in GET /settings/modules, read by name (GET /crm/v8/Line_Items__s,
   * rows with Parent_Id). Twice as many rows as Deals unless sized. Default off.
   */
  subforms?: boolean;
  faults?: FaultOptions;
  limits?: SandboxLimits;
  /**
   * Added: the org's edition and licences, answered by GET /crm/v8/org. When given and limits.dailyCredits
   * is not, the daily limit is what they give by the reference's formula (§8), so the two agree; a
   * dailyCredits of its own wins (a test's small limit). Default: enterprise, 10 licences, no daily limit.
   */
  org?: SandboxOrg;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /**
   * Called as each HTTP request arrives, before anything is answered (token and observer endpoints
   * included): lets a test act at an exact point of a crawl, e.g. kill the crawler on the Nth call.
   */
  onRequest?: (request: SandboxRequest) => void;
  /** Added: called as each API call's answer is sent (token and observer endpoints excluded). */
  onResponse?: (response: SandboxResponse) => void;
}

export interface SandboxResponse {
  method: string;
  path: string;
  /** HTTP status, or 'drop' when the connection was cut mid-body. */
  status: number | 'drop';
  /** performance.now() when the call arrived, when its answer was ready, and when it was sent. */
  arrivedMs: number;
  readyMs: number;
  answeredMs: number;
  /** The latency ± jitter drawn for this call (0 without latency faults). */
  delayMs: number;
}

export interface SandboxRequest {
  method: string;
  /** The path without the query, e.g. `/crm/v8/Leads/deleted`. */
  path: string;
  query: URLSearchParams;
}

export interface SandboxCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface Sandbox {
  /** http://127.0.0.1:<port> — serves BOTH the accounts server and the API domain. */
  url: string;
  credentials: SandboxCredentials;
  /** ZOHO_ACCOUNTS_URL, ZOHO_API_DOMAIN, ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN. */
  settings(): Record<string, string>;
  /** A snapshot (plain JSON); also served at GET /__sandbox/stats. */
  stats(): SandboxStats;
  resetStats(): void;
  /** Added: the rolling 24-hour window moved on; every daily credit (limits.dailyCredits) is available again. */
  refillCredits(): void;
  /** The ground truth. */
  dataset: Dataset;
  stop(): Promise<void>;
}

export interface ModuleCallStats {
  fields: number;
  records: number;
  deleted: number;
  count: number;
  /** GET actions/fetch_full_data (rich text in full). */
  fullData: number;
  /** Added: POST /crm/v8/coql calls answered (200 or 204) whose FROM named this module. */
  coql: number;
  /** Records sent in list answers (a record counts once per field batch). */
  recordsServed: number;
  deletedServed: number;
  /** Added: rows sent in COQL answers. */
  coqlServed: number;
}

export interface SandboxStats {
  /** Endpoint key (e.g. "GET /crm/v8/{module}", "POST /oauth/v2/token") → status ("200", "429", …, "drop") → count. */
  requests: Record<string, Record<string, number>>;
  /** API calls (token endpoint and /__sandbox excluded). */
  total: number;
  /** 1 per API call, 2 per deleted call; charged on 2xx/304 answers only. */
  credits: number;
  /** Added: the part of `credits` COQL calls cost (1 / 2 / 3 for LIMIT ≤ 200 / ≤ 1,000 / ≤ 2,000). */
  coqlCredits: number;
  /** Highest number of API calls in flight at once (rejected ones included). */
  maxInFlight: number;
  /** Added: highest number of complex calls (records calls with sort_by or cvid, COQL) in flight at once (rejected ones included). */
  maxSortedInFlight: number;
  /** Token grants issued. */
  grants: number;
  /** Token requests refused (bad client, bad refresh token, throttled) — added. */
  grantsRefused: number;
  /** credits429 (added): calls refused because the daily credits (limits.dailyCredits) were spent. */
  injected: { '429': number; '500': number; drop: number; concurrency429: number; expired401: number; credits429: number };
  /** 4xx a correct client would not cause. */
  unexpected4xx: Array<{ method: string; path: string; status: number; code: string }>;
  /** Answered calls (2xx/304) per module api_name — added. */
  modules: Record<string, ModuleCallStats>;
}

export interface PickListValue {
  display_value: string;
  actual_value: string;
  id: string;
}

export interface ModuleMeta {
  api_name: string;
  module_name: string;
  api_supported: boolean;
  generated_type: string;
  singular_label: string;
  plural_label: string;
  id: string;
  status: string;
  visibility: number;
  viewable: boolean;
  creatable: boolean;
  editable: boolean;
  deletable: boolean;
  convertable: boolean;
  parent_module: { api_name: string; id: string } | Record<string, never>;
  modified_time: string | null;
  [key: string]: unknown;
}

export interface FieldMeta {
  api_name: string;
  data_type: string;
  field_label: string;
  display_label: string;
  json_type: string;
  id: string;
  read_only: boolean;
  custom_field: boolean;
  visible: boolean;
  system_mandatory: boolean;
  length: number;
  decimal_place: number | null;
  lookup: { module: { api_name: string; id: string }; display_label: string; api_name: string } | Record<string, never>;
  /** Subform fields: the module holding the rows. */
  subform: { module: string; id: string } | null;
  /** Multi-line fields: `large`, or `rich_text` for the rich-text ones. */
  textarea: { type: 'large' | 'rich_text' } | null;
  pick_list_values: PickListValue[];
  [key: string]: unknown;
}

export interface MutateChange {
  modify?: number;
  create?: number;
  delete?: number;
  /** One module api_name; omitted = every readable module that has records. */
  module?: string;
  at: Date;
}

export interface Dataset {
  /** As GET /settings/modules returns them. */
  modules(): ModuleMeta[];
  /** As GET /settings/fields returns them. */
  fields(apiName: string): FieldMeta[];
  /** Records (converted Leads and records awaiting approval included). */
  count(apiName: string): number;
  /** Every record, ALL fields, exactly as the API serialises it, ascending id; generated on demand. */
  records(apiName: string): Iterable<Record<string, unknown>>;
  /** Every deleted entry exactly as the API serialises it, in the API's order (deleted_time desc, then id desc). */
  deleted(apiName: string): Iterable<Record<string, unknown>>;
  /** Deleted entries (added). */
  deletedCount(apiName: string): number;
  /**
   * Changes the org for incremental tests: modifies/creates records (Modified_Time = at) and deletes some
   * (they leave records() and appear in deleted() with deleted_time = at). Returns the ids touched.
   */
  mutate(change: MutateChange): { modified: string[]; created: string[]; deleted: string[] };
}
