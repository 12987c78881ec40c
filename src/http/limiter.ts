// A plain cap on calls of one kind in flight, beside the crawl-wide Pace: Zoho gives "complex" calls
// (sort_by reads among them) a sub-concurrency of 10 in every edition, below most orgs' limit, so a
// crawl whose Pace allows more must still hold those calls to it. Waiters are served in arrival order.
export class Limiter {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  /** Highest number of calls in flight seen, for tests and the log. */
  peak = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`Limiter: max must be a whole number ≥ 1, got ${max}`);
  }

  /** Runs `fn` once fewer than `max` others run; a slot is handed on directly, so no newcomer slips in. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
