// The uploads' slot pool never lets more requests run than it has slots.
import { describe, test, expect } from '@jest/globals';
import { Slots } from '../../src/pipelines/slots.js';

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
