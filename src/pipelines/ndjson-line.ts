// One item as one NDJSON line.

const LINE_SEPARATORS = /[\u2028\u2029]/g;
const HAS_LINE_SEPARATOR = /[\u2028\u2029]/;

/**
 * `JSON.stringify` of the value plus `\n`. Newlines inside strings are escaped by JSON itself; U+2028
 * and U+2029 are escaped too (still the same JSON value), because some line readers (Python's
 * `splitlines`, old JavaScript parsers) treat them as line breaks and would cut a record in two.
 */
export function ndjsonLine(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`an item of type ${typeof value} cannot be written as JSON`);
  // The test is ~10x cheaper than a replace that finds nothing, which is nearly every line.
  if (!HAS_LINE_SEPARATOR.test(json)) return `${json}\n`;
  return `${json.replace(LINE_SEPARATORS, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'))}\n`;
}

/** `JSON.stringify` of an item's data, for the writer's writeJsonText (which escapes the separators). */
export function jsonText(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`an item of type ${typeof value} cannot be written as JSON`);
  return json;
}

/** The most bytes `json` can take once its separators are escaped: each 3-byte separator becomes a 6-byte escape. */
export const escapedBound = (json: Buffer): number => json.length * 2;

const isSeparatorAt = (b: Buffer, i: number): boolean => b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9);

/** The size of `json` once its separators are escaped. */
export function escapedLength(json: Buffer): number {
  let n = json.length;
  for (let i = json.indexOf(0xe2); i !== -1; i = json.indexOf(0xe2, i + 1)) if (isSeparatorAt(json, i)) n += 3;
  return n;
}

/** Offsets of the separators of the line being escaped; reused, so that escaping allocates nothing. */
const separatorsAt: number[] = [];

/**
 * Escapes in place the U+2028/U+2029 of the line at out[at, at + n), whose separators `source` (the
 * same bytes, or a view of them) shows: each becomes \u2028/\u2029 and the bytes after it move up
 * (copyWithin). No copy of the line elsewhere and no view per segment: Buffer#copy of a range builds
 * a Uint8Array each time, which was 6% of a text-heavy crawl's allocations. `out` must have room for
 * the escaped bytes; returns their length. Only for valid JSON, where 0xE2 0x80 0xA8/0xA9 can only be
 * a separator inside a string.
 */
function escapeInPlace(source: Buffer, out: Buffer, at: number, n: number): number {
  let k = 0;
  for (let i = source.indexOf(0xe2); i !== -1; i = source.indexOf(0xe2, i + 1)) {
    if (!isSeparatorAt(source, i)) continue;
    separatorsAt[k++] = i;
    i += 2;
  }
  // From the last separator back: the bytes after separator j move up by 3 (j + 1), its escape goes
  // at p + 3j; neither overwrites bytes still to be read (the separators before j stay in place).
  let end = n;
  for (let j = k - 1; j >= 0; j--) {
    const p = separatorsAt[j];
    const last = out[at + p + 2] === 0xa8 ? 0x38 : 0x39; // '8' or '9'
    out.copyWithin(at + p + 3 + 3 * (j + 1), at + p + 3, at + end);
    const e = at + p + 3 * j;
    out[e] = 0x5c; // \
    out[e + 1] = 0x75; // u
    out[e + 2] = 0x32; // 2
    out[e + 3] = 0x30; // 0
    out[e + 4] = 0x32; // 2
    out[e + 5] = last;
    end = p;
  }
  return n + 3 * k;
}

/**
 * Copies JSON bytes into `out` at `at` with U+2028/U+2029 written as \u2028/\u2029 (as ndjsonLine
 * does for a string); returns the bytes written. `out` must have escapedLength(json) bytes of room
 * after `at`. Done while copying into the writer's buffer so that a line with a separator (every
 * record of a text-heavy org) costs no buffer of its own.
 */
export function copyEscapingSeparators(json: Buffer, out: Buffer, at: number): number {
  json.copy(out, at);
  return escapeInPlace(json, out, at, json.length);
}

/**
 * Encodes JSON text into `out` at `at` with U+2028/U+2029 escaped: the bytes ndjsonLine gives (less
 * its newline) without its replace (a second string per line with a separator) and appended newline
 * (a string to flatten). `out` must have twice the text's UTF-8 size of room; returns the bytes written.
 */
export function encodeEscapingSeparators(json: string, out: Buffer, at: number): number {
  const n = out.write(json, at, 'utf8');
  return escapeInPlace(out.subarray(at, at + n), out, at, n);
}
