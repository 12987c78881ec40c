// Deterministic randomness: every generated value is a pure function of (seed, module, index, salt),
// so a record can be produced on demand without generating the ones before it.
// Math's functions held in module constants: under a vm context (jest) every global lookup goes
// through an interceptor and costs ~100x more, which the per-value hot paths here would feel.
const { floor, imul } = Math;

/** A 32-bit integer finaliser (lowbias32): small input changes scatter over all bits. */
export function mix32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hashes a list of integers into one 32-bit value. */
export function hash(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    // Fold numbers beyond 32 bits (large seeds, millisecond instants) so no bit is lost.
    const lo = p >>> 0;
    const hi = floor(p / 4294967296) >>> 0;
    h = mix32(h ^ lo);
    if (hi !== 0) h = mix32(h ^ hi ^ 0x51ed270b);
  }
  return h;
}

/** hash(...) as a float in [0, 1). */
export function unit(...parts: number[]): number {
  return hash(...parts) / 4294967296;
}

/** A small sequential generator (mulberry32) for the many values of one record. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return floor(this.next() * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
