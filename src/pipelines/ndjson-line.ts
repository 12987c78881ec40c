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
