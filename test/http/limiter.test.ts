// The cap on sort_by calls in flight: never more than max, waiters served in arrival order.
import { describe, expect, test } from '@jest/globals';
import { Limiter } from '../../src/http/limiter.js';

describe('Limiter', () => {
  test('at most max run at once; the others start in arrival order as slots free', async () => {
    const limiter = new Limiter(2);
    const started: number[] = [];
    const release: Array<() => void> = [];
    const runs = [0, 1, 2, 3].map((k) =>
      limiter.run(() => {
        started.push(k);
        return new Promise<void>((resolve) => release.push(resolve));
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    release[1]();
    await runs[1];
    expect(started).toEqual([0, 1, 2]);
    release[0]();
    await runs[0];
    expect(started).toEqual([0, 1, 2, 3]);
    release[2]();
    release[3]();
    await Promise.all(runs);
    expect(limiter.peak).toBe(2);
  });

  test('a failing call gives its slot back', async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await expect(limiter.run(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
