// The crawl-wide cap on API calls in flight, with additive increase and a decrease that remembers
// where the server pushed back. Every API call of the crawl — field batches of one page included —
// passes through one Pace, so the cap holds across modules and callbacks.
//
// Why not plain AIMD (halve on every 429): a burst of c calls against a server limit L < c answers
// c − L of them with 429 at once, and halving once per 429 drove the allowance to 1; it then crept
// back to c and hit the limit again, so c = 20 against a limit of 10 was slower than c = 10. Here:
// - one decrease per window: a 429 for a call sent before the last decrease is already answered by it;
// - the decrease goes to just under the concurrency the throttled call was sent at (a concurrency
//   limit of L refuses the call sent as number L + 1), but never below half the allowance (a 429 that
//   is about rate, not concurrency, still halves it, as AIMD does);
// - that concurrency is remembered as the ceiling: the allowance climbs back to just under it by
//   about one call per round of calls, then probes past it 64 times slower (one call more after
//   about 64 rounds: each probe costs a 429 and its Retry-After on one chain), and forgets it once a
//   call sent at the ceiling goes through (the limit was shared with someone who left, or lifted).
//
// The client reports each outcome (onSuccess / onThrottle) right after giving the call's slot back,
// with no await in between; the outcome is matched to that slot.

interface Slot {
  /** Decreases made before this slot was granted. */
  epoch: number;
  /** Calls in flight once this one was sent, itself included. */
  sentWith: number;
}

/** How much slower the allowance grows past the remembered ceiling than below it. */
const PROBE_SLOWDOWN = 64;

export class Pace {
  private inFlight = 0;
  private limit: number;
  private ceiling: number | undefined;
  private epoch = 0;
  private lastReleased: Slot | undefined;
  private readonly waiting: Array<(slot: Slot) => void> = [];
  /** Highest number of calls in flight seen, for tests and the log. */
  peak = 0;
  /** Decreases made (429s that lowered the allowance), for the log. */
  decreases = 0;

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

  /** The concurrency at which the server last pushed back, while it is remembered. */
  get pushedBackAt(): number | undefined {
    return this.ceiling;
  }

  /** Waits for a slot; the returned function gives it back (call it exactly once). */
  async acquire(): Promise<() => void> {
    const slot =
      this.inFlight >= this.allowed || this.waiting.length > 0
        ? await new Promise<Slot>((resolve) => this.waiting.push(resolve))
        : this.take();
    this.peak = Math.max(this.peak, this.inFlight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.lastReleased = slot;
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

  /** The server pushed back on the call whose slot was given back last. */
  onThrottle(): void {
    const slot = this.reported();
    if (slot && slot.epoch < this.epoch) return;
    this.epoch++;
    this.decreases++;
    const half = this.limit / 2;
    if (slot && slot.sentWith - 1 >= half) {
      this.limit = Math.max(1, half, Math.min(this.limit, slot.sentWith - 1));
      this.ceiling = slot.sentWith;
    } else {
      this.limit = Math.max(1, half);
    }
  }

  /** The call whose slot was given back last went through: creep back towards the maximum. */
  onSuccess(): void {
    const slot = this.reported();
    if (this.ceiling !== undefined && slot && slot.sentWith >= this.ceiling) this.ceiling = undefined;
    if (this.limit >= this.max) return;
    const hold = this.ceiling === undefined ? Infinity : this.ceiling - 1;
    const step = this.limit < hold ? 1 / this.limit : 1 / (this.limit * PROBE_SLOWDOWN);
    this.limit = Math.min(this.max, this.limit < hold ? Math.min(hold, this.limit + step) : this.limit + step);
    this.wake();
  }

  private reported(): Slot | undefined {
    const slot = this.lastReleased;
    this.lastReleased = undefined;
    return slot;
  }

  private take(): Slot {
    this.inFlight++;
    return { epoch: this.epoch, sentWith: this.inFlight };
  }

  // Hands free slots to waiters in arrival order; a slot is counted as taken before the waiter runs,
  // so no newcomer can slip in between.
  private wake(): void {
    while (this.waiting.length > 0 && this.inFlight < this.allowed) {
      this.waiting.shift()!(this.take());
    }
  }
}
