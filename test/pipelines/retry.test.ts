// The upload concurrency tools: the slot pool never lets more requests run than it has slots, and
// withRetries tries exactly 1 + retries times unless the error cannot be helped by retrying.
import { describe, test, expect } from '@jest/globals';
import { Slots, withRetries } from '../../src/pipelines/retry.js';

describe('Slots', () => {
  test('weighted jobs never hold more than the pool size, and all of them run', async () => {
    const slots = new Slots(4);
    let held = 0;
    let peak = 0;
    const ran: number[] = [];
    const job = async (i: number, weight: number) => {
      const release = await slots.acquire(weight);
      held += Math.min(weight, 4);
      peak = Math.max(peak, held);
      await Promise.resolve();
      await new Promise<void>((done) => setImmediate(done));
      held -= Math.min(weight, 4);
      ran.push(i);
      release();
      release(); // a second release gives nothing back twice
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => job(i, [1, 3, 1, 9][i % 4])));
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe('withRetries', () => {
  test('1 + retries attempts, then the last error', async () => {
    let attempts = 0;
    const retried: number[] = [];
    await expect(
      withRetries(
        async (n) => {
          attempts += 1;
          throw new Error(`attempt ${n}`);
        },
        { retries: 3, baseDelayMs: 1, onRetry: (_e, n) => retried.push(n) },
      ),
    ).rejects.toThrow('attempt 3');
    expect(attempts).toBe(4);
    expect(retried).toEqual([1, 2, 3]);
  });

  test('stops at once on an error that retrying cannot fix; returns the first success', async () => {
    let attempts = 0;
    await expect(
      withRetries(
        async () => {
          attempts += 1;
          throw new Error('forbidden');
        },
        { retries: 5, baseDelayMs: 1, retryable: () => false },
      ),
    ).rejects.toThrow('forbidden');
    expect(attempts).toBe(1);
    await expect(withRetries(async (n) => (n < 2 ? Promise.reject(new Error('flaky')) : n), { retries: 5, baseDelayMs: 1 })).resolves.toBe(2);
  });
});
