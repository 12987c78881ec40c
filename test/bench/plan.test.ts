import { describe, expect, test } from '@jest/globals';
import { parseBenchArgs } from '../../src/bench/args.js';
import { callRounds, latencyExtraModules, latencyModules, latencyOrgSize, latencyPagesPerModule, latencyTarget } from '../../src/bench/latency-plan.js';
import { meanFields, planOrg, readableModules, shapesOf, TYPICAL_FIELDS } from '../../src/bench/org.js';
import { OrgDataset } from '../../src/sandbox/dataset.js';
import { throughputVerdicts } from '../../src/bench/report.js';
import type { ThroughputResult } from '../../src/bench/throughput.js';

describe('benchmark planning', () => {
  test('an org size is spread evenly over the modules, every record placed, 1% deleted', () => {
    const plan = planOrg(['A', 'B', 'C'], 10_000);
    expect(plan.sizes).toEqual({ A: 3334, B: 3333, C: 3333 });
    expect(plan.deletedSizes).toEqual({ A: 34, B: 34, C: 34 });
    expect(() => planOrg([], 10)).toThrow('no readable module');
  });

  test('the latency target is 0.9 × min(c, limit) × 200 / latency, and the org fills whole pages', () => {
    expect(latencyTarget(1, 10, 300)).toBeCloseTo(600);
    expect(latencyTarget(20, 10, 300)).toBeCloseTo(6000);
    const size = latencyOrgSize(5, 10, 300, 15, 9);
    expect(size % (200 * 9)).toBe(0);
    expect(size).toBeGreaterThan(45_000);
    expect(size).toBeLessThan(55_000);
  });

  test('the latency org: min(c, limit) readable modules of ≤ 50 fields, whole pages per chain', () => {
    const shapes = [
      { apiName: 'Wide', readable: true, fields: 62 },
      { apiName: 'A', readable: true, fields: 20 },
      { apiName: 'Hidden', readable: false, fields: 10 },
      { apiName: 'B', readable: true, fields: 50 },
      { apiName: 'C', readable: true, fields: 8 },
    ];
    expect(latencyModules(shapes, 1, 10)).toEqual(['A']);
    expect(latencyModules(shapes, 2, 10)).toEqual(['A', 'B']);
    expect(latencyModules(shapes, 20, 10)).toEqual(['A', 'B', 'C']);
    expect(latencyPagesPerModule(300, 15)).toBe(50);
    // 5 modules of 50 pages: 1 + 5 × (1 + 50 + 1) calls over 5 slots, more than the 52-call chain.
    expect(callRounds(261, 50, 5, 10)).toBe(53);
    // 3 modules at c = 10: the chain (module list, fields, 50 pages) is the bound.
    expect(callRounds(157, 50, 20, 10)).toBe(52);
  });

  test('the latency org has min(c, limit) single-batch chains for every c: the catalogue’s 9, then generated modules', () => {
    const shapes = (extraModules: number) => shapesOf(new OrgDataset({ seed: 1, preset: 'tiny', extraModules }), { admin: true });
    const plain = shapes(0);
    expect(latencyModules(plain, 20, 10)).toHaveLength(9);
    for (const c of [1, 5, 9, 10, 20]) {
      const extra = latencyExtraModules(plain, c, 10);
      expect(extra).toBe(Math.max(0, Math.min(c, 10) - 9));
      const modules = latencyModules(shapes(extra), c, 10);
      expect(modules).toHaveLength(Math.min(c, 10));
      expect(new Set(modules).size).toBe(modules.length);
    }
    expect(latencyModules(shapes(1), 10, 10).at(-1)).toBe('Custom_Module_1');
    expect(latencyExtraModules(plain, 20, 15)).toBe(6);
  });

  test('the throughput org: every module of 40 fields (one batch) but Leads (62), the same modules as before', () => {
    const ds = new OrgDataset({ seed: 1, preset: 'tiny', minFields: TYPICAL_FIELDS });
    expect(readableModules(ds)).toEqual(readableModules(new OrgDataset({ seed: 1, preset: 'tiny' })));
    const shapes = shapesOf(ds, { admin: true }).filter((m) => m.readable);
    for (const m of shapes) expect(m.fields).toBe(m.apiName === 'Leads' ? 62 : TYPICAL_FIELDS);
    const even = shapes.map((m) => ({ ...m, records: 1000 }));
    expect(meanFields(even)).toBeCloseTo((62 + 9 * 40) / 10);
  });

  test('flags: defaults, --with-1m, --latency alone, bad values', () => {
    expect(parseBenchArgs([])).toMatchObject({ sizes: [10_000, 100_000], throughput: true, latency: false });
    expect(parseBenchArgs(['--with-1m']).sizes).toEqual([10_000, 100_000, 1_000_000]);
    expect(parseBenchArgs(['--latency'])).toMatchObject({ throughput: false, latency: true, concurrencies: [1, 5, 10, 20] });
    expect(parseBenchArgs(['--latency', '--sizes', '10k'])).toMatchObject({ throughput: true, latency: true, sizes: [10_000] });
    // The large-module case (issue 14): 200,000 records unless said, 0 skips it.
    expect(parseBenchArgs(['--latency']).largeRecords).toEqual([200_000]);
    expect(parseBenchArgs(['--latency', '--large-records', '50k']).largeRecords).toEqual([50_000]);
    expect(parseBenchArgs(['--latency', '--large-records', '100k,50k']).largeRecords).toEqual([100_000, 50_000]);
    expect(parseBenchArgs(['--latency', '--large-records', '0']).largeRecords).toEqual([]);
    expect(parseBenchArgs(['--latency']).largeReadPaths).toEqual(['records']);
    expect(parseBenchArgs(['--read-paths']).readPathsWidths).toEqual([50, 100, 250]);
    expect(parseBenchArgs(['--read-paths', '--read-paths-widths', '50']).readPathsWidths).toEqual([50]);
    expect(parseBenchArgs(['--latency', '--large-read-paths', 'records,coql']).largeReadPaths).toEqual(['records', 'coql']);
    const bulk = () => parseBenchArgs(['--latency', '--large-read-paths', 'bulk']);
    expect(bulk).toThrow(/--large-read-paths: "bulk" is not a read path; expected records or coql/);
    expect(() => parseBenchArgs(['--concurrency', '0'])).toThrow('--concurrency: "0" is not a positive whole number');
    expect(() => parseBenchArgs(['--sizes'])).toThrow(/'--sizes <value>' argument missing; see --help/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/Unknown option '--fast'.*; see --help/);
  });

  test('verdicts: RSS growth is judged against the 10k run, the 200 MB cap only at 1M', () => {
    const base = { problems: [], status: 'complete', ratio: 1, recordsPerSec: 60_000 } as unknown as ThroughputResult;
    const r10k = { ...base, size: 10_000, peakRssBytes: 100 * 2 ** 20 };
    const r1m = { ...base, size: 1_000_000, peakRssBytes: 115 * 2 ** 20 };
    const v = throughputVerdicts([r10k, r1m]);
    expect(v.find((x) => x.target === '1M: peak RSS ≤ 200.0 MB')?.met).toBe(true);
    expect(v.find((x) => x.target === "1M: peak RSS ≤ 10k's + 10%")?.met).toBe(false);
    expect(v.filter((x) => x.target.startsWith('10k: peak RSS'))).toEqual([]);
  });
});
