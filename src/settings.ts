// Every setting of the product, in one zod schema: its type, its default and its documentation.
// Like Scrapy's default_settings.py, this file is the single source of truth: the README's settings
// table is checked against SETTINGS_DOCS by a test, and `cli settings` prints from it.
//
// Sources, lowest to highest precedence: defaults, `.env` in the working directory, the process
// environment, `-s NAME=VALUE` arguments. Every raw value is a string; the field builders below parse
// it to its type and, when it is wrong, say what was expected.
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

/** Where a setting's effective value came from. */
export type SettingSource = 'default' | '.env' | 'env' | 'cli';

interface FieldMeta {
  /** What the setting is for: shown by `cli settings` and in the README table. */
  doc: string;
  /** The default as a user would write it, when that differs from the parsed default's text (8MiB, ALL). */
  defaultText?: string;
  /** Secrets are masked wherever settings are printed and scrubbed from every log line. */
  secret?: boolean;
}

const META = new Map<string, FieldMeta>();

// Values that mean "unset" where the original allowed Python's None.
const UNSET = new Set(['', 'none', 'null']);
const isUnset = (v: unknown): boolean => v === undefined || (typeof v === 'string' && UNSET.has(v.trim().toLowerCase()));

/** Error with the text that follows "expected" in the one-line message for a bad value. */
function fail(ctx: z.RefinementCtx, raw: unknown, problem: string, expected: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message: `${problem}; expected ${expected}`, input: raw });
  return z.NEVER;
}

const shown = (raw: unknown): string => JSON.stringify(String(raw));

/**
 * Text, trimmed. Empty, None or null mean unset, like everywhere, unless `noneIsValue` (REST_NEXT,
 * where `none` is a documented value: one page). A spider's own syntaxes are checked by the spider.
 */
function str<D extends string | undefined = undefined>(opts: { default?: D; min?: number; noneIsValue?: boolean } = {}) {
  return z.unknown().transform((raw, ctx): string | D => {
    if (opts.noneIsValue ? raw === undefined || String(raw).trim() === '' : isUnset(raw)) return opts.default as D;
    const v = String(raw).trim();
    if (opts.min !== undefined && v.length < opts.min) return fail(ctx, raw, `${shown(raw)} is too short`, `at least ${opts.min} characters`);
    return v;
  });
}

function int<D extends number | undefined = undefined>(opts: { default?: D; min: number; max?: number }) {
  const range = opts.max === undefined ? `a whole number ≥ ${opts.min}` : `a whole number from ${opts.min} to ${opts.max}`;
  return z.unknown().transform((raw, ctx): number | D => {
    if (isUnset(raw)) return opts.default as D;
    const text = String(raw).trim().replace(/_/g, '');
    if (!/^[+-]?\d+$/.test(text)) return fail(ctx, raw, `${shown(raw)} is not a whole number`, range);
    const n = Number(text);
    if (n < opts.min || (opts.max !== undefined && n > opts.max)) return fail(ctx, raw, `${n} is out of range`, range);
    return n;
  });
}

/** Byte sizes: a number of bytes or with a unit (KiB, MiB, GiB; KB/MB/GB read as binary too). */
function bytes(opts: { default: number; min: number }) {
  const units: Record<string, number> = {
    '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3,
  };
  const expected = `a size in bytes, optionally with a unit (e.g. 8388608 or 8MiB), at least ${opts.min}`;
  return z.unknown().transform((raw, ctx): number => {
    if (isUnset(raw)) return opts.default;
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(raw));
    const unit = m ? units[m[2].toLowerCase()] : undefined;
    if (!m || unit === undefined) return fail(ctx, raw, `${shown(raw)} is not a size`, expected);
    const n = Math.round(Number(m[1]) * unit);
    if (n < opts.min) return fail(ctx, raw, `${n} bytes is too small`, expected);
    return n;
  });
}

