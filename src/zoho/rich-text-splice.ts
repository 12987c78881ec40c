// Rich-text completion on bytes. A page of a module with rich-text fields is completed by one
// actions/fetch_full_data call, and each record took the whole values by a parse of the record, an
// assignment per field and, at the writer, a JSON.stringify of the record: in a text-heavy crawl that
// round trip (plus its garbage) was ~7% of the CPU for a tenth of the records. Here the whole values'
// bytes replace the list's in the record's bytes — but only where that gives exactly the line the
// round trip wrote: when the bytes are what JSON.stringify would write for their value (canonicalJson).
// Otherwise the caller keeps the round trip.
import { RawEntry } from './entries-page.js';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, isDigit, OPEN_BRACE, OPEN_BRACKET, QUOTE, QUOTE_OR_BACKSLASH } from './json-bytes.js';


/** Escapes JSON.stringify writes itself (\u00XX aside, which is never taken for canonical here). */
const SHORT_ESCAPE = new Uint8Array(256);
for (const c of [QUOTE, BACKSLASH, 0x62, 0x66, 0x6e, 0x72, 0x74]) SHORT_ESCAPE[c] = 1; // " \ b f n r t

/** More keys than this in one object: not checked for repeats, taken for not canonical. */
const MAX_KEYS = 256;
/** Nested objects (a lookup's name and id, a subform row) are small: their repeats are found pairwise. */
const MAX_NESTED_KEYS = 64;
/** Open addressing for the outermost object's keys: 4x MAX_KEYS slots, a power of two. */
const SLOTS = 1024;

/**
 * Whether JSON.stringify(JSON.parse(text)) gives back b[start, end) byte for byte; false when unsure.
 * Only for bytes the scanner accepted as JSON. Not canonical: whitespace between tokens, an escape
 * JSON.stringify would not write (`\/`, any `\u`), a number it would write otherwise (`1.0`, `1e3`,
 * `-0`, digits past a double's precision), two equal keys in an object (JSON.parse keeps one), or a key
 * starting with a digit (JSON.parse puts array-index keys first).
 */
export function canonicalJson(b: Buffer, start: number, end: number): boolean {
  const walk = WALK.over(b, start);
  return walk.value() && walk.at === end;
}

/**
 * One walk over bytes; an object's keys are kept (innermost object last) to find a repeat. The
 * members of the outermost object are kept too, for the splice: where each starts, where its value
 * starts, where it ends.
 */
class CanonicalWalk {
  at = 0;
  private b: Buffer = Buffer.alloc(0);
  private readonly keyStarts: number[] = [];
  private readonly keyEnds: number[] = [];
  private keys = 0;
  private depth = 0;
  readonly memberStarts: number[] = [];
  readonly valueStarts: number[] = [];
  readonly memberEnds: number[] = [];
  members = 0;
  /**
   * The outermost object's keys by hash (slot -> key number + 1), valid where `slotRound` is the
   * current round: a record has ~50 keys, and finding a repeat pairwise was half of the walk.
   */
  private readonly slots = new Int32Array(SLOTS);
  private readonly slotRound = new Int32Array(SLOTS);
  private round = 0;

  /** One walker serves every check: set on new bytes. */
  over(b: Buffer, at: number): this {
    this.b = b;
    this.at = at;
    this.keys = 0;
    this.depth = 0;
    this.members = 0;
    this.round++;
    return this;
  }

  value(): boolean {
    const c = this.b[this.at];
    if (c === QUOTE) return this.string();
    if (c === OPEN_BRACE) return this.object();
    if (c === OPEN_BRACKET) return this.array();
    if (c === 0x74 || c === 0x6e) return this.skip(4); // true, null
    if (c === 0x66) return this.skip(5); // false
    return this.number();
  }

  private skip(n: number): boolean {
    this.at += n;
    return true;
  }

  /** From the opening quote to past the closing one. */
  private string(): boolean {
    const b = this.b;
    let i = this.at + 1;
    for (;;) {
      i = this.plainEnd(i);
      if (b[i] === QUOTE) break;
      if (SHORT_ESCAPE[b[i + 1]] !== 1) return false;
      i += 2;
    }
    this.at = i + 1;
    return true;
  }

