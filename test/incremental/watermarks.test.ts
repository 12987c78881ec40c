// The bookmark rules of src/state/watermarks.ts on their own: where the next run starts asking, which
// repeats it drops, and that bookmarks only move forward.
import { describe, expect, test } from '@jest/globals';
import { RepeatFilter, StemWatermark, type Bookmark } from '../../src/state/watermarks.js';

const MIN = 60_000;
const S = Date.parse('2026-03-01T12:00:00Z');
const rec = (id: string, at: number, v = 1) => ({ id, Modified_Time: new Date(at).toISOString(), v });

describe('bookmarks', () => {
  test('since = latest − overlap when everything read is older than the run start; the overlap lines are fingerprinted', () => {
    const w = new StemWatermark(S, MIN);
    const lines = [rec('1', S - 3_600_000), rec('2', S - 90_000), rec('3', S - 30_000), rec('4', S - 20_000)];
    for (const l of lines) w.observe(Date.parse(l.Modified_Time), l);
    const b = w.merge(undefined)!;
    expect(b.latest).toBe(new Date(S - 20_000).toISOString());
    expect(b.since).toBe(new Date(S - 20_000 - MIN).toISOString());
    // Lines 3 and 4 are within the overlap (line 2 is 70 s before the latest): only they are kept.
    expect(b.recent).toHaveLength(2);
    const filter = new RepeatFilter(b);
    expect(filter.isRepeat(Date.parse(lines[2].Modified_Time), lines[2])).toBe(true);
    expect(filter.isRepeat(Date.parse(lines[3].Modified_Time), lines[3])).toBe(true);
    // Another version of record 3 at the same second is new content: written.
    const changed = { ...lines[2], v: 2 };
    expect(filter.isRepeat(Date.parse(changed.Modified_Time), changed)).toBe(false);
  });

  test('a record changed during the run (time after the run start) keeps since at the run start − overlap', () => {
    const w = new StemWatermark(S, MIN);
    // Read: an old record, then one changed 10 minutes into the crawl. A record changed 5 minutes in,
    // on a page already read, is not in this run: the next run must still ask from before it.
    for (const l of [rec('1', S - 3_600_000), rec('9', S + 600_000)]) w.observe(Date.parse(l.Modified_Time), l);
    const b = w.merge(undefined)!;
    expect(b.latest).toBe(new Date(S + 600_000).toISOString());
    expect(b.since).toBe(new Date(S - MIN).toISOString());
    expect(Date.parse(b.since)).toBeLessThan(S + 300_000);
  });

  test('a run that wrote nothing keeps the bookmark; a later one merges with it and never moves back', () => {
    const before: Bookmark = { since: new Date(S - 2 * MIN).toISOString(), latest: new Date(S - MIN).toISOString(), recent: [`${S - MIN}:abc`] };
    expect(new StemWatermark(S + 3_600_000, MIN).merge(before)).toEqual({ ...before, since: new Date(S - 2 * MIN).toISOString() });
    const w = new StemWatermark(S + 3_600_000, 5 * MIN);
    const l = rec('5', S + 1_000);
    w.observe(Date.parse(l.Modified_Time), l);
    const next = w.merge(before)!;
    expect(next.latest).toBe(new Date(S + 1_000).toISOString());
    // With a larger overlap the new since would fall before the old one: it stays where it was.
    expect(next.since).toBe(before.since);
    expect(next.recent.some((e) => e.endsWith(':abc'))).toBe(true);
  });

  test('a line without a readable time makes the stem untrustworthy', () => {
    const w = new StemWatermark(S, MIN);
    w.observe(undefined, { id: 'x' });
    expect(w.untimed).toBe(1);
  });
});
