// The crawl-wide cap on API calls in flight, with additive-increase/multiplicative-decrease:
// a 429 halves the allowed concurrency (floor 1), each success raises it by 1/limit (about +1 per
// round of calls), never above the configured maximum. Every API call of the crawl — field batches
// of one page included — passes through one Pace, so the cap holds across modules and callbacks.

export class Pace {
  private inFlight = 0;
  private limit: number;
  private readonly waiting: Array<() => void> = [];
  /** Highest number of calls in flight seen, for tests and the log. */
  peak = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`Pace: max must be a whole number ≥ 1, got ${max}`);
    this.limit = max;
  }

  /** The current allowed concurrency (whole calls). */
  get allowed(): number {
    return Math.max(1, Math.floor(this.limit));
  }

  get active(): number {
    return this.inFlight;
  }

  /** Waits for a slot; the returned function gives it back (call it exactly once). */
  async acquire(): Promise<() => void> {
    if (this.inFlight >= this.allowed || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inFlight++;
    }
    this.peak = Math.max(this.peak, this.inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.wake();
    };
  }

  /** Runs `fn` holding a slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** The server pushed back: halve the allowed concurrency. */
  onThrottle(): void {
    this.limit = Math.max(1, this.limit / 2);
  }

  /** A call went through: creep back towards the maximum. */
  onSuccess(): void {
    if (this.limit < this.max) {
      this.limit = Math.min(this.max, this.limit + 1 / this.limit);
      this.wake();
    }
  }

  // Hands free slots to waiters in arrival order; a slot is counted as taken before the waiter runs,
  // so no newcomer can slip in between.
  private wake(): void {
    while (this.waiting.length > 0 && this.inFlight < this.allowed) {
      this.inFlight++;
      this.waiting.shift()!();
    }
  }
}
