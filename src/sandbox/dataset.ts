// The org as a whole: metadata, the ground-truth iterators, the query views the API pages through,
// and mutate() for incremental tests.
import type { UserRef } from './catalog.js';
import { allModuleMeta, fieldsMeta } from './metadata.js';
import { CONVERTED_PERIOD, CONVERTED_RESIDUE, makeUsers, ModuleData, type DeletedRef, type Org } from './module-data.js';
import { Catalog, SUBFORM_PARENT } from './org-catalog.js';
import { MAX_MODULE_RECORDS, PRESETS } from './presets.js';
import { hash, Rng } from './prng.js';
import { orgOffset } from './time.js';
import type { Dataset, FieldMeta, ModuleMeta, MutateChange, Preset } from './types.js';
import { arrayView, filterView, rangeView, residueView, reversed, skipResidueView, sortedBySeconds, ViewCache, type View } from './views.js';

export type SortBy = 'id' | 'Created_Time' | 'Modified_Time';
export type Tri = 'true' | 'false' | 'both';

export interface RecordQuery {
  sortBy: SortBy;
  sortOrder: 'asc' | 'desc';
  converted: Tri;
  approved: Tri;
  /** Only records modified strictly after this instant (seconds). */
  sinceS?: number;
}

export interface DeletedQuery {
  type: 'all' | 'recycle' | 'permanent';
  sinceS?: number;
}

export interface DatasetOptions {
  seed: number;
  preset: Preset;
  sizes?: Record<string, number>;
  deletedSizes?: Record<string, number>;
  minFields?: number;
  textFields?: boolean;
  extraModules?: number;
  subforms?: boolean;
  modifiedSkew?: number;
}

function checkSizes(catalog: Catalog, what: string, sizes: Record<string, number> | undefined): void {
  for (const [api, n] of Object.entries(sizes ?? {})) {
    const spec = catalog.spec(api);
    if (!spec || !spec.supported) {
      throw new Error(`sandbox ${what}: "${api}" is not a readable module; expected one of ${catalog.readable().map((m) => m.api).join(', ')}`);
    }
    if (!Number.isInteger(n) || n < 0 || n > MAX_MODULE_RECORDS) {
      throw new Error(`sandbox ${what}.${api}: ${n} is not allowed; expected a whole number from 0 to ${MAX_MODULE_RECORDS}`);
    }
  }
}

export class OrgDataset implements Dataset, Org {
  readonly catalog: Catalog;
  readonly seed: number;
  readonly offset: string;
  readonly users: UserRef[];
  readonly modifiedSkew: number;
  private readonly data = new Map<string, ModuleData>();
  private readonly cache = new ViewCache();
  private mutations = 0;

  constructor(opts: DatasetOptions) {
    this.catalog = new Catalog({
      minFields: opts.minFields,
      textFields: opts.textFields,
      extraModules: opts.extraModules,
      subforms: opts.subforms,
    });
    checkSizes(this.catalog, 'sizes', opts.sizes);
    checkSizes(this.catalog, 'deletedSizes', opts.deletedSizes);
    this.seed = opts.seed;
    const skew = opts.modifiedSkew ?? 0;
    if (!(skew >= 0 && skew <= 1)) throw new Error(`sandbox modifiedSkew: ${skew} is not allowed; expected a share from 0 to 1`);
    this.modifiedSkew = skew;
    this.offset = orgOffset(opts.seed);
    this.users = makeUsers(opts.seed);
    const preset = PRESETS[opts.preset];
    for (const spec of this.catalog.modules) {
      if (!spec.supported) continue;
      // A subform module holds about two rows per parent record unless sized.
      const parent = spec.generated === 'subform' ? preset.records[SUBFORM_PARENT] : undefined;
      const n = opts.sizes?.[spec.api] ?? preset.records[spec.api] ?? (parent === undefined ? 0 : 2 * (opts.sizes?.[SUBFORM_PARENT] ?? parent));
      const dn = opts.deletedSizes?.[spec.api] ?? preset.deleted[spec.api] ?? 0;
      this.data.set(spec.api, new ModuleData(this, spec, n, dn));
    }
  }

