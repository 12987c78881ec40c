// zod schemas of every Zoho answer the spider reads: nothing from the network is used unparsed.
// Records and deleted entries are kept exactly as Zoho sent them (every key, in order); only the
// parts the crawler relies on (ids, paging info) are checked.
import { z } from 'zod';
import { PageShapeError, type RawEntry, type ScannedPage } from './entries-page.js';

/** POST {accounts}/oauth/v2/token answers HTTP 200 both on success and on failure. */
/**
 * Only access_token is relied on. Every other key is optional and forgiven when odd: an api_domain
 * that is not an http(s) URL or an unreadable expires_in is dropped (the caller falls back to
 * ZOHO_API_DOMAIN / the data centre, and to one hour) instead of refusing a token that works.
 * expires_in_sec, when given, wins: Zoho's older answers put milliseconds in expires_in beside it.
 */
const lifetimeSecs = z.unknown().transform((v) => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}).optional();
export const tokenSuccessSchema = z
  .object({
    access_token: z.string().min(1),
    api_domain: z.unknown().transform((v) => (typeof v === 'string' && /^https?:\/\/[^/\s]+/i.test(v.trim()) ? v.trim() : undefined)).optional(),
    token_type: z.unknown().optional(),
    expires_in: lifetimeSecs,
    expires_in_sec: lifetimeSecs,
  })
  .transform(({ access_token, api_domain, expires_in, expires_in_sec }) => ({ access_token, api_domain, expires_in: expires_in_sec ?? expires_in }));
export const tokenFailureSchema = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  status: z.string().optional(),
});
export const tokenAnswerSchema = z.union([tokenSuccessSchema, tokenFailureSchema]);
export type TokenSuccess = z.infer<typeof tokenSuccessSchema>;

/**
 * `{"code","details","message","status":"error"}`; some answers wrap it in data[0] (as write calls
 * do) or omit parts. The code must survive whatever the rest looks like (details as an array, a
 * message that is not a string): it decides between a token renewal and a fatal scope error.
 */
const optionalText = z.unknown().transform((v) => (typeof v === 'string' ? v : undefined)).optional();
const errorFields = z.object({
  code: optionalText,
  message: optionalText,
  status: optionalText,
  details: z.unknown().transform((v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined)).optional(),
});
export const apiErrorSchema = z
  .object({ data: z.unknown().optional() })
  .passthrough()
  .transform((body) => {
    const top = errorFields.parse(body);
    if (top.code !== undefined || !Array.isArray(body.data) || typeof body.data[0] !== 'object' || body.data[0] === null) return top;
    return errorFields.parse(body.data[0]);
  });
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

const isErrorObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  (v as Record<string, unknown>).status === 'error' &&
  typeof (v as Record<string, unknown>).code === 'string' &&
  !('id' in v);

/**
 * The error a 2xx body carries instead of an answer: `{"status":"error","code":…}` alone or as the
 * only kind of entry in data[] (no id: a record always has one). Zoho's API descriptions document
 * such bodies under HTTP 200 for the records calls.
 */
export function errorInAnswer(body: unknown): ApiErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const data = (body as Record<string, unknown>).data;
  const wrapped = Array.isArray(data) && data.length > 0 && data.every(isErrorObject);
  return isErrorObject(body) || wrapped ? apiErrorSchema.parse(body) : undefined;
}

export const moduleMetaSchema = z.looseObject({
  api_name: z.string().min(1),
  module_name: z.string().optional(),
  api_supported: z.boolean().nullable().optional(),
  generated_type: z.string().optional(),
  convertable: z.boolean().nullable().optional(),
});
export type ModuleMeta = z.infer<typeof moduleMetaSchema>;
export const modulesAnswerSchema = z.object({ modules: z.array(moduleMetaSchema) });