  /** The next quote or backslash from i: four plain bytes per test, as the scanner does. */
  private plainEnd(i: number): number {
    const b = this.b;
    const t = QUOTE_OR_BACKSLASH;
    while (t[b[i]] === 0 && t[b[i + 1]] === 0 && t[b[i + 2]] === 0 && t[b[i + 3]] === 0) i += 4;
    while (t[b[i]] === 0) i++;
    return i;
  }

  private number(): boolean {
    const b = this.b;
    const start = this.at;
    let i = start;
    if (b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return false; // whitespace, or anything that is not a value's start
    let plain = true;
    for (;;) {
      const c = b[i];
      if (isDigit(c)) i++;
      else if (c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d) {
        plain = false;
        i++;
      } else break;
    }
    this.at = i;
    // A plain integer of up to 15 digits is exact in a double and written back as it is, except -0.
    if (plain && i - start <= 15 && !(b[start] === 0x2d && b[start + 1] === 0x30)) return true;
    const text = b.toString('latin1', start, i);
    return String(Number(text)) === text;
  }

  private array(): boolean {
    const b = this.b;
    this.at++;
    if (b[this.at] === CLOSE_BRACKET) return this.skip(1);
    this.depth++;
    for (;;) {
      if (!this.value()) return false;
      const c = b[this.at++];
      if (c === CLOSE_BRACKET) break;
      if (c !== COMMA) return false;
    }
    this.depth--;
    return true;
  }

  private object(): boolean {
    const b = this.b;
    const base = this.keys;
    const outermost = this.depth === 0;
    this.at++;
    if (b[this.at] === CLOSE_BRACE) return this.skip(1);
    this.depth++;
    for (;;) {
      const ks = this.at;
      if (b[ks] !== QUOTE || isDigit(b[ks + 1]) || !this.string()) return false;
      const ke = this.at;
      if (outermost ? this.keys >= MAX_KEYS || this.hashedRepeat(ks, ke) : this.keys - base >= MAX_NESTED_KEYS || this.repeats(base, ks, ke)) return false;
      this.keyStarts[this.keys] = ks;
      this.keyEnds[this.keys++] = ke;
      if (b[this.at++] !== COLON || !this.value()) return false;
      if (outermost) {
        this.memberStarts[this.members] = ks;
        this.valueStarts[this.members] = ke + 1;
        this.memberEnds[this.members++] = this.at;
      }
      const c = b[this.at++];
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) return false;
    }
    this.keys = base;
    this.depth--;
    return true;
  }

  /** repeats() for the outermost object, by hash; the key (number `this.keys`, to be added) is entered. */
  private hashedRepeat(ks: number, ke: number): boolean {
    const b = this.b;
    let h = 0x811c9dc5;
    for (let i = ks + 1; i < ke - 1; i++) h = Math.imul(h ^ b[i], 0x01000193);
    for (let slot = h & (SLOTS - 1); ; slot = (slot + 1) & (SLOTS - 1)) {
      if (this.slotRound[slot] !== this.round) {
        this.slotRound[slot] = this.round;
        this.slots[slot] = this.keys + 1;
        return false;
      }
      const k = this.slots[slot] - 1;
      if (this.sameKey(this.keyStarts[k], this.keyEnds[k], ks, ke)) return true;
    }
  }

  private sameKey(s: number, e: number, ks: number, ke: number): boolean {
    const b = this.b;
    const n = ke - ks;
    if (e - s !== n) return false;
    let j = 1;
    while (j < n - 1 && b[s + j] === b[ks + j]) j++;
    return j >= n - 1;
  }

  /** Whether the key at [ks, ke) equals one of this object's keys so far (canonical keys: equal bytes). */
  private repeats(base: number, ks: number, ke: number): boolean {
    for (let k = base; k < this.keys; k++) if (this.sameKey(this.keyStarts[k], this.keyEnds[k], ks, ke)) return true;
    return false;
  }
}
const WALK = new CanonicalWalk();

