// Query-parameter and header readers shared by the list endpoints. Each returns the value or the error reply.
import { clientBug, invalidParam, type Reply } from './reply.js';
import { parseInstant } from './time.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reply: Reply };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(reply: Reply): Parsed<T> => ({ ok: false, reply });

export function intParam(q: URLSearchParams, name: string, dflt: number | undefined, min: number, max: number): Parsed<number | undefined> {
  const raw = q.get(name);
  if (raw === null) return ok(dflt);
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) return bad(invalidParam(name, `a whole number from ${min} to ${max}`));
  return ok(Number(raw));
}

export function choiceParam<T extends string>(q: URLSearchParams, name: string, values: readonly T[], dflt: T): Parsed<T> {
  const raw = q.get(name);
  if (raw === null) return ok(dflt);
  const hit = values.find((v) => v === raw);
  return hit === undefined ? bad(invalidParam(name, `one of ${values.join(', ')}`)) : ok(hit);
}

/**
 * If-Modified-Since as seconds (records modified strictly after it are returned). A value that is not a
 * date-time answers 400 INVALID_DATA: the reference does not document this case, so this is our choice.
 */
export function sinceHeader(headers: Record<string, string | string[] | undefined>): Parsed<number | undefined> {
  const raw = headers['if-modified-since'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return ok(undefined);
  const ms = parseInstant(value);
  if (ms === undefined) {
    return bad(
      clientBug(
        400,
        'INVALID_DATA',
        'If-Modified-Since is not a date-time; expected ISO 8601 with an offset such as 2026-01-01T00:00:00+00:00',
        { header_name: 'If-Modified-Since' },
      ),
    );
  }
  // Zoho compares at second precision: a fraction of a second cannot make a record count as newer.
  return ok(Math.floor(ms / 1000));
}

/** A comma-separated list parameter, trimmed and de-duplicated; undefined when absent or empty. */
export function listParam(q: URLSearchParams, name: string): string[] | undefined {
  const raw = q.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  return [...new Set(raw.split(',').map((s) => s.trim()).filter(Boolean))];
}
