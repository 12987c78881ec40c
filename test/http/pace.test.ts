// The pace's recovery after pushback: one decrease per window, down to just under the concurrency
// the throttled call was sent at, a climb that holds under that ceiling and probes past it slowly.
import { describe, expect, test } from '@jest/globals';
import { Pace } from '../../src/http/pace.js';

/** Takes `n` slots at once; slot k (0-based) was sent with k + 1 calls in flight. */
async function burst(pace: Pace, n: number): Promise<Array<() => void>> {
  const releases: Array<() => void> = [];
  for (let k = 0; k < n; k++) releases.push(await pace.acquire());
  return releases;
}

/** One call: a slot taken and given back, then its outcome reported, as the client does. */
async function call(pace: Pace, outcome: 'ok' | 429): Promise<void> {
  const release = await pace.acquire();
  release();
  if (outcome === 'ok') pace.onSuccess();
  else pace.onThrottle();
}

describe('pace recovery', () => {
  test('a burst of 20 against a limit of 10: one decrease, to 10, whatever the number of 429s', async () => {
    const pace = new Pace(20);
    const releases = await burst(pace, 20);
    expect(pace.active).toBe(20);
    // Calls 11..20 are refused; each 429 is reported right after its slot is given back.
    for (let k = 10; k < 20; k++) {
      releases[k]();
      pace.onThrottle();
    }
    expect(pace.decreases).toBe(1);
    expect(pace.allowed).toBe(10);
    expect(pace.pushedBackAt).toBe(11);
    for (let k = 0; k < 10; k++) {
      releases[k]();
      pace.onSuccess();
    }
    expect(pace.allowed).toBe(10);
  });

  test('the climb holds just under the ceiling, probes past it slowly, and forgets it once a call there goes through', async () => {
    const pace = new Pace(20);
    const releases = await burst(pace, 12);
    releases[11]();
    pace.onThrottle(); // sent as the 12th: the limit is below 12
    for (let k = 0; k < 11; k++) releases[k]();
    expect(pace.allowed).toBe(11);
    expect(pace.pushedBackAt).toBe(12);
    // A round of 11 successes would add one call below the ceiling; at it, growth is 64 times slower.
    for (let i = 0; i < 600; i++) await call(pace, 'ok');
    expect(pace.allowed).toBe(11);
    for (let i = 0; i < 200; i++) await call(pace, 'ok');
    expect(pace.allowed).toBe(12);
    // Calls sent one at a time never reach the ceiling, so it is still remembered…
    expect(pace.pushedBackAt).toBe(12);
    // …until one sent as the 12th in flight goes through.
    const twelve = await burst(pace, 12);
    twelve[11]();
    pace.onSuccess();
    expect(pace.pushedBackAt).toBeUndefined();
    for (let k = 0; k < 11; k++) twelve[k]();
  });

  test('a 429 on a lone call (rate, not concurrency) halves the allowance and sets no ceiling', async () => {
    const pace = new Pace(8);
    await call(pace, 429);
    expect(pace.allowed).toBe(4);
    expect(pace.pushedBackAt).toBeUndefined();
    // Without a ceiling, about one call per round of calls: 4 + 5 + 6 + 7 successes, give or take.
    for (let i = 0; i < 18; i++) await call(pace, 'ok');
    expect(pace.allowed).toBeLessThan(8);
    for (let i = 0; i < 8; i++) await call(pace, 'ok');
    expect(pace.allowed).toBe(8);
  });

  test('a 429 for a call sent after the decrease lowers the allowance again', async () => {
    const pace = new Pace(20);
    const first = await burst(pace, 16);
    first[15]();
    pace.onThrottle();
    expect(pace.allowed).toBe(15);
    const late = first.slice(0, 15);
    late[14](); // sent before the decrease: ignored
    pace.onThrottle();
    expect(pace.decreases).toBe(1);
    for (const r of late) r();
    const again = await burst(pace, 15);
    again[14](); // sent as the 15th after the decrease: the limit is lower still
    pace.onThrottle();
    expect(pace.decreases).toBe(2);
    expect(pace.allowed).toBe(14);
    expect(pace.pushedBackAt).toBe(15);
    for (const r of again) r();
  });
});
