// Small concurrency tools for uploads: retry with exponential backoff, and a weighted slot pool.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  /** Delay before the first retry; doubles each time, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs?: number;
  /** Errors for which retrying cannot help; default: all are retried. */
  retryable?: (error: unknown) => boolean;
  onRetry?: (error: unknown, retry: number, delayMs: number) => void;
}

/** Runs `attempt` until it succeeds or the retries are spent; throws the last error. */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n >= opts.retries || (opts.retryable && !opts.retryable(error))) throw error;
      const full = Math.min(opts.baseDelayMs * 2 ** n, opts.maxDelayMs ?? 30_000);
      // Half fixed, half random: parallel uploads that failed together do not all come back together.
      const delay = full / 2 + Math.random() * (full / 2);
      opts.onRetry?.(error, n + 1, delay);
      await sleep(delay);
    }
  }
}

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
