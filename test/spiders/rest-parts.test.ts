// The rest spider's small pure parts: Link header parsing and the wait before a retry.
import { describe, test, expect } from '@jest/globals';
import { retryDelayMs } from '../../src/spiders/rest/fetch-page.js';
import { linkTargets } from '../../src/spiders/rest/next-page.js';

describe('linkTargets (RFC 8288)', () => {
  test('finds rel="next" among several links, quoted or bare, with several rel values', () => {
    const header = '<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next last"; title="p, 3", </x?page=9>;rel=last';
    expect(linkTargets(header, 'next')).toEqual(['https://a/x?page=3']);
    expect(linkTargets(header, 'last')).toEqual(['https://a/x?page=3', '/x?page=9']);
    expect(linkTargets('<https://a/x?page=2>;REL=Next', 'next')).toEqual(['https://a/x?page=2']);
  });

  test('nothing when there is no next link or no header', () => {
    expect(linkTargets('<https://a/x?page=1>; rel="prev"', 'next')).toEqual([]);
    expect(linkTargets('', 'next')).toEqual([]);
    expect(linkTargets('<https://a/x>; title="next"', 'next')).toEqual([]);
  });
});

describe('retryDelayMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  test('Retry-After in seconds or as an HTTP date', () => {
    expect(retryDelayMs('0', 0, now)).toBe(0);
    expect(retryDelayMs('7', 0, now)).toBe(7000);
    expect(retryDelayMs('Thu, 01 Jan 2026 00:00:30 GMT', 0, now)).toBe(30_000);
    expect(retryDelayMs('Wed, 31 Dec 2025 23:00:00 GMT', 0, now)).toBe(0);
  });

  test('without one, exponential backoff from 1 s; never more than 5 minutes', () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(null, n, now))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs('garbage', 1, now)).toBe(2000);
    expect(retryDelayMs('86400', 0, now)).toBe(300_000);
    expect(retryDelayMs(null, 50, now)).toBe(256_000);
  });
});
