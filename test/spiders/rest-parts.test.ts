// The rest spider's small pure parts: Link header parsing (the wait before a retry is the framework's retry policy).
import { describe, test, expect } from '@jest/globals';
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
