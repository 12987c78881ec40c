// The hand-written datetime formatting must give exactly Date#toISOString's text: records' bytes depend on it.
import { describe, test, expect } from '@jest/globals';
import { ALL_OFFSETS, isoDate, isoWithOffset, offsetMinutes } from '../../src/sandbox/time.js';
import { Rng } from '../../src/sandbox/prng.js';

const viaDate = (ms: number, offset: string) =>
  new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes(offset) * 60000).toISOString().slice(0, 19) + offset;

describe('isoWithOffset and isoDate', () => {
  test('agree with Date#toISOString on edges (leap days, century years, 1970, 9999, before 1970) and 50,000 random instants', () => {
    const edges = [
      0, 999, 1000, -1, -1000, 59_999, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2000, 2, 1),
      Date.UTC(2100, 1, 28, 12), Date.UTC(2100, 2, 1), Date.UTC(1972, 11, 31, 23, 59, 59), Date.UTC(2024, 1, 29),
      Date.UTC(9999, 11, 31, 23, 59, 59), Date.UTC(9999, 11, 31, 20), Date.UTC(1969, 11, 31, 23), Date.UTC(1900, 0, 1),
      Date.UTC(10000, 0, 1, 5), 1.5e12 + 0.5,
    ];
    const r = new Rng(42);
    const random = Array.from({ length: 50_000 }, () => Math.floor((r.next() * 2 - 0.2) * 4e12));
    let checked = 0;
    for (const ms of [...edges, ...random]) {
      for (const off of ALL_OFFSETS) {
        const want = viaDate(ms, off);
        if (isoWithOffset(ms, off) !== want) throw new Error(`isoWithOffset(${ms}, ${off}) = ${isoWithOffset(ms, off)}, Date says ${want}`);
        checked++;
      }
      const day = new Date(ms).toISOString().slice(0, 10);
      if (isoDate(ms) !== day) throw new Error(`isoDate(${ms}) = ${isoDate(ms)}, Date says ${day}`);
    }
    expect(checked).toBe((edges.length + random.length) * ALL_OFFSETS.length);
    expect(isoWithOffset(Date.UTC(2026, 5, 24, 10, 47, 59), '-11:00')).toBe('2026-06-23T23:47:59-11:00');
    expect(isoDate(Date.UTC(2026, 5, 23, 23, 59))).toBe('2026-06-23');
  });
});
