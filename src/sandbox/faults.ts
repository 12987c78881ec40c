// Fault injection, all off by default: random 429/500, dropped connections, added latency. The dice are
// seeded, so a sequential client sees the same faults on every run.
import { hash, Rng } from './prng.js';
import type { FaultOptions } from './types.js';

function checkProbability(name: string, p: number | undefined): void {
  if (p !== undefined && !(p >= 0 && p <= 1)) throw new Error(`sandbox faults.${name}: ${p} is not allowed; expected a probability from 0 to 1`);
}

function checkCount(name: string, n: number | undefined, min: number): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= min)) throw new Error(`sandbox faults.${name}: ${n} is not allowed; expected a whole number ≥ ${min}`);
}

export function checkFaults(f: FaultOptions): void {
  checkProbability('rate429', f.rate429);
  checkProbability('rate500', f.rate500);
  checkProbability('rateDrop', f.rateDrop);
  if ((f.rate429 ?? 0) + (f.rate500 ?? 0) > 1) throw new Error('sandbox faults: rate429 + rate500 exceeds 1; expected a total probability ≤ 1');
  checkCount('retryAfterSeconds', f.retryAfterSeconds, 0);
  checkCount('concurrencyLimit', f.concurrencyLimit, 1);
  checkCount('sortConcurrencyLimit', f.sortConcurrencyLimit, 1);
  checkCount('tokenLifetimeCalls', f.tokenLifetimeCalls, 1);
  checkCount('latencyMs', f.latencyMs, 0);
  checkCount('jitterMs', f.jitterMs, 0);
}

export class Faults {
  private readonly rng: Rng;

  constructor(readonly opts: FaultOptions, seed: number) {
    checkFaults(opts);
    this.rng = new Rng(hash(seed, 0xfa017));
  }

  /** Latency ± jitter for one call, never negative. */
  delayMs(): number {
    const base = this.opts.latencyMs ?? 0;
    const jitter = this.opts.jitterMs ?? 0;
    if (base === 0 && jitter === 0) return 0;
    return Math.max(0, Math.round(base + (this.rng.next() * 2 - 1) * jitter));
  }

  /** Whether this call fails with an injected 429 or 500. */
  roll(): 429 | 500 | undefined {
    const p429 = this.opts.rate429 ?? 0;
    const p500 = this.opts.rate500 ?? 0;
    if (p429 === 0 && p500 === 0) return undefined;
    const u = this.rng.next();
    if (u < p429) return 429;
    if (u < p429 + p500) return 500;
    return undefined;
  }

  drop(): boolean {
    const p = this.opts.rateDrop ?? 0;
    return p > 0 && this.rng.next() < p;
  }

  /** Retry-After for a 429: the configured value, else alternately present ("1") and absent. */
  retryAfter(): string | undefined {
    if (this.opts.retryAfterSeconds !== undefined) return String(this.opts.retryAfterSeconds);
    return this.rng.next() < 0.5 ? '1' : undefined;
  }
}