  module(api: string): ModuleData | undefined {
    return this.data.get(api);
  }

  private need(api: string): ModuleData {
    const m = this.data.get(api);
    if (!m) throw new Error(`sandbox dataset: no readable module "${api}"`);
    return m;
  }

  modules(): ModuleMeta[] {
    return allModuleMeta(this.catalog, this.offset);
  }

  fields(apiName: string): FieldMeta[] {
    const spec = this.catalog.spec(apiName);
    if (!spec) throw new Error(`sandbox dataset: no module "${apiName}"`);
    return fieldsMeta(this.catalog, spec);
  }

  count(apiName: string): number {
    return this.data.get(apiName)?.liveCount ?? 0;
  }

  deletedCount(apiName: string): number {
    const m = this.data.get(apiName);
    return m ? m.dn + m.mutDeleted.length : 0;
  }

  *records(apiName: string): Iterable<Record<string, unknown>> {
    const m = this.data.get(apiName);
    if (!m) return;
    const v = this.liveById(m);
    for (let k = 0; k < v.length; k++) yield m.record(v.at(k));
  }

  *deleted(apiName: string): Iterable<Record<string, unknown>> {
    const m = this.data.get(apiName);
    if (!m) return;
    const v = this.deletedView(m, { type: 'all' });
    for (let k = 0; k < v.length; k++) yield m.deletedEntry(v.at(k));
  }

  // ---- views the API pages through

  private liveById(m: ModuleData): View {
    if (m.deletedSet.size === 0) return rangeView(m.total);
    return this.cache.get(`${m.spec.api}|${m.version}|live`, () => filterView(rangeView(m.total), (i) => !m.deletedSet.has(i)));
  }

  /** Live records in the query's order and filter; O(1) to build on the plain crawl path. */
  recordView(api: string, q: RecordQuery): View {
    const m = this.need(api);
    const converted = m.spec.convertable ? q.converted : 'both';
    const asc = this.ascendingView(m, q.sortBy, converted, q.approved, q.sinceS);
    return q.sortOrder === 'asc' ? asc : reversed(asc);
  }

  private ascendingView(m: ModuleData, sortBy: SortBy, converted: Tri, approved: Tri, sinceS: number | undefined): View {
    // Without mutations Created_Time grows with the index, so id and Created_Time orders coincide.
    const arithmetic = !m.mutated && sinceS === undefined && sortBy !== 'Modified_Time' && approved === 'both';
    if (arithmetic) {
      if (converted === 'both') return rangeView(m.n);
      if (converted === 'false') return skipResidueView(m.n, CONVERTED_PERIOD, CONVERTED_RESIDUE);
      return residueView(m.n, CONVERTED_PERIOD, CONVERTED_RESIDUE);
    }
    const key = `${m.spec.api}|${m.version}|${sortBy}|${converted}|${approved}|${sinceS ?? ''}`;
    return this.cache.get(key, () => {
      const ordered = this.cache.get(`${m.spec.api}|${m.version}|order|${sortBy}`, () => {
        const live = this.liveById(m);
        if (sortBy === 'Modified_Time') return sortedBySeconds(live, (i) => m.modifiedS(i));
        if (sortBy === 'Created_Time' && m.createdAtS.length > 0) return sortedBySeconds(live, (i) => m.createdS(i));
        return live;
      });
      if (converted === 'both' && approved === 'both' && sinceS === undefined) return ordered;
      return filterView(ordered, (i) => {
        if (converted !== 'both' && m.isConverted(i) !== (converted === 'true')) return false;
        if (approved !== 'both' && m.isApproved(i) !== (approved === 'true')) return false;
        return sinceS === undefined || m.modifiedS(i) > sinceS;
      });
    });
  }

