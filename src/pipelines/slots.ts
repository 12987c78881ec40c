// The uploads' concurrency limit: a weighted slot pool.

/**
 * A pool of `size` slots; a job takes one or several (a multipart upload takes one per part in
 * flight), so the requests in flight never exceed `size`. Waiters are served in order.
 */
export class Slots {
  private free: number;
  private readonly waiting: Array<{ count: number; grant: () => void }> = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Waits for `count` slots (at most the pool's size); returns the function that gives them back. */
  async acquire(count = 1): Promise<() => void> {
    const n = Math.max(1, Math.min(count, this.size));
    if (this.waiting.length === 0 && this.free >= n) {
      this.free -= n;
    } else {
      await new Promise<void>((grant) => this.waiting.push({ count: n, grant }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free += n;
      this.wake();
    };
  }

  private wake(): void {
    while (this.waiting.length && this.free >= this.waiting[0].count) {
      const next = this.waiting.shift()!;
      this.free -= next.count;
      next.grant();
    }
  }
}
