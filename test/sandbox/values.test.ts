// Fast paths that must not change a byte: multi-select draws, and pages asking for every field.
import { describe, test, expect } from '@jest/globals';
import { Rng } from '../../src/sandbox/prng.js';
import { multi } from '../../src/sandbox/values.js';
import { startClient } from './helpers.js';

/** The plain version multi() replaced: distinct draws collected in a Set, read back in index order. */
function multiReference(r: Rng, values: readonly string[]): string[] {
  const k = r.int(Math.min(4, values.length + 1));
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(r.int(values.length));
  return [...chosen].sort((a, b) => a - b).map((x) => values[x]);
}

describe('value fast paths', () => {
  test('multi() draws the same values, in the same order, leaving the stream where the Set version did', () => {
    for (const n of [0, 1, 2, 3, 5, 8, 30, 31, 40]) {
      const values = Array.from({ length: n }, (_, k) => `v${k}`);
      for (let seed = 0; seed < 500; seed++) {
        const a = new Rng(seed);
        const b = new Rng(seed);
        expect(multi(a, values)).toEqual(multiReference(b, values));
        expect(a.next()).toBe(b.next());
      }
    }
  });

  test('a page asking for every field serialises exactly as one asking for them through a projection', async () => {
    const c = await startClient({ preset: 'tiny', minFields: 40 });
    try {
      const all = c.sb.dataset.fields('Contacts').map((f) => f.api_name);
      const full = await c.get(`/crm/v8/Contacts?fields=${all.join(',')}&sort_order=asc`);
      const truth = [...c.sb.dataset.records('Contacts')];
      expect(full.json.data.map((r: unknown) => JSON.stringify(r))).toEqual(truth.map((r) => JSON.stringify(r)));
      // One field fewer goes through the projection: the same records, that key left out, the order kept.
      const some = await c.get(`/crm/v8/Contacts?fields=${all.slice(1).join(',')}&sort_order=asc`);
      const without = truth.map(({ [all[0]]: _dropped, ...rest }) => JSON.stringify(rest));
      expect(some.json.data.map((r: unknown) => JSON.stringify(r))).toEqual(without);
    } finally {
      await c.sb.stop();
    }
  });
});
