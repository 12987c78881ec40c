// Incremental bookmarks of one stem (a module's records, or its deletions), and why asking
// "changed since `since`" next time misses nothing and repeats nothing.
//
// Terms: a line's time is its Modified_Time (records) or deleted_time (deletions), in the source's
// clock; S is when the run started, in ours; `latest` is the highest time written so far.
// After a complete run:   since = min(latest, S) − overlap.
//   - A version with time ≤ since existed before the run started (time ≤ S − overlap, and our clock
//     is within `overlap` of the source's), so this run's query (or an earlier run's, by the same
//     argument) returned it: it is written. Versions created while the run was reading have times
//     > S − overlap ≥ since: the next run asks for them again, whether or not this one caught them.
//     Using `latest` alone would be wrong: a record changed mid-run, on a page already read, has a
//     time below a later record's, and would be lost for good.
//   - min(latest, S) also never moves past what was actually seen, whatever our clock says.
//   - The next run gets every version with time > since (If-Modified-Since is strict). Those it
//     already has are exactly the lines written with time > since: their fingerprints (SHA-256 of
//     the line's JSON) are kept in `recent`, and a line whose fingerprint is there is dropped. A newer
//     version of the same record has other content, so it is written. Only lines with time ≤ latest
//     can be repeats, so only those are hashed.
// Bookmarks only move forward (since and latest never decrease) and merge with the previous ones,
// so a run in which a module did not change keeps the module's bookmark as it was.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const bookmarkSchema = z.object({
  since: z.string(),
  latest: z.string(),
  /** `<time ms>:<fingerprint>` of each line written with time > since. */
  recent: z.array(z.string()),
});
export type Bookmark = z.infer<typeof bookmarkSchema>;

/** Fingerprint of a line's content: 96 bits of SHA-256 of its JSON. */
export const fingerprint = (data: unknown): string => createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 24);

/** The time of a line in epoch ms, or undefined when the field is missing or unreadable. */
export function timeOf(data: Record<string, unknown>, field: string): number | undefined {
  const value = data[field];
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}

/** What one run wrote of one stem, as far as bookmarks care. */
export class StemWatermark {
  latest: number | undefined;
  /** A line had no readable time: this stem's bookmark cannot be trusted, so it is not moved. */
  untimed = 0;
  private recent: Array<{ at: number; fp: string }> = [];
  private pruneAt = 1024;

  constructor(
    private readonly startedAtMs: number,
    private readonly overlapMs: number,
  ) {}

  observe(at: number | undefined, data: unknown): void {
    if (at === undefined) {
      this.untimed += 1;
      return;
    }
    if (this.latest === undefined || at > this.latest) this.latest = at;
    if (at > this.floor()) this.recent.push({ at, fp: fingerprint(data) });
    if (this.recent.length >= this.pruneAt) {
      const floor = this.floor();
      this.recent = this.recent.filter((e) => e.at > floor);
      this.pruneAt = Math.max(1024, this.recent.length * 2);
    }
  }

  /** Lines at or below this time can never be needed as fingerprints. */
  private floor(): number {
    return this.latest === undefined ? -Infinity : Math.min(this.latest, this.startedAtMs) - this.overlapMs;
  }

  /** The bookmark after this run, merged with the previous one (which may be undefined). */
  merge(previous: Bookmark | undefined): Bookmark | undefined {
    const before = previous ? Date.parse(previous.latest) : undefined;
    const latest = Math.max(before ?? -Infinity, this.latest ?? -Infinity);
    if (!Number.isFinite(latest)) return previous;
    const since = Math.min(latest, this.startedAtMs) - this.overlapMs;
    const kept = new Map<string, number>();
    for (const entry of previous?.recent ?? []) {
      const [at, fp] = splitEntry(entry);
      if (at > since) kept.set(fp, at);
    }
    for (const { at, fp } of this.recent) if (at > since) kept.set(fp, at);
    const prevSince = previous ? Date.parse(previous.since) : -Infinity;
    return {
      since: new Date(Math.max(since, prevSince)).toISOString(),
      latest: new Date(latest).toISOString(),
      recent: [...kept].map(([fp, at]) => `${at}:${fp}`),
    };
  }
}

function splitEntry(entry: string): [number, string] {
  const colon = entry.indexOf(':');
  return [Number(entry.slice(0, colon)), entry.slice(colon + 1)];
}

/** The repeats filter of the next run: lines already written, recognised by content. */
export class RepeatFilter {
  private readonly fps: Set<string>;
  private readonly latest: number;

  constructor(bookmark: Bookmark) {
    this.fps = new Set(bookmark.recent.map((e) => splitEntry(e)[1]));
    this.latest = Date.parse(bookmark.latest);
  }

  /** True when exactly this line was written by an earlier run. */
  isRepeat(at: number | undefined, data: unknown): boolean {
    if (this.fps.size === 0 || at === undefined || at > this.latest) return false;
    return this.fps.has(fingerprint(data));
  }
}
