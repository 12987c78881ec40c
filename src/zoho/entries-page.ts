// A records or deleted page read straight from the answer's bytes: `{"data":[{…},…],"info":{…}}`.
//
// Why not JSON.parse: every record would be decoded to a string, built as an object with ~40
// properties, checked, then serialised again by JSON.stringify to become its NDJSON line — in the
// profile that round trip (decode, parse, stringify, encode and the garbage it leaves) was over a
// third of the crawler's CPU. Here one pass over the bytes checks the whole body is JSON (a syntax
// error is reported as JSON.parse would, so the call is retried), finds each entry's bytes and reads
// only the top-level keys the crawler relies on (`id`, `Modified_Time`). An entry's bytes then become
// its line as they are: the same JSON value, not re-encoded (numbers keep every digit Zoho sent).
//
// Entries whose bytes cannot be a line as they are — whitespace between tokens (a pretty-printed
// answer: a line must not hold a newline) or U+2028/U+2029 inside a string (some line readers split
// there) — are marked `compact: false` and are re-serialised by the caller, as before.
import { isUtf8 } from 'node:buffer';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, isDigit, OPEN_BRACE, OPEN_BRACKET, QUOTE, QUOTE_OR_BACKSLASH } from './json-bytes.js';

/** One entry of `data`: its bytes and the top-level values the crawler needs. */
export class RawEntry {
  constructor(
    readonly id: string,
    /** Top-level `Modified_Time` when it is a string (records); undefined otherwise. */
    readonly Modified_Time: string | undefined,
    /** The entry's JSON, exactly as sent (a view of the answer's bytes). */
    readonly bytes: Buffer,
    /** The bytes can be written as one NDJSON line unchanged. */
    readonly compact: boolean,
    /** The entry has a top-level key named `module` (ZOHO_INCLUDE_MODULE_NAME must then rebuild it). */
    readonly hasModuleKey: boolean,
    /** Not compact because of whitespace between tokens (else only because of U+2028/U+2029). */
    readonly spaced = !compact,
  ) {}

  /**
   * The entry as one NDJSON line's JSON: its bytes when compact, else a copy without whitespace
   * between tokens and with U+2028/U+2029 escaped — the same value, still never parsed.
   */
  line(): Buffer {
    if (this.compact) return this.bytes;
    return this.spaced ? compactJson(this.bytes) : escapeSeparators(this.bytes);
  }

  /**
   * The entry as a line's JSON for a writer that escapes U+2028/U+2029 as it copies (see
   * rawSeparators): its bytes as they are unless whitespace between tokens must go. No copy for a
   * separator alone: in text-heavy orgs that is most records.
   */
  lineJson(): Buffer {
    return this.spaced ? compactJson(this.bytes) : this.bytes;
  }

  /** lineJson() may hold U+2028/U+2029 raw inside strings. */
  get rawSeparators(): boolean {
    return !this.compact && !this.spaced;
  }

  /**
   * The entry's top-level members in order, each as its key and the byte range of `"key":value`;
   * undefined when a key repeats (JSON.parse would keep the last value at the first place: only an
   * object says that simply). Used to merge field batches without parsing.
   */
  members(): RawMember[] | undefined {
    const b = this.bytes;
    return knownMembers(b) ?? membersOf(b);
  }

  /** The entry as an object: a parse, only where an object is needed (merges, incremental repeats). */
  object(): Record<string, unknown> & { id: string } {
    return JSON.parse(this.bytes.toString('utf8')) as Record<string, unknown> & { id: string };
  }
}

/**
 * A key's string, kept by the FNV-1a hash of its bytes: every record of a module repeats the same
 * keys, and building each key's string anew (plus a Set per record to find a repeated key) was most
 * of members()' cost — field-batch merges of a 62-field module were 7% of a text-heavy crawl.
 * `seen` marks the members() call that met the key last, which finds a repeat without a Set.
 */
class KnownKey {
  seen = 0;
  constructor(
    readonly key: string,
    readonly bytes: Buffer,
  ) {}
}
const KNOWN_KEYS = new Map<number, KnownKey>();
const MAX_KNOWN_KEYS = 4096;
let membersCall = 0;

