// The pieces behind the exhausted-credits stop: which 429 is which, the sandbox's credit window, and
// the estimate of what the rest of a stopped run costs.
import { describe, expect, test } from '@jest/globals';
import { CreditWindow } from '../../src/sandbox/credits.js';
import { describeEstimate, RemainingCredits } from '../../src/zoho/credit-estimate.js';
import { apiErrorOf, saysCreditsSpent } from '../../src/zoho/errors.js';

describe('a 429: calls in flight or credits spent', () => {
  const where = 'GET /Leads';
  const tooMany = (message: string, details: Record<string, unknown> = {}, remaining?: number) =>
    apiErrorOf(429, { code: 'TOO_MANY_REQUESTS', message, details, status: 'error' }, where, remaining).kind;

  test('the concurrency limit is throttling: backed off and retried', () => {
    expect(tooMany('too many requests continuously')).toBe('throttle');
    expect(tooMany('The concurrency limit of the API has been exceeded')).toBe('throttle');
    expect(tooMany('')).toBe('throttle');
    expect(apiErrorOf(429, undefined, where).kind).toBe('throttle');
  });

  test('a message or details naming the credits, or X-API-CREDITS-REMAINING: 0, is the daily limit', () => {
    expect(tooMany('You have exceeded the API credits allowed for the rolling 24 hours. Please try again later.')).toBe('credits');
    expect(tooMany('API limit exceeded', {})).toBe('credits');
    expect(tooMany('limit reached', { limit_type: 'daily' })).toBe('credits');
    expect(tooMany('too many requests', {}, 0)).toBe('credits');
    expect(tooMany('too many requests', {}, 12)).toBe('throttle');
  });

  test('a 429 is never a credits error because of words in some other status', () => {
    expect(apiErrorOf(400, { code: 'LIMIT_EXCEEDED', message: 'API limit of fields', details: {}, status: 'error' }, where).kind).toBe('other');
    expect(saysCreditsSpent('concurrency credits', {})).toBe(false);
  });
});

describe('the sandbox credit window', () => {
  test('no header below half the limit; the remaining credits from half on; spent at the limit; refill starts over', () => {
    const w = new CreditWindow(10);
    w.charge(4);
    expect(w.header()).toEqual({});
    w.charge(1);
    expect(w.header()).toEqual({ 'X-API-CREDITS-REMAINING': '5' });
    expect(w.spent).toBe(false);
    w.charge(6);
    expect(w.header()).toEqual({ 'X-API-CREDITS-REMAINING': '0' });
    expect(w.spent).toBe(true);
    w.refill();
    expect(w.spent).toBe(false);
    expect(w.header()).toEqual({});
  });

  test('no limit: never spent, never a header; a bad limit is refused by name', () => {
    const w = new CreditWindow(undefined);
    w.charge(1e9);
    expect(w.spent).toBe(false);
    expect(w.header()).toEqual({});
    expect(() => new CreditWindow(0)).toThrow(/limits\.dailyCredits: 0 is not allowed; expected a whole number/);
  });
});

describe('what the rest of a stopped run costs', () => {
  test('pages left × field batches, 2 per deleted log not read, and modules not sized yet counted apart', () => {
    const r = new RemainingCredits(true);
    for (const m of ['Leads', 'Contacts', 'Deals', 'Notes']) r.planned(m);
    r.sized('Leads', 2, 1000, 200);
    const stored = (module: string): number => (module === 'Leads' ? 450 : 0);
    r.sized('Contacts', 1, 120, 200);
    r.ended('Contacts', 'record');
    r.ended('Contacts', 'deleted');
    r.dropped('Notes');
    // Leads: ⌈550/200⌉ × 2 = 6, + 2 deleted; Deals: 2 metadata + 2 deleted, size unknown.
    expect(r.estimate(stored)).toEqual({ credits: 12, unsized: 1 });
    expect(describeEstimate(r.estimate(stored))).toBe('about 12 credit(s), plus the records of 1 module(s) whose size is not known yet');
  });

  test('without deletions and all sized: the records alone', () => {
    const r = new RemainingCredits(false);
    r.sized('Leads', 1, 401, 200);
    expect(r.estimate(() => 0)).toEqual({ credits: 3, unsized: 0 });
    expect(describeEstimate({ credits: 12345, unsized: 0 })).toBe('about 12,345 credit(s)');
  });
});