function bool(opts: { default: boolean }) {
  const yes = new Set(['true', '1', 'yes', 'on']);
  const no = new Set(['false', '0', 'no', 'off']);
  return z.unknown().transform((raw, ctx): boolean => {
    if (typeof raw === 'boolean') return raw;
    if (isUnset(raw)) return opts.default;
    const v = String(raw).trim().toLowerCase();
    if (yes.has(v)) return true;
    if (no.has(v)) return false;
    return fail(ctx, raw, `${shown(raw)} is not a boolean`, 'true or false (also 1/0, yes/no, on/off)');
  });
}

function oneOf<const T extends readonly string[], D extends T[number] | undefined = undefined>(values: T, opts: { default?: D } = {}) {
  return z.unknown().transform((raw, ctx): T[number] | D => {
    if (isUnset(raw)) return opts.default as D;
    const v = String(raw).trim().toLowerCase();
    const hit = values.find((x) => x.toLowerCase() === v);
    if (hit === undefined) return fail(ctx, raw, `${shown(raw)} is not allowed`, `one of ${values.join(', ')}`);
    return hit;
  });
}

function url() {
  return z.unknown().transform((raw, ctx): string | undefined => {
    if (isUnset(raw)) return undefined;
    const v = String(raw).trim().replace(/\/+$/, '');
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      return fail(ctx, raw, `${shown(raw)} is not a URL`, 'an absolute http(s) URL such as https://accounts.zoho.eu');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return fail(ctx, raw, `${shown(raw)} is not an http(s) URL`, 'an absolute http(s) URL');
    return v;
  });
}

/** A comma-separated list; ALL (or unset) means "no filter" and parses to undefined. */
function moduleList() {
  return z.unknown().transform((raw, ctx): string[] | undefined => {
    if (isUnset(raw)) return undefined;
    const items = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((s) => s.trim()).filter(Boolean);
    if (items.length === 0 || items.some((s) => s.toUpperCase() === 'ALL')) return undefined;
    const bad = items.find((s) => !/^[A-Za-z0-9_$.-]+$/.test(s));
    const expected = 'comma-separated module api names (letters, digits, _ . - $) or ALL';
    if (bad !== undefined) return fail(ctx, raw, `${shown(bad)} is not a module api name`, expected);
    return [...new Set(items)];
  });
}

/**
 * A point in time. ISO 8601 with or without offset, or the original's `YYYY-MM-DD HH:MM:SS`; any value
 * without an offset is read as UTC (the original used naive local time, a defect we do not repeat).
 */
function instant() {
  return z.unknown().transform((raw, ctx): Date | undefined => {
    if (isUnset(raw)) return undefined;
    const text = String(raw).trim();
    const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
    const d = m ? new Date(`${m[1]}T${m[2] ?? '00:00:00'}${m[3] ?? 'Z'}`) : undefined;
    // Date rolls impossible days over (2026-02-30 becomes March 2nd): the calendar day must survive.
    const day = m ? new Date(`${m[1]}T00:00:00Z`) : undefined;
    const realDay = day !== undefined && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(m![1]);
    if (!d || Number.isNaN(d.getTime()) || !realDay) {
      return fail(ctx, raw, `${shown(raw)} is not a date-time`, 'ISO 8601 such as 2026-01-31T00:00:00+00:00, or YYYY-MM-DD HH:MM:SS (read as UTC)');
    }
    return d;
  });
}

/** `name:priority,name:priority` — like Scrapy's ITEM_PIPELINES dict; lower numbers run first. */
function pipelineOrder(defaultText: string) {
  return z.unknown().transform((raw, ctx): Record<string, number> => {
    const text = isUnset(raw) ? defaultText : String(raw);
    const out: Record<string, number> = {};
    for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^([A-Za-z][\w-]*)\s*[:=]\s*(-?\d+)$/.exec(part);
      if (!m) return fail(ctx, raw, `${shown(part)} is not name:priority`, 'comma-separated name:priority pairs such as ndjson:300,s3:800');
      out[m[1]] = Number(m[2]);
    }
    return out;
  });
}