/**
 * Rich-text names the byte splice can take: none an Object.prototype name (`f in whole` would be true
 * of the parsed object without the key), none starting with a digit (JSON.parse would order it
 * first), none of the keys RawEntry keeps aside (`id`, `Modified_Time`, `module`).
 */
export function spliceable(rich: readonly string[]): boolean {
  return rich.every((f) => !(f in {}) && !isDigit(f.charCodeAt(0)) && f !== 'id' && f !== 'Modified_Time' && f !== 'module');
}

/** Which of `keys` (quoted, as JSON.stringify writes them) the bytes b[start, end) are; -1 if none. */
function keyIndex(b: Buffer, start: number, end: number, keys: readonly Buffer[]): number {
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key.length !== end - start) continue;
    let j = 0;
    while (j < key.length && key[j] === b[start + j]) j++;
    if (j === key.length) return k;
  }
  return -1;
}

/** The whole entry's rich members as [start, valueStart, end] by rich index; undefined when not canonical. */
function wholeValues(whole: RawEntry, keys: readonly Buffer[]): Array<[number, number, number] | undefined> | undefined {
  const walk = WALK.over(whole.bytes, 0);
  if (!walk.value() || walk.at !== whole.bytes.length) return undefined;
  const found: Array<[number, number, number] | undefined> = keys.map(() => undefined);
  for (let m = 0; m < walk.members; m++) {
    const k = keyIndex(whole.bytes, walk.memberStarts[m], walk.valueStarts[m] - 1, keys);
    if (k !== -1) found[k] = [walk.memberStarts[m], walk.valueStarts[m], walk.memberEnds[m]];
  }
  return found;
}

/**
 * The record with the whole entry's rich-text values, as bytes: the same line as a parse of the
 * record, `out[f] = whole[f]` for each rich field `whole` has, and JSON.stringify. Undefined when the
 * bytes could differ from that (a key repeated, whitespace, a value not canonical): the caller then
 * takes the objects. `rich` must be spliceable() and without repeats.
 */
export function spliceRichText(record: RawEntry, whole: RawEntry, rich: readonly string[]): RawEntry | undefined {
  const keys = rich.map((f) => Buffer.from(JSON.stringify(f)));
  const given = wholeValues(whole, keys);
  if (!given) return undefined;
  const rb = record.bytes;
  const wb = whole.bytes;
  const walk = WALK.over(rb, 0);
  if (!walk.value() || walk.at !== rb.length) return undefined;
  // Compact bytes: between two members is one comma, so the record's bytes around each value that
  // changes are copied in one piece. `at[k]`: the record's member of rich field k, or -1.
  const at = keys.map(() => -1);
  let size = rb.length;
  for (let m = 0; m < walk.members; m++) {
    const k = keyIndex(rb, walk.memberStarts[m], walk.valueStarts[m] - 1, keys);
    if (k === -1 || !given[k]) continue;
    at[k] = m;
    size += given[k][2] - given[k][1] - (walk.memberEnds[m] - walk.valueStarts[m]);
  }
  for (let k = 0; k < keys.length; k++) if (at[k] === -1 && given[k]) size += 1 + given[k]![2] - given[k]![0];
  const out = Buffer.allocUnsafe(size);
  let n = 0;
  let from = 0;
  for (let m = 0; m < walk.members; m++) {
    const k = at.indexOf(m);
    if (k === -1) continue;
    n += rb.copy(out, n, from, walk.valueStarts[m]);
    n += wb.copy(out, n, given[k]![1], given[k]![2]);
    from = walk.memberEnds[m];
  }
  n += rb.copy(out, n, from, rb.length - 1);
  for (let k = 0; k < keys.length; k++) {
    const w = given[k];
    if (at[k] !== -1 || !w) continue;
    if (n > 1) out[n++] = COMMA;
    n += wb.copy(out, n, w[0], w[2]);
  }
  out[n++] = CLOSE_BRACE;
  return new RawEntry(record.id, record.Modified_Time, out.subarray(0, n), record.compact && whole.compact, record.hasModuleKey, false);
}
