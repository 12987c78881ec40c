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
  const local = new Date(floor(ms / 1000) * 1000 + offsetMinutes(offset) * 60000);
  return local.toISOString().slice(0, 19) + offset;
}

/** `2026-06-23`: the calendar day of `ms` in UTC. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
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
