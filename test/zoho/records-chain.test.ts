// The pagination rules of a module's records chain, on hand-made pages.
import { describe, expect, test } from '@jest/globals';
import { perPageFor, restartStale, takePage, type ChainState } from '../../src/zoho/records-chain.js';
import { RangeBoard, rangeCount, rangesToResume, splitTime } from '../../src/zoho/ranges.js';
import type { EntriesPage, ZohoEntry } from '../../src/zoho/schemas.js';

const base = (over: Partial<ChainState> = {}): ChainState => ({
  module: 'M',
  batches: [['A']],
  perPage: 200,
  converted: false,
  order: 'default',
  written: 0,
  chainRead: 0,
  pageTokenLimit: 100_000,
  pending: [],
  staleRestarts: 0,
  ...over,
});

const page = (ids: number[], more: boolean, token?: string, extra: (id: number) => Record<string, unknown> = () => ({})): EntriesPage => ({
  data: ids.map((id) => ({ id: String(id), ...extra(id) }) as ZohoEntry),
  info: { more_records: more, next_page_token: token ?? null, count: ids.length },
});

describe('per_page for a cap', () => {
  test('the fewest pages, evenly filled', () => {
    expect(perPageFor(undefined)).toBe(200);
    expect(perPageFor(1)).toBe(1);
    expect(perPageFor(200)).toBe(200);
    expect(perPageFor(450)).toBe(150);
    expect(perPageFor(401)).toBe(134); // 3 pages, 402 fetched, 1 dropped
  });
});

describe('takePage', () => {
  test('next page by page_token, from the first page on; ends on more_records false without another call', () => {
    const one = takePage(base(), [page([5, 4], true, 't1')]);
    expect(one.records.map((r) => r.id)).toEqual(['5', '4']);
    expect(one.next?.tokens).toEqual(['t1']);
    const two = takePage(one.next!, [page([3], false)]);
    expect(two.next).toBeUndefined();
    expect(two.records.map((r) => r.id)).toEqual(['3']);
  });

  test('the cap is exact and ends the chain even when Zoho has more', () => {
    const s = base({ cap: 3, perPage: perPageFor(3) });
    const out = takePage(s, [page([9, 8, 7], true, 't')]);
    expect(out.records).toHaveLength(3);
    expect(out.next).toBeUndefined();
    const s2 = base({ cap: 401, perPage: 134, written: 268 });
    const out2 = takePage(s2, [page(Array.from({ length: 134 }, (_, i) => 1000 - i), true, 't')]);
    expect(out2.records).toHaveLength(133);
    expect(out2.next).toBeUndefined();
  });

  test('a 204/304 (null page) ends the chain with nothing', () => {
    expect(takePage(base(), [null])).toEqual({ records: [], leftover: 0 });
  });

  test('the same page_token answered back as the next one is an error, not an endless chain', () => {
    const one = takePage(base(), [page([5, 4], true, 't1')]);
    expect(() => takePage(one.next!, [page([5, 4], true, 't1')])).toThrow(/answered the page_token it was sent/);
  });

  test('more_records without a next_page_token is an error', () => {
    expect(() => takePage(base(), [page([1], true)])).toThrow(/no next_page_token/);
  });

  test('a finished batch is left alone while the others go on; leftovers are counted at the end', () => {
    const s = base({ batches: [['A'], ['B']] });
    const one = takePage(s, [page([2, 1], true, 'a1'), page([2], false)]);
    expect(one.records.map((r) => r.id)).toEqual(['2']);
    expect(one.next?.tokens).toEqual(['a1', null]);
    const two = takePage(one.next!, [page([0], false), null]);
    expect(two.next).toBeUndefined();
    expect(two.leftover).toBe(2); // ids 1 and 0 never got their B part
  });

  test('past the page_token limit in Modified_Time order: a new chain from one second before the boundary, repeats dropped', () => {
    const at = (id: number) => ({ Modified_Time: id < 3 ? '2026-01-01T00:00:00+00:00' : '2026-01-01T00:00:05+00:00' });
    const s = base({ order: 'modified-asc', pageTokenLimit: 4, perPage: 2 });
    const one = takePage(s, [page([1, 2], true, 't1', at)]);
    const two = takePage(one.next!, [page([3, 4], true, 't2', at)]);
    expect(two.next?.tokens).toBeUndefined(); // a new chain: no page_token
    expect(two.next?.ims).toBe('2026-01-01T00:00:04.000Z');
    expect(two.next?.boundary).toEqual({ at: Date.parse('2026-01-01T00:00:05Z'), ids: ['3', '4'] });
    // the new chain repeats 3 and 4 (same second) and goes on with 5
    const three = takePage(two.next!, [page([3, 4, 5], false, undefined, at)]);
    expect(three.records.map((r) => r.id)).toEqual(['5']);
    expect(three.next).toBeUndefined();
  });

  test('a chain stuck on one Modified_Time second cannot loop forever', () => {
    const at = () => ({ Modified_Time: '2026-01-01T00:00:05+00:00' });
    const s = base({ order: 'modified-asc', pageTokenLimit: 2, perPage: 2 });
    const one = takePage(s, [page([1, 2], true, 't', at)]);
    expect(() => takePage(one.next!, [page([1, 2, 3, 4], true, 't', at)])).toThrow(/share Modified_Time/);
  });

  test('a stale chain in id order restarts below the lowest id written', () => {
    const one = takePage(base(), [page([9, 8], true, 't')]);
    const restarted = restartStale(one.next!, 'EXPIRED_VALUE');
    expect(restarted.tokens).toBeUndefined();
    expect(restarted.below).toBe('8');
    const again = takePage(restarted, [page([10, 9, 8, 7], false)]);
    expect(again.records.map((r) => r.id)).toEqual(['7']);
    expect(() => restartStale({ ...restarted, staleRestarts: 3 }, 'EXPIRED_VALUE')).toThrow(/stale 4 times/);
  });
});

