// Rich-text completion on bytes must write exactly the line the object round trip wrote (parse the
// record, take each rich field the whole entry has, JSON.stringify), or decline so the caller takes
// the objects.
import { describe, expect, test } from '@jest/globals';
import { scanEntriesPage, type RawEntry } from '../../src/zoho/entries-page.js';
import { canonicalJson, spliceable, spliceRichText } from '../../src/zoho/rich-text-splice.js';
import { rng } from '../support/rng.js';

const entry = (json: string): RawEntry => scanEntriesPage(Buffer.from(`{"data":[${json}]}`, 'utf8')).entries[0];

/** The line the object round trip writes. */
function roundTrip(record: string, whole: string, rich: string[]): string {
  const out = JSON.parse(record) as Record<string, unknown>;
  const w = JSON.parse(whole) as Record<string, unknown>;
  for (const f of rich) if (f in w) out[f] = w[f];
  return JSON.stringify(out);
}

/** The splice's line, or undefined when it declines. */
const spliced = (record: string, whole: string, rich: string[]): string | undefined =>
  spliceRichText(entry(record), entry(whole), rich)?.bytes.toString('utf8');


// Raw JSON snippets, canonical or not, so the fuzz meets both.
const VALUES = [
  'null', 'true', 'false', '0', '-0', '12', '-7', '1.5', '1.50', '1e3', '1E+3', '123456789012345678', '0.1', '-0.25',
  '""', '"plain"', '"q \\" b \\\\ n \\n t \\t"', '"slash \\/"', '"\\u0041"', '"\\u001f"', '"\\b\\f\\r"', '"Ünï 日本 🎉"', '"sep \u2028 x"',
  '[]', '[1,"a",null]', '{}', '{"a":1,"b":"x"}', '{"a":1,"a":2}', '{"2":1,"1":2}', '{"n":{"x":[{"y":1,"y":2}]}}', '{"name":"O","id":"5"}',
];
const pick = <T,>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function randomRecord(r: () => number, keys: readonly string[]): string {
  const members = ['"id":"1"', ...keys.filter(() => r() < 0.7).map((k) => `"${k}":${pick(r, VALUES)}`)];
  if (r() < 0.1) members.push(`"${pick(r, keys)}":${pick(r, VALUES)}`); // a repeated key, sometimes
  return `{${members.join(',')}}`;
}

describe('spliceRichText', () => {
  const rich = ['Details', 'Notes'];

  test('replaces the cut value in place and adds a whole value the record lacks, in rich order', () => {
    const record = '{"id":"1","Details":"<p>cut","Name":"A","Modified_Time":"2026-01-01T00:00:00+00:00"}';
    const whole = '{"Notes":"<p>n</p>","Details":"<p>cut and the rest</p>","id":"1"}';
    expect(spliced(record, whole, rich)).toBe(roundTrip(record, whole, rich));
    const e = spliceRichText(entry(record), entry(whole), rich)!;
    expect(e.id).toBe('1');
    expect(e.Modified_Time).toBe('2026-01-01T00:00:00+00:00');
  });

  test('a whole entry without the field keeps the record as it is; an added field goes last', () => {
    expect(spliced('{"id":"1","Details":"x"}', '{"id":"1"}', rich)).toBe('{"id":"1","Details":"x"}');
    expect(spliced('{"Name":"A","id":"1"}', '{"Notes":null,"id":"1"}', rich)).toBe('{"Name":"A","id":"1","Notes":null}');
  });

  test('declines where the bytes could differ from the round trip', () => {
    for (const [record, whole] of [
      ['{"id":"1","Details":"x","Amount":1.50}', '{"id":"1","Details":"y"}'],
      ['{"id":"1","Details":"x"}', '{"id":"1","Details":"\\u0041"}'],
      ['{"id":"1","Details":"a\\/b"}', '{"id":"1","Details":"y"}'],
      ['{"id":"1","Owner":{"id":"2","id":"3"},"Details":"x"}', '{"id":"1","Details":"y"}'],
      ['{"id":"1","Details":"x","Details":"z"}', '{"id":"1","Details":"y"}'],
      ['{"id":"1","Tags":{"2":1,"1":2},"Details":"x"}', '{"id":"1","Details":"y"}'],
      ['{ "id":"1","Details":"x"}', '{"id":"1","Details":"y"}'],
      ['{"id":"1","Details":"x","Big":123456789012345678}', '{"id":"1","Details":"y"}'],
    ]) expect([record, spliced(record, whole, rich)]).toEqual([record, undefined]);
  });

  test('wide records: a repeat among a hundred keys is found; past 256 keys it declines', () => {
    const wide = (n: number, repeat?: number) => {
      const fields = Array.from({ length: n }, (_, i) => `"Custom_Field_${i}":${i}`);
      if (repeat !== undefined) fields.push(`"Custom_Field_${repeat}":0`);
      return `{"id":"1",${fields.join(',')},"Details":"x"}`;
    };
    const whole = '{"id":"1","Details":"y"}';
    expect(spliced(wide(100), whole, rich)).toBe(roundTrip(wide(100), whole, rich));
    expect(spliced(wide(100, 57), whole, rich)).toBeUndefined();
    expect(spliced(wide(300), whole, rich)).toBeUndefined();
  });

  test('rich names the splice cannot take', () => {
    expect(spliceable(['Details', 'Product_Details'])).toBe(true);
    for (const f of ['toString', '__proto__', '1st', 'id', 'Modified_Time', 'module']) expect(spliceable([f])).toBe(false);
  });

  test('fuzz: every line it writes is the round trip\'s, and canonical records are spliced', () => {
    const r = rng(14);
    const keys = ['Details', 'Notes', 'Name', 'Amount', 'Owner'];
    let taken = 0;
    for (let n = 0; n < 3000; n++) {
      const record = randomRecord(r, keys);
      const whole = randomRecord(r, ['Details', 'Notes']);
      const got = spliced(record, whole, rich);
      if (got === undefined) continue;
      taken++;
      expect([record, whole, got]).toEqual([record, whole, roundTrip(record, whole, rich)]);
    }
    expect(taken).toBeGreaterThan(100);
  });
});

describe('canonicalJson', () => {
  test('says whether JSON.stringify(JSON.parse(text)) gives the bytes back', () => {
    for (const v of VALUES) {
      const b = Buffer.from(v, 'utf8');
      const same = JSON.stringify(JSON.parse(v)) === v;
      // Never true when the round trip differs; true for the plain cases the splice relies on.
      if (canonicalJson(b, 0, b.length)) expect([v, same]).toEqual([v, true]);
    }
    for (const v of ['"plain"', '12', '-0.25', '{"name":"O","id":"5"}', '[1,"a",null]', '"q \\" b \\\\ n \\n t \\t"']) {
      expect([v, canonicalJson(Buffer.from(v), 0, Buffer.from(v).length)]).toEqual([v, true]);
    }
  });
});