  /** Deleted entries newest first (deleted_time desc, id desc), filtered by type and time. */
  deletedView(m: ModuleData | string, q: DeletedQuery): View {
    const md = typeof m === 'string' ? this.need(m) : m;
    if (md.mutDeleted.length === 0 && q.type === 'all' && q.sinceS === undefined) return rangeView(md.dn);
    return this.cache.get(`${md.spec.api}|${md.version}|deleted|${q.type}|${q.sinceS ?? ''}`, () => {
      const all = this.cache.get(`${md.spec.api}|${md.version}|deleted`, () => mergedDeleted(md));
      if (q.type === 'all' && q.sinceS === undefined) return all;
      return filterView(all, (ref) => (q.type === 'all' || md.deletedType(ref) === q.type) && (q.sinceS === undefined || md.deletedTimeS(ref) > q.sinceS));
    });
  }

  // ---- mutate

  mutate(change: MutateChange): { modified: string[]; created: string[]; deleted: string[] } {
    const atMs = change.at instanceof Date ? change.at.getTime() : NaN;
    if (Number.isNaN(atMs)) throw new Error('sandbox mutate: `at` must be a valid Date');
    const atS = Math.floor(atMs / 1000);
    const targets = change.module !== undefined ? [this.need(change.module)] : [...this.data.values()].filter((m) => m.liveCount > 0);
    const out = { modified: [] as string[], created: [] as string[], deleted: [] as string[] };
    for (const m of targets) {
      const r = new Rng(hash(this.seed, m.no, ++this.mutations, 77));
      const doomed = pickLive(m, change.delete ?? 0, r, new Set());
      for (const i of doomed) {
        m.deletedSet.add(i);
        m.mutDeleted.push({ index: i, atS });
        out.deleted.push(m.id(i));
      }
      for (const i of pickLive(m, change.modify ?? 0, r, new Set(doomed))) {
        m.modified.set(i, { atS, rev: (m.modified.get(i)?.rev ?? 0) + 1 });
        out.modified.push(m.id(i));
      }
      for (let k = 0; k < (change.create ?? 0); k++) {
        m.createdAtS.push(atS);
        out.created.push(m.id(m.total - 1));
      }
      m.version++;
    }
    this.cache.clear();
    return out;
  }
}

/** `count` distinct live indices not in `avoid`, chosen by `r` (all of them when fewer remain). */
function pickLive(m: ModuleData, count: number, r: Rng, avoid: Set<number>): number[] {
  if (count <= 0) return [];
  const available = m.liveCount - avoid.size;
  if (count * 2 >= available) {
    const all: number[] = [];
    for (let i = 0; i < m.total; i++) if (!m.deletedSet.has(i) && !avoid.has(i)) all.push(i);
    for (let k = all.length - 1; k > 0; k--) {
      const j = r.int(k + 1);
      [all[k], all[j]] = [all[j], all[k]];
    }
    return all.slice(0, count).sort((a, b) => a - b);
  }
  const chosen = new Set<number>();
  while (chosen.size < count) {
    const i = r.int(m.total);
    if (!m.deletedSet.has(i) && !avoid.has(i)) chosen.add(i);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** Generated entries (already newest first) merged with mutation deletions by (time desc, id desc). */
function mergedDeleted(m: ModuleData): View {
  const mut: DeletedRef[] = m.mutDeleted.map((_, k) => -(k + 1));
  const later = (a: DeletedRef, b: DeletedRef): boolean => {
    const ta = m.deletedTimeS(a);
    const tb = m.deletedTimeS(b);
    return ta !== tb ? ta > tb : m.deletedId(a) > m.deletedId(b);
  };
  mut.sort((a, b) => (later(a, b) ? -1 : 1));
  const out = new Int32Array(m.dn + mut.length);
  let g = 0;
  let k = 0;
  for (let o = 0; o < out.length; o++) {
    if (k < mut.length && (g >= m.dn || later(mut[k], g))) out[o] = mut[k++];
    else out[o] = g++;
  }
  return arrayView(out);
}