export const fieldMetaSchema = z
  .looseObject({
    api_name: z.string().min(1),
    // Not relied on (only reported in the manifest): a field without one is still read.
    data_type: z.string().nullable().optional().transform((t) => t ?? 'unknown'),
    // A multi-line field says its kind here: `rich_text` ones are cut in list answers.
    textarea: z.unknown().optional(),
    // A subform field names the module holding its rows here: list answers leave the rows out.
    subform: z.unknown().optional(),
  })
  .transform(({ textarea, subform, ...f }) => ({
    ...f,
    richText: keyOf(textarea, 'type') === 'rich_text',
    subformModule: f.data_type === 'subform' ? keyOf(subform, 'module') : undefined,
  }));

/** A string under `key` of what may be an object; undefined otherwise. */
function keyOf(v: unknown, key: string): string | undefined {
  const got = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
  return typeof got === 'string' && got !== '' ? got : undefined;
}
export type FieldMeta = z.infer<typeof fieldMetaSchema>;
/** A 200 without `fields` says what 204 says: no fields listed. */
export const fieldsAnswerSchema = z.object({ fields: z.array(fieldMetaSchema).nullable().optional().transform((f) => f ?? []) });

/** A record or deleted entry as an object: any JSON object with a string id (checked by entries-page.ts). */
export type ZohoEntry = Record<string, unknown> & { id: string };

/**
 * Only more_records and next_page_token steer paging; count, page, per_page and the rest are Zoho's
 * to vary (null, absent, strings) and are not checked. more_records may be absent on a last page
 * (or `info` altogether): it is then read from the page itself, see morePages().
 */
const infoSchema = z.looseObject({
  more_records: z.boolean().nullable().optional(),
  next_page_token: z.string().nullable().optional(),
});
export type PageInfo = z.infer<typeof infoSchema>;

export interface EntriesPage<E extends { id: string } = ZohoEntry> {
  data: E[];
  info: PageInfo;
}

/**
 * The page an `entries` call answered (see entries-page.ts: the entries were checked while their
 * bytes were scanned; `info` is checked here). A body of another shape is an UnexpectedAnswerError.
 */
export function entriesPageOf(body: unknown, what: string): EntriesPage<RawEntry> {
  if (body instanceof PageShapeError) throw new UnexpectedAnswerError(`${what}: ${body.message}`);
  const page = body as ScannedPage;
  const info = infoSchema.optional().safeParse(page.info);
  if (!info.success) {
    const issue = info.error.issues[0];
    throw new UnexpectedAnswerError(`${what}: unexpected answer at ${['info', ...issue.path].join('.')}: ${issue.message}`);
  }
  return { data: page.entries, info: info.data ?? {} };
}

/**
 * Whether another page follows. Zoho says so in more_records; without it, a records page (paged by
 * token) continues only if it gave a next_page_token, and a deleted page (paged by number) continues
 * only if it came full, so a missing flag never cuts a full page's successors off.
 */
export function morePages(page: EntriesPage<{ id: string }>, by: 'token' | 'number', perPage: number): boolean {
  const more = page.info.more_records;
  if (typeof more === 'boolean') return more;
  return by === 'token' ? typeof page.info.next_page_token === 'string' && page.info.next_page_token !== '' : page.data.length >= perPage;
}

export const countAnswerSchema = z.object({ count: z.coerce.number().int().nonnegative() });

/**
 * The record count of an actions/count answer: 0 for an answer without records (204), undefined when
 * the body is not a count. The count only plans a read, so an answer of another shape fails nothing.
 */
export function countIn(answer: { status: 200; body: unknown } | { status: 204 | 304 }): number | undefined {
  if (answer.status !== 200) return 0;
  const parsed = countAnswerSchema.safeParse(answer.body);
  return parsed.success ? parsed.data.count : undefined;
}

/**
 * Parses a body with a schema; a mismatch is an error that says what was expected, without echoing
 * the body (it may hold customer data).
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
  throw new UnexpectedAnswerError(`${what}: unexpected answer${where}: ${issue.message}`);
}

export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswerError';
  }
}
