// The byte scanner that reads records and deleted pages: it must accept exactly what JSON.parse
// accepts, find each entry's bytes, and refuse other shapes with the path that was wrong.
import { describe, expect, test } from '@jest/globals';
import { ndjsonLine } from '../../src/pipelines/ndjson-line.js';
import { mergeBatchPages, mergeParts, mergeRawParts } from '../../src/zoho/field-batches.js';
import { JsonSyntaxError, PageShapeError, scanEntriesPage } from '../../src/zoho/entries-page.js';
import { rng } from '../support/rng.js';

const scan = (text: string | Buffer) => scanEntriesPage(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
const parsedEntries = (text: string) => scan(text).entries.map((e) => JSON.parse(e.bytes.toString('utf8')) as unknown);


const TEXTS = ['', 'plain', 'quote " inside', 'back\\slash', 'new\nline', 'tab\t', 'Ünïcode', '日本語', 'emoji 🎉', 'sep \u2028 x', '\u0001', '/slash/'];
function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return Math.floor((r() - 0.5) * 1e6);
    case 3: return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    case 4:
    case 5: return TEXTS[Math.floor(r() * TEXTS.length)];
    case 6: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}${TEXTS[Math.floor(r() * 4)]}`, randomValue(r, depth + 1)]));
  }
}
function randomPage(r: () => number): Record<string, unknown> {
  const data = Array.from({ length: Math.floor(r() * 5) }, (_, i) => ({
    id: String(1000 + i),
    Modified_Time: '2026-11-01T10:00:00+01:00',
    ...Object.fromEntries(Array.from({ length: Math.floor(r() * 6) }, (_, j) => [`F${j}`, randomValue(r, 0)])),
  }));
  return { data, info: { more_records: r() < 0.5, next_page_token: r() < 0.5 ? 'tok' : null, count: data.length } };
}

describe('scanEntriesPage', () => {
  test('finds every entry: its bytes are its JSON, its id and Modified_Time are read', () => {
    const page = {
      data: [{ id: '1', Modified_Time: '2026-01-02T03:04:05+00:00', nested: { id: 'not me', a: [1, { b: null }] } }, { Name: 'x', id: '2' }],
      info: { more_records: true, next_page_token: 't' },
    };
    const scanned = scan(JSON.stringify(page));
    expect(scanned.entries.map((e) => [e.id, e.Modified_Time, e.compact, e.hasModuleKey])).toEqual([
      ['1', '2026-01-02T03:04:05+00:00', true, false],
      ['2', undefined, true, false],
    ]);
    expect(scanned.entries.map((e) => JSON.parse(e.bytes.toString()) as unknown)).toEqual(page.data);
    expect(scanned.info).toEqual(page.info);
  });

  test('keys and values in escapes are read as JSON.parse reads them; the last of two equal keys wins', () => {
    const text = '{"data":[{"\\u0069d":"7\\u0030","Modified_Time":1,"Modified_Time":"2026-01-01T00:00:00Z","mod\\u0075le":"m"}],"info":{}}';
    const [e] = scan(text).entries;
    expect([e.id, e.Modified_Time, e.hasModuleKey]).toEqual(['70', '2026-01-01T00:00:00Z', true]);
    expect(scan('{"data":[{"id":"1","id":"2"}]}').entries[0].id).toBe('2');
    expect(scan('{"data":[{"id":"1"}],"data":[]}').entries).toEqual([]);
  });

  test('bytes that cannot be a line as they are are marked, and made one: whitespace between tokens, U+2028/U+2029 in a string', () => {
    const pretty = JSON.stringify({ data: [{ id: '1', a: [1, 2] }, { id: '2' }] }, null, 2);
    expect(scan(pretty).entries.map((e) => e.compact)).toEqual([false, false]);
    expect(parsedEntries(pretty)).toEqual([{ id: '1', a: [1, 2] }, { id: '2' }]);
    const sep = JSON.stringify({ data: [{ id: '1', a: 'x\u2028y' }, { id: '2', a: 'x\u2029' }, { id: '3', a: 'â€' }] });
    expect(scan(sep).entries.map((e) => e.compact)).toEqual([false, false, true]);
    expect(scan(sep).entries.map((e) => e.line().toString())).toEqual(['{"id":"1","a":"x\\u2028y"}', '{"id":"2","a":"x\\u2029"}', '{"id":"3","a":"â€"}']);
    expect(scan(pretty).entries.map((e) => e.line().toString())).toEqual(['{"id":"1","a":[1,2]}', '{"id":"2"}']);
    // Whitespace around entries (outside their bytes) does not matter.
    expect(scan('{ "data" : [ {"id":"1"} , {"id":"2"} ] }').entries.map((e) => e.compact)).toEqual([true, true]);
  });

  test('invalid UTF-8 is read as JSON.parse of the decoded text would read it (U+FFFD), never copied', () => {
    const body = Buffer.concat([Buffer.from('{"data":[{"id":"1","a":"x'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]);
    const [e] = scanEntriesPage(body).entries;
    expect(JSON.parse(e.bytes.toString())).toEqual({ id: '1', a: 'x\ufffd\ufffd' });
  });

  test('valid JSON of another shape names what was expected where', () => {
    const shape = (text: string): string => {
      try {
        scan(text);
      } catch (error) {
        expect(error).toBeInstanceOf(PageShapeError);
        return (error as Error).message;
      }
      throw new Error('no error');
    };
    expect(shape('[]')).toBe('unexpected answer at (top): expected an object with "data"');
    expect(shape('{"info":{}}')).toBe('unexpected answer at data: expected an array of entries');
    expect(shape('{"data":{"id":"1"}}')).toBe('unexpected answer at data: expected an array of entries');
    expect(shape('{"data":[{"id":"1"},{"name":"secret customer"}]}')).toBe(
      'unexpected answer at data.1: expected an entry that is an object with a string "id"',
    );
    expect(shape('{"data":[{"id":""}]}')).toMatch(/at data\.0/);
    expect(shape('{"data":[{"id":5}]}')).toMatch(/at data\.0/);
    expect(shape('{"data":[{}]}')).toMatch(/at data\.0/);
    expect(shape('{"data":["x"]}')).toMatch(/at data\.0/);
  });

  test('a syntax error anywhere is a JsonSyntaxError, even after a shape problem', () => {
    const truncated = ['', '{', '{"data":[{"id":"1"}', '{"data":[{"id":"1"}]'];
    const misplaced = ['{"data":[{"id":"1",}]}', '{"data":[]} x', '{"data":[],}', '{"data":[{"id":"1\n"}]}', '{"data":["x",]}'];
    const badTokens = ['{"data":[01]}', '{"data":[1.]}', '{"data":[-]}', '{"data":[tru]}', '{"data":["\\x"]}', '{"data":["\\u12g4"]}', '{"data":[{"id" "1"}]}'];
    for (const bad of [...truncated, ...misplaced, ...badTokens]) {
      expect(() => scan(bad)).toThrow(JsonSyntaxError);
      expect(() => JSON.parse(bad)).toThrow(SyntaxError);
    }
    expect(() => scan(`{"data":[${'['.repeat(600)}${']'.repeat(600)}]}`)).toThrow(/nested deeper/);
  });

  test('fuzz: random pages read like JSON.parse; random cuts and byte flips fail exactly when JSON.parse fails', () => {
    const r = rng(8);
    for (let n = 0; n < 300; n++) {
      const page = randomPage(r);
      const text = r() < 0.3 ? JSON.stringify(page, null, r() < 0.5 ? 1 : '\t') : JSON.stringify(page);
      expect(parsedEntries(text)).toEqual(page.data);
      expect(scan(text).info).toEqual(page.info);
      // The line of each entry is what the writer makes of the object, without parsing it.
      expect(scan(text).entries.map((e) => `${e.line().toString('utf8')}\n`)).toEqual((page.data as unknown[]).map((d) => ndjsonLine(d)));
      // A cut or a changed byte: the scanner and JSON.parse agree on whether it is still JSON.
      const bytes = Buffer.from(text, 'utf8');
      const mutated = r() < 0.5 ? bytes.subarray(0, Math.floor(r() * bytes.length)) : Buffer.from(bytes);
      if (mutated.length === bytes.length) mutated[Math.floor(r() * mutated.length)] = ' {}[]",:0ex\\'.charCodeAt(Math.floor(r() * 13));
      let jsonOk = true;
      try {
        JSON.parse(mutated.toString('utf8'));
      } catch {
        jsonOk = false;
      }
      let scanSyntaxOk = true;
      try {
        scanEntriesPage(mutated);
      } catch (error) {
        if (error instanceof JsonSyntaxError) scanSyntaxOk = false;
        else expect(error).toBeInstanceOf(PageShapeError);
      }
      expect([mutated.toString('utf8'), scanSyntaxOk]).toEqual([mutated.toString('utf8'), jsonOk]);
    }
  });
});

describe('field batches merged as bytes', () => {
  const entryOf = (record: unknown, pretty = false) =>
    scanEntriesPage(Buffer.from(JSON.stringify({ data: [record] }, null, pretty ? 1 : undefined))).entries[0];

  test('the same record, keys in the same order, as mergeParts gives from objects', () => {
    const r = rng(3);
    for (let n = 0; n < 200; n++) {
      // Batch 0 owns F0–F2, batch 1 F3–F5; Zoho adds id and $-keys to every part, sometimes in another order.
      const shared = () => (r() < 0.5 ? { id: '42', $state: 'save' } : { $state: 'save', id: '42' });
      const value = () => randomValue(r, 0);
      const p0 = { ...shared(), F0: value(), F1: value(), Modified_Time: '2026-01-01T00:00:00Z', F2: value() };
      const p1 = { F3: value(), ...shared(), F4: value(), F5: value() };
      const owned = [new Set(['F0', 'F1', 'F2', 'Modified_Time']), new Set(['F3', 'F4', 'F5'])];
      const pretty = r() < 0.3;
      const parts = [entryOf(p0, pretty), entryOf(p1)];
      const merged = mergeRawParts(parts, owned)!;
      expect(merged.bytes.toString()).toBe(pretty ? merged.bytes.toString() : JSON.stringify(mergeParts([p0, p1], owned)));
      expect(merged.line().toString()).toBe(ndjsonLine(mergeParts([p0, p1], owned)).slice(0, -1));
      expect([merged.id, merged.Modified_Time, merged.compact]).toEqual(['42', '2026-01-01T00:00:00Z', parts[0].compact && parts[1].compact]);
    }
  });

  test('members: every key in order with its bytes, whatever the keys (escaped, repeated, new, thousands of them)', () => {
    const expectMembers = (text: string, repeated = false) => {
      const entry = scan(`{"data":[${text}]}`).entries[0];
      const members = entry.members();
      if (repeated) return expect(members).toBeUndefined();
      const parsed = JSON.parse(text) as Record<string, unknown>;
      expect(members!.map((m) => m.key)).toEqual(Object.keys(parsed));
      for (const m of members!) expect(JSON.parse(`{${entry.bytes.toString('utf8', m.start, m.end)}}`)).toEqual({ [m.key]: parsed[m.key] });
    };
    expectMembers('{"id":"1","a":1,"b":{"a":2,"a":3},"c":"x\\"y"}');
    expectMembers('{"id":"1","a":1,"\\u0061":2}', true);
    expectMembers('{"id":"1","a\\"b":1,"c":[1,{"d":2}]}');
    expectMembers('{"id":"1","a":1,"b":2,"a":3}', true);
    expectMembers('{"id":"1","é":1,"日本":2,"🎉":3}');
    // Far more distinct keys than the table of known keys holds, twice over, repeats among them.
    for (let n = 0; n < 300; n++) {
      const keys = Array.from({ length: 40 }, (_, i) => `f${(n * 37 + i * 101) % 9000}`);
      if (n % 7 === 3) keys.push(keys[n % 40]);
      expectMembers(`{"id":"${n}",${keys.map((k, i) => `"${k}":${i}`).join(',')}}`, n % 7 === 3);
    }
  });

  test('a part that repeats a key is left to the object merge', () => {
    const part = scanEntriesPage(Buffer.from('{"data":[{"id":"1","a":1,"a":2}]}')).entries[0];
    expect(part.members()).toBeUndefined();
    expect(mergeRawParts([part, entryOf({ id: '1', b: 3 })])).toBeUndefined();
    // The page merge still gives the record JSON.parse would.
    const { complete } = mergeBatchPages([[part], [entryOf({ id: '1', b: 3 })]], []);
    expect(complete).toEqual([{ id: '1', a: 2, b: 3 }]);
  });

  test('parts still waiting for another batch travel as objects', () => {
    const { complete, pending } = mergeBatchPages([[entryOf({ id: '1', a: 1 })], []], []);
    expect(complete).toEqual([]);
    expect(pending).toEqual([['1', [{ id: '1', a: 1 }, null]]]);
    expect(JSON.parse(JSON.stringify(pending))).toEqual(pending);
  });
});