describe('range chains', () => {
  const t = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}+00:00`;
  const ms = (s: number) => Date.parse(t(s));
  /** Record id n was modified at second n div 10. */
  const at = (id: number) => ({ Modified_Time: t(Math.floor(id / 10)) });
  const range = (from: number, to: number): ChainState =>
    base({ order: 'modified-asc', range: { start: ms(from), end: ms(to) }, ims: '2026-01-01T00:00:00.000Z' });

  test('records before the start are dropped, the first page at or past the end ends the chain without them', () => {
    const one = takePage(range(2, 5), [page([15, 20, 21, 38], true, 't1', at)]);
    expect(one.records.map((r) => r.id)).toEqual(['20', '21', '38']);
    const two = takePage(one.next!, [page([38, 45, 50, 51], true, 't2', at)]);
    expect(two.records.map((r) => r.id)).toEqual(['45']);
    expect(two.next).toBeUndefined();
  });

  test('the next page is a new query from the boundary second (keyset) once a page gets past the second it started in', () => {
    const one = takePage(range(2, 9), [page([20, 21, 30, 31], true, 't1', at)]);
    expect(one.next?.tokens).toBeUndefined();
    expect(one.next?.ims).toBe('2026-01-01T00:00:02.000Z');
    expect(one.next?.boundary).toEqual({ at: ms(3), ids: ['30', '31'] });
    // The new query repeats the boundary second: dropped by id.
    const two = takePage(one.next!, [page([30, 31, 32, 40], true, 't2', at)]);
    expect(two.records.map((r) => r.id)).toEqual(['32', '40']);
  });

  test('a page all in one second goes on by page_token (a keyset query could not get past it)', () => {
    const one = takePage(range(2, 9), [page([30, 31, 32, 33], true, 't1', at)]);
    expect(one.next?.tokens).toEqual(['t1']);
  });
});

describe('splitTime', () => {
  test('whole seconds, about equal, covering [start, end) once', () => {
    expect(splitTime(1_000, 11_000, 3)).toEqual([
      { start: 1_000, end: 4_000 },
      { start: 4_000, end: 7_000 },
      { start: 7_000, end: 11_000 },
    ]);
    // Fewer seconds than ranges: one range a second.
    expect(splitTime(5_000, 7_000, 4)).toEqual([
      { start: 5_000, end: 6_000 },
      { start: 6_000, end: 7_000 },
    ]);
  });

  test('a module splits only when each range gets ten pages', () => {
    expect(rangeCount(3_999, 10)).toBe(1);
    expect(rangeCount(4_000, 10)).toBe(2);
    expect(rangeCount(1_000_000, 10)).toBe(10);
    expect(rangeCount(1_000_000, 1)).toBe(1);
  });
});

describe('RangeBoard: work stealing', () => {
  test('the range with the most records left is cut past the second its chain wrote up to; its end moves to the cut', () => {
    const board = new RangeBoard();
    const a = board.add({ start: 0, end: 100_000 });
    const b = board.add({ start: 100_000, end: 1_000_000 });
    const c = board.add({ start: 1_000_000, end: 1_100_000 });
    board.moved(a, 99_000, 2_000);
    board.moved(b, 200_000, 2_000); // 20 records a second: about 16,000 left
    board.finished(a);
    board.moved(c, 1_050_500, 1_000);
    const stolen = board.steal();
    expect(stolen).toEqual({ start: 600_000, end: 1_000_000 });
    expect(board.endOf(b)).toBe(600_000);
    expect(board.endOf(c)).toBe(1_100_000);
  });

  test('nothing worth a split (less than a few pages left, or under two seconds): no steal', () => {
    const board = new RangeBoard();
    const a = board.add({ start: 0, end: 100_000 });
    board.moved(a, 90_000, 90); // 1 record a second: 10 left
    expect(board.steal()).toBeUndefined();
    const b = board.add({ start: 200_000, end: 201_500 });
    board.moved(b, 200_000, 5_000);
    expect(board.steal()).toBeUndefined();
    expect(board.endOf(b)).toBe(201_500);
  });
});

describe('rangesToResume', () => {
  test('each range goes on from its newest kept record\'s second; one with none kept from its start; the newest records again whole', () => {
    const note = {
      ranges: [
        { start: 0, end: 10_000 },
        { start: 10_000, end: 20_000 },
        { start: 20_000, end: 30_000 },
      ],
      top: { start: 30_000, end: 31_000 },
    };
    const kept = [1_000, 4_500, 4_200, 12_000, 30_000];
    expect(rangesToResume(note, kept)).toEqual([
      { start: 4_000, end: 10_000 },
      { start: 12_000, end: 20_000 },
      { start: 20_000, end: 30_000 },
      { start: 30_000, end: 31_000 },
    ]);
  });
});