/** Registers a field's documentation; returns the schema unchanged so the object below stays readable. */
function doc<T extends z.ZodType>(schema: T, meta: FieldMeta): T {
  SCHEMA_META.set(schema, meta);
  return schema;
}
const SCHEMA_META = new WeakMap<z.ZodType, FieldMeta>();

export const DATA_CENTERS = ['us', 'eu', 'in', 'au', 'jp', 'cn', 'ca', 'sa', 'uk'] as const;
export const DEFAULT_ITEM_PIPELINES = 'ndjson:300,s3:800,manifest:900';

export const settingsSchema = z.object({
  // ---- Zoho
  ZOHO_DATA_CENTER: doc(oneOf(DATA_CENTERS, { default: 'us' }), {
    doc: "Zoho data centre of the org (us, eu, in, au, jp, cn, ca, sa, uk): picks the accounts server and the API domain.",
  }),
  ZOHO_ACCOUNTS_URL: doc(url(), {
    doc: "Overrides the data centre's accounts server (OAuth token endpoint), e.g. for a proxy or the local sandbox.",
  }),
  ZOHO_API_DOMAIN: doc(url(), {
    doc: "Overrides the API domain (e.g. https://sandbox.zohoapis.com for a sandbox org). Otherwise the token answer's api_domain, else the data centre's.",
  }),
  ZOHO_CLIENT_ID: doc(str(), { doc: 'OAuth client id of the Zoho self-client.' }),
  ZOHO_CLIENT_SECRET: doc(str(), { doc: 'OAuth client secret of the Zoho self-client.', secret: true }),
  ZOHO_REFRESH_TOKEN: doc(str(), {
    doc: 'OAuth refresh token (never expires until revoked); access tokens are obtained and renewed from it automatically.',
    secret: true,
  }),
  ZOHO_CRM_AUTH_TOKEN: doc(str(), {
    doc: 'A ready access token, used as is when no refresh token is set (it expires after an hour).',
    secret: true,
  }),
  ZOHO_MODULE_WHITELIST: doc(moduleList(), {
    doc: 'Comma-separated module api names to extract, or ALL. A listed module the API cannot read (api_supported false, e.g. Home) or the org ' +
      'refuses (403) is skipped with a warning, as the original did; a name the org does not have (a typo) is an error naming the closest modules, ' +
      'and the run is partial.',
    defaultText: 'ALL',
  }),
  ZOHO_MAX_RECORDS_PER_MODULE: doc(int({ min: 1 }), {
    doc: 'Exact number of records to extract per module at most; empty or None = all.',
  }),
  ZOHO_LAST_MODIFIED_TIME: doc(instant(), {
    doc: 'Only records (and deletions) modified after this instant, sent as If-Modified-Since. ISO 8601, or YYYY-MM-DD HH:MM:SS read as UTC.',
  }),
  ZOHO_INCLUDE_MODULE_NAME: doc(bool({ default: false }), {
    doc: 'Adds "module": "<api_name>" to every record line.',
  }),
  ZOHO_FULL_RICH_TEXT: doc(bool({ default: true }), {
    doc:
      'Rich-text fields whole. Zoho\'s list answers do not carry them in full; with true, every page of a module that has rich-text fields ' +
      'is completed by one GET actions/fetch_full_data (up to 200 records, 1 credit), counted apart in the manifest (api.by_purpose.rich_text). ' +
      'false keeps the list answer\'s value and costs nothing more.',
  }),
  ZOHO_SUBFORMS: doc(bool({ default: true }), {
    doc:
      'Subform rows. Zoho\'s list answers leave them out of the parent record and keep them in the subform\'s own module, ' +
      'which the module list does not name; with true, each subform module a read module\'s fields name is read as a module of its own ' +
      '(GET /{subform}: rows with Parent_Id, 1 credit per 200 rows per 50 fields; no deleted log), whitelist or not. false leaves them out.',
  }),
  ZOHO_INCLUDE_DELETED: doc(bool({ default: true }), {
    doc: 'Extracts the deleted-record log of each module into <Module>-Deleted.',
  }),
  ZOHO_MAX_CONCURRENCY: doc(int({ default: 5, min: 1, max: 100 }), {
    doc: "Most API requests in flight at once across the whole crawl. 5 is the smallest edition's limit (Free); Standard 10, Professional 15, " +
      "Enterprise 20, Ultimate 25.",
  }),
  ZOHO_CREDIT_BUDGET: doc(int({ min: 1 }), {
    doc: 'Most API credits one crawl may spend; empty or None = no budget. A call that would pass it is not sent: the run stops as when Zoho\'s ' +
      'daily credits are spent (everything fetched kept, manifest partial naming ZOHO_CREDIT_BUDGET, exit 1) and the next crawl continues it with a ' +
      'budget of its own. `plan zoho` says what a run costs.',
  }),
  ZOHO_REQUEST_RETRIES: doc(int({ default: 8, min: 0, max: 100 }), {
    doc: 'How often one API request is retried after 429, 5xx or a dropped connection before its module is given up as failed.',
  }),
  ZOHO_BACKOFF_BASE_MS: doc(int({ default: 1000, min: 0, max: 600_000 }), {
    doc: 'First wait before retrying an API call after 429 (without Retry-After), 5xx or a dropped connection; doubles per attempt, with jitter, up ' +
      'to ZOHO_BACKOFF_MAX_MS.',
  }),
  ZOHO_BACKOFF_MAX_MS: doc(int({ default: 60_000, min: 0, max: 3_600_000 }), {
    doc: 'Longest wait between retries of one API call; also the wait before asking again for an access token when Zoho throttles token grants.',
  }),
  ZOHO_REQUEST_TIMEOUT_SECS: doc(int({ default: 120, min: 1, max: 3600 }), {
    doc: 'Longest one API call may take (headers and body) before it is abandoned and retried.',
  }),
  ZOHO_PAGE_TOKEN_LIMIT: doc(int({ default: 100_000, min: 200 }), {
    doc: "Records one page_token chain can reach (Zoho: 100,000). A module larger than this is read in Modified_Time order, in several chains that " +
      "each start where the previous one stopped.",
  }),
  ZOHO_READ_PATH: doc(oneOf(['records', 'coql', 'auto'] as const, { default: 'records' }), {
    doc:
      'How records are read. records: GET /{module}, each line the record byte for byte as Zoho sent it. coql: POST /coql, 2,000 rows and up to ' +
      '500 fields a call for 1-3 credits (far fewer credits on wide or large modules), but COQL gives no $-keys ($approval_state, $editable, …), ' +
      'lookups and owners as {"id"} only, and no subform, multi-select lookup, file or image upload fields: lines differ as the README\'s "Read ' +
      'paths" says. Subform and linking modules, and modules without Modified_Time or with more than 500 COQL-readable fields, are read by records ' +
      'anyway (logged). auto: per module the cheapest path that gives the same lines, which is records for every module: every records ' +
      'answer carries $-keys and named owners (Owner, Created_By, Modified_By) that COQL cannot give (logged, and said by the plan).',
  }),
  ZOHO_INCREMENTAL: doc(bool({ default: false }), {
    doc: 'Incremental mode: after a complete run, remember what was extracted and next time ask only for changes since then.',
  }),
  ZOHO_INCREMENTAL_OVERLAP_SECS: doc(int({ default: 60, min: 0, max: 86_400 }), {
    doc: 'Incremental mode: how far before the last run\'s latest change the next run asks again (If-Modified-Since), so nothing on the boundary or ' +
      'from a slightly wrong clock is missed; the repeats are dropped.',
  }),

  // ---- Output
  LOCAL_OUTPUT_DIRECTORY: doc(str({ default: 'exports' }), {
    doc: 'Folder that receives one run folder (YYYY-MM-DD_HH-MM-SS, UTC) per crawl; working state lives in its .state/ subfolder.',
  }),
  OUTPUT_FILE_TYPE: doc(
    str({ default: 'json' }).superRefine((v, ctx) => {
      if (v !== undefined && !/^[A-Za-z0-9]{1,16}$/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `${shown(v)} is not a file extension; expected 1-16 letters or digits such as json or ndjson` });
      }
    }),
    { doc: 'Extension of the chunk files (the content is always NDJSON).' },
  ),
  OUTPUT_LINES_PER_FILE: doc(int({ default: 1000, min: 1 }), {
    doc: 'Most lines in one chunk file.',
  }),
  ITEM_PIPELINES: doc(pipelineOrder(DEFAULT_ITEM_PIPELINES), {
    doc: 'Item pipelines and their order, as name:priority pairs; lower priorities see each item first (like Scrapy\'s ITEM_PIPELINES).',
  }),

  // ---- S3
  AWS_BUCKET_NAME: doc(str(), {
    doc: 'S3 bucket receiving each run (created when missing). Unset = local run only, said at start.',
  }),
  AWS_REGION: doc(str({ default: 'us-east-1' }), { doc: 'AWS region of the bucket.' }),
  AWS_ACCESS_KEY_ID: doc(str(), {
    doc: "AWS access key id. Unset = the AWS SDK's default credential chain (profile, SSO, instance role…).",
    secret: true,
  }),
  AWS_SECRET_ACCESS_KEY: doc(str(), { doc: 'AWS secret access key, with AWS_ACCESS_KEY_ID.', secret: true }),
  AWS_SESSION_TOKEN: doc(str(), { doc: 'AWS session token for temporary credentials, with the two above.', secret: true }),
  AWS_S3_PREFIX: doc(
    z.unknown().transform((raw): string | undefined => (isUnset(raw) ? undefined : String(raw).trim().replace(/^\/+|\/+$/g, '') || undefined)),
    { doc: 'Key prefix under which runs are stored in the bucket (no leading or trailing slash needed).' },
  ),
  AWS_S3_ENDPOINT: doc(url(), { doc: 'Endpoint of an S3-compatible store (MinIO, R2, a local test server) instead of AWS.' }),
  AWS_S3_FORCE_PATH_STYLE: doc(bool({ default: false }), {
    doc: 'Path-style bucket addressing (http://host/bucket/key), which most S3-compatible stores need.',
  }),
  S3_MAX_CONCURRENCY: doc(int({ default: 10, min: 1, max: 1000 }), {
    doc: 'Most uploads (and multipart parts) in flight at once.',
  }),
  S3_MULTIPART_THRESHOLD: doc(bytes({ default: 8 * 1024 ** 2, min: 5 * 1024 ** 2 }), {
    doc: 'Files at least this large are uploaded in multipart.',
    defaultText: '8MiB',
  }),
  S3_MULTIPART_CHUNKSIZE: doc(bytes({ default: 8 * 1024 ** 2, min: 5 * 1024 ** 2 }), {
    doc: 'Part size of multipart uploads (S3 needs at least 5 MiB).',
    defaultText: '8MiB',
  }),
  S3_UPLOAD_RETRIES: doc(int({ default: 4, min: 0, max: 100 }), {
    doc: 'Retries after the first attempt of each S3 request before an upload is listed as failed: the AWS SDK\'s standard retry strategy (backoff ' +
      'with jitter) for errors a retry can help (5xx, throttling, timeouts, dropped connections); a refusal such as 403 is not retried.',
  }),

  // ---- rest spider (its syntaxes are checked by the spider: src/spiders/rest/settings.ts)
  REST_URL: doc(str(), {
    doc: 'rest spider: URL of the first page of a JSON REST API (required for `crawl rest`), with any query the API needs (e.g. ?per_page=100).',
  }),
  REST_ITEMS_PATH: doc(str(), {
    doc: 'rest spider: dot path to the array of items in each JSON body, e.g. data or results.items (a numeric part indexes an array). Empty = the ' +
      'body is the array.',
  }),
  REST_NEXT: doc(str({ default: 'link', noneIsValue: true }), {
    doc: 'rest spider: how to find the next page. link = the Link header\'s rel="next"; json:<dot.path> = a next-page URL in the body (relative ones ' +
      'resolved); cursor:<dot.path>:<param> = a token in the body, sent as ?<param>=token; page:<param> = count ?<param>= up from its value in ' +
      'REST_URL (else 1) until an empty page; none = one page. Paging stops when the next URL, token or link is missing, null or empty; a next ' +
      'page on another origin than REST_URL is not followed.',
  }),
  REST_RESOURCE: doc(str({ default: 'items' }), {
    doc: 'rest spider: name of the resource: the output stem (<RUN>/<name>/<name>-0.json) and the module in the manifest.',
  }),
  REST_HEADERS: doc(str(), {
    doc: 'rest spider: extra request headers as "Name: value; Name2: value2" (e.g. an API key; values cannot contain ";"). Secret: masked and redacted.',
    secret: true,
  }),
  REST_MAX_PAGES: doc(int({ min: 1 }), {
    doc: 'rest spider: most pages fetched (a safety cap); empty or None = all.',
  }),

  // ---- Logging
  LOG_LEVEL: doc(oneOf(['error', 'warn', 'info', 'debug'] as const, { default: 'info' }), {
    doc: 'Least severe log level shown: error, warn, info or debug.',
  }),
  LOG_FORMAT: doc(oneOf(['pretty', 'json'] as const), {
    doc: 'pretty (coloured lines) or json (one JSON object per line). Unset = pretty on a terminal, json otherwise.',
  }),
});

