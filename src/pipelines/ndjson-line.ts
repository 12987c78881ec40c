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

const LS_ESCAPE = Buffer.from('\\u2028', 'latin1');
const PS_ESCAPE = Buffer.from('\\u2029', 'latin1');

/** The most bytes copyEscapingSeparators can write for `json`: each 3-byte separator becomes a 6-byte escape. */
export const escapedBound = (json: Buffer): number => json.length * 2;

/** The size of `json` once its separators are escaped. */
export function escapedLength(json: Buffer): number {
  let n = json.length;
  for (let i = json.indexOf(0xe2); i !== -1; i = json.indexOf(0xe2, i + 1)) {
    if (json[i + 1] === 0x80 && (json[i + 2] === 0xa8 || json[i + 2] === 0xa9)) n += 3;
  }
  return n;
}

/**
 * Copies JSON bytes into `out` at `at` with U+2028/U+2029 written as \u2028/\u2029 (as ndjsonLine
 * does for a string); returns the bytes written. `out` must have escapedLength(json) bytes of room.
 * Done while copying into the writer's buffer so that a line with a separator (every record of a
 * text-heavy org) costs no buffer of its own: that per-line allocation and its garbage were ~4% of a
 * crawl's CPU. Only for valid JSON, where 0xE2 0x80 0xA8/0xA9 can only be a separator inside a string.
 */
export function copyEscapingSeparators(json: Buffer, out: Buffer, at: number): number {
  let n = at;
  let from = 0;
  for (let i = json.indexOf(0xe2); i !== -1; i = json.indexOf(0xe2, i + 1)) {
    if (json[i + 1] !== 0x80 || (json[i + 2] !== 0xa8 && json[i + 2] !== 0xa9)) continue;
    n += json.copy(out, n, from, i);
    n += (json[i + 2] === 0xa8 ? LS_ESCAPE : PS_ESCAPE).copy(out, n);
    from = i + 3;
    i += 2;
  }
  n += json.copy(out, n, from);
  return n - at;
}