/**
 * members() when every key is plain (no escape) and known or new to KNOWN_KEYS; undefined when the
 * entry needs the general walk (membersOf): a key with an escape, a hash shared by two keys, a full
 * table. A repeated key is left to membersOf too, which answers undefined.
 */
function knownMembers(b: Buffer): RawMember[] | undefined {
  if (KNOWN_KEYS.size >= MAX_KNOWN_KEYS) KNOWN_KEYS.clear();
  const call = ++membersCall;
  const out: RawMember[] = [];
  let i = skipWs(b, 1);
  if (b[i] === CLOSE_BRACE) return out;
  for (;;) {
    const start = i;
    // The key: hashed while skipped.
    let h = 0x811c9dc5;
    let k = i + 1;
    for (;;) {
      const c = b[k];
      if (c === QUOTE) break;
      if (c === BACKSLASH) return undefined;
      h = Math.imul(h ^ c, 0x01000193);
      k++;
    }
    const known = knownKey(b, i + 1, k, h);
    if (known === undefined) return undefined;
    if (known.seen === call) return undefined; // a repeated key: membersOf says so
    known.seen = call;
    i = skipWs(b, skipWs(b, k + 1) + 1);
    i = skipValue(b, i);
    out.push({ key: known.key, start, end: i });
    i = skipWs(b, i);
    if (b[i] !== COMMA) return out;
    i = skipWs(b, i + 1);
  }
}

/** The known key whose bytes are b[start, end), added when new; undefined on a hash collision or a full table. */
function knownKey(b: Buffer, start: number, end: number, hash: number): KnownKey | undefined {
  const known = KNOWN_KEYS.get(hash);
  const length = end - start;
  if (known) {
    const kb = known.bytes;
    if (kb.length !== length) return undefined;
    for (let j = 0; j < length; j++) if (kb[j] !== b[start + j]) return undefined;
    return known;
  }
  if (KNOWN_KEYS.size >= MAX_KNOWN_KEYS) return undefined;
  const added = new KnownKey(b.toString('utf8', start, end), Buffer.from(b.subarray(start, end)));
  KNOWN_KEYS.set(hash, added);
  return added;
}

/** members() by the general walk: any key, a Set to find a repeated one. */
function membersOf(b: Buffer): RawMember[] | undefined {
  const out: RawMember[] = [];
  const seen = new Set<string>();
  let i = skipWs(b, 1);
  if (b[i] === CLOSE_BRACE) return out;
  for (;;) {
    const start = i;
    const keyEnd = skipString(b, i);
    const key = keyOf(b, start, keyEnd);
    if (seen.has(key)) return undefined;
    seen.add(key);
    i = skipWs(b, skipWs(b, keyEnd) + 1);
    i = skipValue(b, i);
    out.push({ key, start, end: i });
    i = skipWs(b, i);
    if (b[i] !== COMMA) return out;
    i = skipWs(b, i + 1);
  }
}

/** A top-level member of an entry: `"key":value` at bytes [start, end). */
export interface RawMember {
  key: string;
  start: number;
  end: number;
}