export type Settings = z.output<typeof settingsSchema>;
export type SettingName = keyof Settings;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];

/** Documentation of every setting, in schema order. */
// The defaults as the schema itself produces them, so the docs never state a default twice.
const SCHEMA_DEFAULTS: Record<string, unknown> = settingsSchema.parse(Object.fromEntries(SETTING_NAMES.map((n) => [n, undefined])));

export const SETTINGS_DOCS: ReadonlyArray<FieldMeta & { name: SettingName }> = SETTING_NAMES.map((name) => {
  const meta = SCHEMA_META.get(settingsSchema.shape[name]);
  if (!meta) throw new Error(`setting ${name} has no doc(): every setting must be documented`);
  return { name, ...meta, defaultText: meta.defaultText ?? formatValue(SCHEMA_DEFAULTS[name]) ?? undefined };
});
for (const d of SETTINGS_DOCS) META.set(d.name, d);

export const SECRET_SETTINGS: readonly SettingName[] = SETTINGS_DOCS.filter((d) => d.secret).map((d) => d.name);

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'SettingsError';
  }
}

export interface LoadedSettings {
  settings: Settings;
  /** Where each setting's value came from. */
  sources: Record<SettingName, SettingSource>;
}

export interface SettingsInputs {
  /** Folder whose `.env` is read; default: the working directory. */
  cwd?: string;
  /** Process environment; default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** `-s NAME=VALUE` overrides, highest precedence. */
  overrides?: Record<string, string>;
  /** Read `.env` (default true). */
  dotenv?: boolean;
}

