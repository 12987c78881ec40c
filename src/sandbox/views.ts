// Ordered selections of record indices (or deleted-entry refs, which may be negative) that answer "the k-th record of this query" without building
// the records. The plain crawl path (id order, no filter) is pure arithmetic; anything else is an index
// array of 4 bytes per record, built once per query shape and cached.
// Math's functions held in module constants: under a vm context (jest) every global lookup goes
// through an interceptor and costs ~100x more, which the per-value hot paths here would feel.
const { floor } = Math;

export interface View {
  readonly length: number;
  at(k: number): number;
}

export const rangeView = (n: number): View => ({ length: n, at: (k) => k });

export const arrayView = (a: ArrayLike<number>): View => ({ length: a.length, at: (k) => a[k] });

export const reversed = (v: View): View => ({ length: v.length, at: (k) => v.at(v.length - 1 - k) });

/** Indices 0..n-1 except those ≡ skip (mod period): `period - 1` of every `period`. */
export function skipResidueView(n: number, period: number, skip: number): View {
  const excluded = n > skip ? floor((n - 1 - skip) / period) + 1 : 0;
  return {
    length: n - excluded,
    at: (k) => {
      const block = floor(k / (period - 1));
      const r = k % (period - 1);
      return block * period + (r >= skip ? r + 1 : r);
    },
  };
}

/** Indices 0..n-1 that are ≡ keep (mod period). */
export function residueView(n: number, period: number, keep: number): View {
  const length = n > keep ? floor((n - 1 - keep) / period) + 1 : 0;
  return { length, at: (k) => k * period + keep };
}

export function filterView(v: View, keep: (index: number) => boolean): View {
  const out = new Int32Array(v.length);
  let m = 0;
  for (let k = 0; k < v.length; k++) {
    const i = v.at(k);
    if (keep(i)) out[m++] = i;
  }
  return arrayView(out.subarray(0, m));
}

const INDEX_BITS = 4194304; // 2^22: room for MAX_MODULE_RECORDS indices beside the seconds
const EPOCH_S = 946684800; // 2000-01-01: keeps (seconds × 2^22) exact in a double until 2068

/**
 * The indices of `v` ordered by (key seconds, index) ascending. Packs both into one double so the
 * native numeric sort does the work (a comparator sort of a million entries is several times slower).
 */
export function sortedBySeconds(v: View, seconds: (index: number) => number): View {
  const keys = new Float64Array(v.length);
  for (let k = 0; k < v.length; k++) {
    const i = v.at(k);
    keys[k] = (seconds(i) - EPOCH_S) * INDEX_BITS + i;
  }
  keys.sort();
  const out = new Int32Array(v.length);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    out[k] = key - floor(key / INDEX_BITS) * INDEX_BITS;
  }
  return arrayView(out);
}

/** A tiny LRU for built views: a few query shapes at a time are all a crawl uses. */
export class ViewCache {
  private readonly map = new Map<string, View>();

  constructor(private readonly max = 12) {}

  get(key: string, build: () => View): View {
    const hit = this.map.get(key);
    if (hit) {
      this.map.delete(key);
      this.map.set(key, hit);
      return hit;
    }
    const made = build();
    this.map.set(key, made);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
    return made;
  }

  clear(): void {
    this.map.clear();
  }
}