// Walkers over bytes the scanner already accepted as JSON: no checks needed.
function skipWs(b: Buffer, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

/** From the opening quote to just past the closing one. */
function skipString(b: Buffer, i: number): number {
  const n = b.length;
  for (i++; ; i++) {
    // Four plain bytes at a time (as in Scanner.string): one bounds check for them.
    const t = QUOTE_OR_BACKSLASH;
    while (i + 4 <= n && t[b[i]] === 0 && t[b[i + 1]] === 0 && t[b[i + 2]] === 0 && t[b[i + 3]] === 0) i += 4;
    const c = b[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
}

function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    while (
      i < b.length &&
      b[i] !== COMMA &&
      b[i] !== CLOSE_BRACE &&
      b[i] !== CLOSE_BRACKET &&
      b[i] !== 0x20 &&
      b[i] !== 0x0a &&
      b[i] !== 0x0d &&
      b[i] !== 0x09
    ) i++;
    return i;
  }
  let depth = 0;
  for (;;) {
    const d = b[i];
    if (d === QUOTE) {
      i = skipString(b, i);
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) depth--;
    i++;
    if (depth === 0) return i;
  }
}

/** The key of a member whose string spans [start, end) (quotes included). */
function keyOf(b: Buffer, start: number, end: number): string {
  for (let k = start + 1; k < end - 1; k++) if (b[k] === BACKSLASH) return JSON.parse(b.toString('utf8', start, end)) as string;
  return b.toString('utf8', start + 1, end - 1);
}

/**
 * Valid JSON made compact: whitespace outside strings dropped, U+2028/U+2029 inside strings written
 * as \u2028/\u2029 (some line readers split there). Only for bytes the scanner accepted.
 */
export function compactJson(json: Buffer): Buffer {
  // Worst case: every 3-byte separator becomes a 6-byte escape.
  const out = Buffer.allocUnsafe(json.length * 2);
  let n = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (!inString) {
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (c === QUOTE) inString = true;
      out[n++] = c;
    } else if (c === BACKSLASH) {
      out[n++] = c;
      out[n++] = json[++i];
    } else if (c === 0xe2 && json[i + 1] === 0x80 && (json[i + 2] === 0xa8 || json[i + 2] === 0xa9)) {
      n += out.write(json[i + 2] === 0xa8 ? '\\u2028' : '\\u2029', n, 'latin1');
      i += 2;
    } else {
      if (c === QUOTE) inString = false;
      out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

/**
 * Compact JSON whose only flaw is U+2028/U+2029 inside strings (they can be nowhere else): each
 * becomes \u2028/\u2029, the bytes between are copied as they are.
 */
function escapeSeparators(json: Buffer): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = json.indexOf(0xe2); at !== -1; at = json.indexOf(0xe2, at + 1)) {
    if (json[at + 1] !== 0x80 || (json[at + 2] !== 0xa8 && json[at + 2] !== 0xa9)) continue;
    parts.push(json.subarray(from, at), json[at + 2] === 0xa8 ? LS_ESCAPE : PS_ESCAPE);
    from = at + 3;
    at += 2;
  }
  parts.push(json.subarray(from));
  return Buffer.concat(parts);
}
const LS_ESCAPE = Buffer.from('\\u2028', 'latin1');
const PS_ESCAPE = Buffer.from('\\u2029', 'latin1');

export interface ScannedPage {
  entries: RawEntry[];
  /** The parsed `info` object, or undefined when absent (validated by the caller). */
  info: unknown;
}

/** The body is not JSON (cut short or mangled): the same failure JSON.parse reports. */
export class JsonSyntaxError extends SyntaxError {
  constructor(message: string, at: number) {
    super(`${message} at byte ${at}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Valid JSON of another shape than a page of entries: names where and what was expected. */
export class PageShapeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`unexpected answer at ${path}: expected ${expected}`);
    this.name = 'PageShapeError';
  }
}

/** Reads a page; throws JsonSyntaxError (not JSON) or PageShapeError (JSON, not a page of entries). */
export function scanEntriesPage(body: Buffer): ScannedPage {
  // Invalid UTF-8 would be copied into the output as is; JSON.parse would have made it U+FFFD.
  const bytes = isUtf8(body) ? body : Buffer.from(body.toString('utf8'), 'utf8');
  return new Scanner(bytes).page();
}

const MAX_DEPTH = 512;

/** Bytes inside a string that need a look: the quote, the backslash, control bytes, and 0xE2 (U+2028/9's lead). */
const STRING_SPECIAL = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_SPECIAL[c] = 1;
STRING_SPECIAL[QUOTE] = 1;
STRING_SPECIAL[BACKSLASH] = 1;
STRING_SPECIAL[0xe2] = 1;
const ESCAPABLE = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]); // " \ / b f n r t
const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

const KEY_ID = Buffer.from('id');
const KEY_MODIFIED = Buffer.from('Modified_Time');
const KEY_MODULE = Buffer.from('module');
const KEY_DATA = Buffer.from('data');
const KEY_INFO = Buffer.from('info');

class Scanner {
  private i = 0;
  /** Whitespace between tokens seen since the flag was last cleared. */
  private spaced = false;
  /** U+2028 or U+2029 seen inside a string since the flag was last cleared. */
  private separator = false;
  /** Where the last string's content starts and ends, and whether it holds an escape. */
  private strStart = 0;
  private strEnd = 0;
  private strEscaped = false;

  constructor(private readonly b: Buffer) {}

  page(): ScannedPage {
    let entries: RawEntry[] | undefined;
    let info: unknown;
    let shape: PageShapeError | undefined;
    this.ws();
    if (this.b[this.i] !== OPEN_BRACE) {
      this.value(0);
      this.end();
      throw new PageShapeError('(top)', 'an object with "data"');
    }
    this.i++;
    this.ws();
    if (this.b[this.i] !== CLOSE_BRACE) {
      for (;;) {
        this.string();
        const [ks, ke, kesc] = [this.strStart, this.strEnd, this.strEscaped];
        this.ws();
        this.expect(COLON);
        this.ws();
        // JSON.parse keeps the last of two equal keys: so does this.
        if (this.keyIs(ks, ke, kesc, KEY_DATA)) {
          if (this.b[this.i] === OPEN_BRACKET) {
            const read = this.entries();
            entries = read.entries;
            shape = read.shape;
          } else {
            this.value(1);
            entries = undefined;
            shape = new PageShapeError('data', 'an array of entries');
          }
        } else if (this.keyIs(ks, ke, kesc, KEY_INFO)) {
          const start = this.i;
          this.value(1);
          info = JSON.parse(this.b.toString('utf8', start, this.i));
        } else {
          this.value(1);
        }
        if (this.more(CLOSE_BRACE)) continue;
        break;
      }
    } else {
      this.i++;
    }
    this.end();
    if (shape) throw shape;
    if (!entries) throw new PageShapeError('data', 'an array of entries');
    return { entries, info };
  }

  /** The `data` array: each element should be an object with a string id. */
  private entries(): { entries: RawEntry[]; shape?: PageShapeError } {
    const out: RawEntry[] = [];
    let shape: PageShapeError | undefined;
    this.i++;
    this.ws();
    if (this.b[this.i] === CLOSE_BRACKET) {
      this.i++;
      return { entries: out };
    }
    for (let n = 0; ; n++) {
      const entry = this.entry();
      if (entry) out.push(entry);
      else shape ??= new PageShapeError(`data.${n}`, 'an entry that is an object with a string "id"');
      if (this.more(CLOSE_BRACKET)) continue;
      return { entries: out, shape };
    }
  }

  /** One element of `data`; undefined when it is valid JSON but not an object with a string id. */
  private entry(): RawEntry | undefined {
    const b = this.b;
    const start = this.i;
    this.spaced = false;
    this.separator = false;
    if (b[this.i] !== OPEN_BRACE) {
      this.value(2);
      return undefined;
    }
    let id: string | undefined;
    let idOk = false;
    let modified: string | undefined;
    let hasModuleKey = false;
    this.i++;
    this.ws();
    if (b[this.i] === CLOSE_BRACE) {
      this.i++;
      return undefined;
    }
    for (;;) {
      this.string();
      const ks = this.strStart;
      const ke = this.strEnd;
      const kesc = this.strEscaped;
      this.ws();
      this.expect(COLON);
      this.ws();
      const isId = this.keyIs(ks, ke, kesc, KEY_ID);
      const isModified = !isId && this.keyIs(ks, ke, kesc, KEY_MODIFIED);
      if (!isId && !isModified && this.keyIs(ks, ke, kesc, KEY_MODULE)) hasModuleKey = true;
      if ((isId || isModified) && b[this.i] === QUOTE) {
        this.string();
        const text = this.lastString();
        if (isId) {
          id = text;
          idOk = text.length > 0;
        } else {
          modified = text;
        }
      } else {
        this.value(3);
        if (isId) idOk = false;
        else if (isModified) modified = undefined;
      }
      if (this.more(CLOSE_BRACE)) continue;
      break;
    }
    if (!idOk || id === undefined) return undefined;
    return new RawEntry(id, modified, b.subarray(start, this.i), !this.spaced && !this.separator, hasModuleKey, this.spaced);
  }

  /** Any JSON value, checked and skipped. */
  private value(depth: number): void {
    const b = this.b;
    const c = b[this.i];
    if (c === QUOTE) return this.string();
    if (c === OPEN_BRACE || c === OPEN_BRACKET) return this.container(depth + 1);
    if (c === 0x2d || isDigit(c)) return this.number();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    this.fail(this.i >= b.length ? 'unexpected end of JSON' : 'unexpected token');
  }

  private container(depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH}`);
    const b = this.b;
    const object = b[this.i] === OPEN_BRACE;
    const close = object ? CLOSE_BRACE : CLOSE_BRACKET;
    this.i++;
    this.ws();
    if (b[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      if (object) {
        this.string();
        this.ws();
        this.expect(COLON);
        this.ws();
      }
      this.value(depth);
      if (this.more(close)) continue;
      return;
    }
  }

  /** A string at the cursor; leaves its content's bounds in strStart/strEnd. */
  private string(): void {
    const b = this.b;
    const n = b.length;
    if (b[this.i] !== QUOTE) this.fail(this.i >= n ? 'unexpected end of JSON' : 'expected a string');
    let i = this.i + 1;
    this.strStart = i;
    let escaped = false;
    for (;;) {
      // Four plain bytes at a time, one bounds check for them: string bytes are most of a page, and
      // this loop ran ~35% faster than byte by byte (text-heavy pages).
      if (i + 4 <= n && STRING_SPECIAL[b[i]] === 0 && STRING_SPECIAL[b[i + 1]] === 0 && STRING_SPECIAL[b[i + 2]] === 0 && STRING_SPECIAL[b[i + 3]] === 0) {
        i += 4;
        continue;
      }
      if (i >= n) this.fail('unterminated string', i);
      const c = b[i];
      if (STRING_SPECIAL[c] === 0) {
        i++;
        continue;
      }
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        const e = b[i + 1];
        if (e === 0x75) {
          if (!(isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5]))) this.fail('bad \\u escape', i);
          i += 6;
        } else if (ESCAPABLE.has(e)) {
          i += 2;
        } else {
          this.fail('bad escape', i);
        }
        continue;
      }
      if (c === 0xe2) {
        if (b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9)) this.separator = true;
        i++;
        continue;
      }
      this.fail('control character in a string', i);
    }
    this.strEnd = i;
    this.strEscaped = escaped;
    this.i = i + 1;
  }

  /** The last string read, decoded. */
  private lastString(): string {
    return this.strEscaped
      ? (JSON.parse(this.b.toString('utf8', this.strStart - 1, this.strEnd + 1)) as string)
      : this.b.toString('utf8', this.strStart, this.strEnd);
  }

  private keyIs(start: number, end: number, escaped: boolean, key: Buffer): boolean {
    if (escaped) return JSON.parse(this.b.toString('utf8', start - 1, end + 1)) === key.toString('utf8');
    if (end - start !== key.length) return false;
    for (let k = 0; k < key.length; k++) if (this.b[start + k] !== key[k]) return false;
    return true;
  }

  private number(): void {
    const b = this.b;
    let i = this.i;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else this.fail('bad number', i);
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) this.fail('bad number', i);
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) this.fail('bad number', i);
      while (isDigit(b[i])) i++;
    }
    this.i = i;
  }

  private literal(word: 'true' | 'false' | 'null'): void {
    for (let k = 0; k < word.length; k++) if (this.b[this.i + k] !== word.charCodeAt(k)) this.fail('unexpected token');
    this.i += word.length;
  }

  private ws(): void {
    const b = this.b;
    let i = this.i;
    for (;;) {
      const c = b[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    if (i !== this.i) {
      this.spaced = true;
      this.i = i;
    }
  }

  /** After a member or element: true past a comma (another follows), false past the closing `close`. */
  private more(close: number): boolean {
    this.ws();
    if (this.b[this.i] === COMMA) {
      this.i++;
      this.ws();
      return true;
    }
    this.expect(close);
    return false;
  }

  private expect(byte: number): void {
    if (this.b[this.i] !== byte) this.fail(this.i >= this.b.length ? 'unexpected end of JSON' : `expected ${String.fromCharCode(byte)}`);
    this.i++;
  }

  /** Only whitespace may follow the top-level value. */
  private end(): void {
    this.ws();
    if (this.i !== this.b.length) this.fail('unexpected data after the JSON value');
  }

  private fail(message: string, at = this.i): never {
    throw new JsonSyntaxError(message, at);
  }
}