/**
 * Parses `.env` text: NAME=VALUE lines, `#` comments, optional `export `, single or double quotes.
 * Not node:util's parseEnv: it reads a stray line without `=` as the start of the next line's name,
 * so the setting after a typo would be dropped without a word.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[m[1]] = value;
  }
  return out;
}

/** Parses `-s NAME=VALUE` arguments; unknown names are errors (a typo must not silently do nothing). */
export function parseOverrides(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim() : '';
    if (!name) {
      // The argument may be a secret typed with the wrong separator (NAME:VALUE): echo its name only.
      const lead = /^[A-Za-z_][A-Za-z0-9_]*/.exec(pair)?.[0];
      const shownArg = lead === undefined ? '(argument not shown)' : lead === pair ? pair : `${lead}…`;
      problems.push(`-s ${shownArg}: not NAME=VALUE; expected a setting name, '=', and a value`);
      continue;
    }
    if (!META.has(name)) {
      problems.push(`${name}: unknown setting; expected one of ${SETTING_NAMES.join(', ')}`);
      continue;
    }
    out[name] = pair.slice(eq + 1);
  }
  if (problems.length) throw new SettingsError(problems);
  return out;
}

/** Loads the effective settings; throws SettingsError with one line per bad setting. */
export function loadSettings(inputs: SettingsInputs = {}): LoadedSettings {
  const cwd = inputs.cwd ?? process.cwd();
  const env = inputs.env ?? process.env;
  const dotenvPath = resolve(cwd, '.env');
  const dotenv = inputs.dotenv !== false && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath, 'utf8')) : {};
  const raw: Record<string, unknown> = {};
  const sources = {} as Record<SettingName, SettingSource>;
  for (const name of SETTING_NAMES) {
    sources[name] = 'default';
    if (dotenv[name] !== undefined) [raw[name], sources[name]] = [dotenv[name], '.env'];
    if (env[name] !== undefined) [raw[name], sources[name]] = [env[name], 'env'];
    if (inputs.overrides?.[name] !== undefined) [raw[name], sources[name]] = [inputs.overrides[name], 'cli'];
  }
  return { settings: parseSettings(raw), sources };
}

