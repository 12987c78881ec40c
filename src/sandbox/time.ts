// The org's timeline and Zoho's datetime formats. The generated org lives in fixed time (no wall clock),
// so the same seed always gives the same bytes.
// Math's functions held in module constants: under a vm context (jest) every global lookup goes
// through an interceptor and costs ~100x more, which the per-value hot paths here would feel.
const { abs, floor, trunc } = Math;

/** The first record of the org was created at this instant. */
export const ORG_START_MS = Date.UTC(2019, 0, 7, 9, 0, 0);
/** "Now" inside the generated data: nothing was created, modified or deleted later (until mutate()). */
export const ORG_NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0);

const OFFSETS = ['+05:30', '-11:00', '+00:00', '+01:00', '-05:00', '+09:00', '+05:45', '-03:30'];

/** The org's time zone offset, chosen by seed (e.g. "+05:30"). */
export function orgOffset(seed: number): string {
  return OFFSETS[abs(trunc(seed)) % OFFSETS.length];
}

export function offsetMinutes(offset: string): number {
  let m = OFFSET_MINUTES.get(offset);
  if (m === undefined) {
    const sign = offset.startsWith('-') ? -1 : 1;
    m = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
    OFFSET_MINUTES.set(offset, m);
  }
  return m;
}
const OFFSET_MINUTES = new Map<string, number>();

/** Every offset a datetime value may carry; datetime fields other than the system ones use several. */
export const ALL_OFFSETS: readonly string[] = OFFSETS;

/** `2026-06-23T23:47:59-11:00`: the instant `ms` written in the given offset, second precision. */
export function isoWithOffset(ms: number, offset: string): string {
  const s = floor(ms / 1000) + offsetMinutes(offset) * 60;
  if (!(s >= 0 && s < MAX_FAST_S)) return new Date(s * 1000).toISOString().slice(0, 19) + offset;
  const days = floor(s / 86400);
  let sod = s - days * 86400;
  const hh = floor(sod / 3600);
  sod -= hh * 3600;
  const mm = floor(sod / 60);
  return `${civilDate(days)}T${TWO[hh]}:${TWO[mm]}:${TWO[sod - mm * 60]}${offset}`;
}

/** `2026-06-23`: the calendar day of `ms` in UTC. */
export function isoDate(ms: number): string {
  if (!(ms >= 0 && ms < MAX_FAST_S * 1000)) return new Date(ms).toISOString().slice(0, 10);
  return civilDate(floor(ms / 86400000));
}

// Records carry several datetimes each: formatting them by hand is ~5x cheaper than Date#toISOString
// and gives the same text for 1970-01-01 … 9999-12-31 (outside it, the Date path above answers).
const MAX_FAST_S = 253402300800; // 10000-01-01T00:00:00Z
const TWO = Array.from({ length: 100 }, (_, k) => (k < 10 ? `0${k}` : `${k}`));

/** `YYYY-MM-DD` of a day count since 1970-01-01 (≥ 0), by the proleptic Gregorian calendar. */
function civilDate(days: number): string {
  const z = days + 719468;
  const era = floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));
  const mp = floor((5 * doy + 2) / 153);
  const d = doy - floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${TWO[m]}-${TWO[d]}`;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads an If-Modified-Since value: ISO 8601 with an offset (what Zoho documents) or an RFC 7231
 * HTTP-date (what HTTP clients send by habit). Returns ms, or undefined when neither.
 */
export function parseInstant(text: string): number | undefined {
  const t = text.trim();
  const m = ISO_RE.exec(t);
  if (m) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}
