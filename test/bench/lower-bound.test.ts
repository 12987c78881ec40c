import { describe, expect, test } from '@jest/globals';
import { lowerBound, moduleLowerBound, requestRatio, type ModuleShape } from '../../src/bench/lower-bound.js';

const mod = (apiName: string, records: number, fields: number, deleted: number, readable = true): ModuleShape => ({
  apiName,
  readable,
  records,
  fields,
  deleted,
});

describe('lower bound of API calls (DESIGN.md, API economy)', () => {
  test('an empty readable module still costs its fields call, one records call and one deleted call', () => {
    expect(moduleLowerBound(mod('Empty', 0, 12, 0))).toBe(3);
  });

  test('pages round up at 200 records and field batches at 50 fields', () => {
    // 200 records: one page; 201: two. 50 fields: one batch; 51: two; 60 (Leads): two.
    expect(moduleLowerBound(mod('A', 200, 50, 0))).toBe(1 + 1 + 1);
    expect(moduleLowerBound(mod('A', 201, 50, 0))).toBe(1 + 2 + 1);
    expect(moduleLowerBound(mod('Leads', 401, 60, 0))).toBe(1 + 3 * 2 + 1);
    expect(moduleLowerBound(mod('A', 1000, 40, 401))).toBe(1 + 5 + 3);
  });

  test('the deleted calls drop out when deletions are not crawled', () => {
    expect(moduleLowerBound(mod('A', 1000, 40, 401), false)).toBe(1 + 5);
  });

  test('the org bound adds one module-list call and ignores unreadable modules', () => {
    const org = [mod('Leads', 10_000, 60, 100), mod('Contacts', 9_999, 40, 0), mod('Home', 0, 0, 0, false), mod('Notes', 500, 10, 3, false)];
    const b = lowerBound(org);
    // 1 + Leads (1 + 50×2 + 1) + Contacts (1 + 50 + 1)
    expect(b.withoutCounts).toBe(1 + 102 + 52);
    expect(b.withCounts).toBe(b.withoutCounts + 2);
    expect(b.readableModules).toBe(2);
  });

  test('the ratio allows count calls up to one per readable module, no more', () => {
    const b = lowerBound([mod('A', 400, 40, 0), mod('B', 400, 40, 0)]); // 1 + 4 + 4 = 9
    expect(b.withoutCounts).toBe(9);
    expect(requestRatio(9, b, 0)).toBe(1);
    expect(requestRatio(11, b, 2)).toBe(1);
    expect(requestRatio(12, b, 3)).toBeCloseTo(12 / 11);
    expect(requestRatio(10, b, 0)).toBeCloseTo(10 / 9);
  });
});