/** Parses raw values (strings or already-typed values) into Settings; missing ones take their defaults. */
export function parseSettings(raw: Record<string, unknown>): Settings {
  // zod 4 wants every key present (a missing key fails before the transform that gives its default).
  const complete: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) complete[name] = raw[name];
  const unknown = Object.keys(raw).filter((k) => !(SETTING_NAMES as string[]).includes(k));
  if (unknown.length) throw new SettingsError(unknown.map((k) => `${k}: unknown setting; expected one of ${SETTING_NAMES.join(', ')}`));
  const result = settingsSchema.safeParse(complete);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      return `${name}: ${issue.message}`;
    });
    throw new SettingsError(problems);
  }
  const settings = result.data;
  const cross = crossChecks(settings);
  if (cross.length) throw new SettingsError(cross);
  return settings;
}

function crossChecks(s: Settings): string[] {
  const problems: string[] = [];
  if (s.S3_MULTIPART_CHUNKSIZE > s.S3_MULTIPART_THRESHOLD * 64) {
    problems.push('S3_MULTIPART_CHUNKSIZE: far larger than S3_MULTIPART_THRESHOLD; expected a part size near the threshold');
  }
  if ((s.AWS_ACCESS_KEY_ID === undefined) !== (s.AWS_SECRET_ACCESS_KEY === undefined)) {
    problems.push('AWS_ACCESS_KEY_ID: given without AWS_SECRET_ACCESS_KEY (or the reverse); expected both or neither');
  }
  return problems;
}

/** Masks a secret for display: never any of its characters. */
export const MASK = '********';

/** Settings as printable text values, secrets masked; for `cli settings` and the manifest. */
export function describeSettings(settings: Settings, opts: { omitSecrets?: boolean } = {}): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of SETTING_NAMES) {
    const value = settings[name];
    if (META.get(name)?.secret) {
      if (opts.omitSecrets) continue;
      out[name] = value === undefined ? null : MASK;
      continue;
    }
    out[name] = formatValue(value);
  }
  return out;
}

function formatValue(value: unknown): string | null {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => `${k}:${String(v)}`)
      .join(',');
  }
  return String(value);
}

/** The values of all secret settings that are set: the logger scrubs them from every line. */
export function secretValues(settings: Settings): string[] {
  return SECRET_SETTINGS.map((n) => settings[n]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** Settings with defaults only: for tests and programmatic use. */
export function defaultSettings(overrides: Record<string, unknown> = {}): Settings {
  return parseSettings(overrides);
}
