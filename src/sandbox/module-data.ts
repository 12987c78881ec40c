// One readable module's records and deleted entries, each a pure function of (seed, module, index),
// plus the small overlay of changes mutate() made. Nothing here holds records in memory.
import { ID_PREFIX, recordId, type FieldSpec, type GenCtx, type LookupRef, type ModuleSpec, type UserRef } from './catalog.js';
import type { Catalog } from './org-catalog.js';
import { hash, Rng, unit } from './prng.js';
import { ALL_OFFSETS, isoDate, isoWithOffset, ORG_NOW_MS, ORG_START_MS } from './time.js';
import * as V from './values.js';

// Math's functions held in module constants: under a vm context (jest) every global lookup goes
// through an interceptor and costs ~100x more, which the per-value hot paths here would feel.
const { floor, max, min, round } = Math;

const USER_NAMES = ['Patricia Boyle', 'Ravi Kumar', 'Søren Ødegaard', '山田 太郎', 'Amélie Poulain', 'Oluwaseun Adeyemi'];

export function makeUsers(seed: number): UserRef[] {
  return USER_NAMES.map((name, k) => ({
    name,
    id: `${ID_PREFIX}000000${String(400000 + ((hash(seed, 900, k) % 90) * 100) + k).padStart(6, '0')}`,
    email: `${V.slug(name) || 'user' + k}@zylker.test`,
  }));
}

const START_S = ORG_START_MS / 1000;
const NOW_S = ORG_NOW_MS / 1000;
/** The second of the mass update `modifiedSkew` makes: a day before "now". */
const MASS_UPDATE_S = NOW_S - 86_400;
/** Deleted entries fall within the last 55 days: inside both retention periods (60 and 120 days). */
const DELETED_WINDOW_S = 55 * 86400;
/** Leads with index ≡ 9 (mod 10) are converted: arithmetic, so "converted=false" pages need no index. */
export const CONVERTED_PERIOD = 10;
export const CONVERTED_RESIDUE = 9;
/**
 * Records with index ≡ 2 (mod 12), in every module, await approval (an approval process or a review
 * rule): Zoho lists them only with `approved=false|both`. The residue is even, so none is converted.
 */
export const UNAPPROVED_PERIOD = 12;
export const UNAPPROVED_RESIDUE = 2;
/** What such records carry as `$approval_state`, in turn. */
const PENDING_STATES = ['approval_process_pending', 'review_process_pending', 'approval_process_rejected'] as const;

export interface Org {
  catalog: Catalog;
  seed: number;
  offset: string;
  users: UserRef[];
  /** Share of generated records last modified in the one second MASS_UPDATE_S. */
  modifiedSkew: number;
  module(api: string): ModuleData | undefined;
}

/** A reference to a deleted entry: ≥ 0 is generated entry j, < 0 is mutation deletion -(ref + 1). */
export type DeletedRef = number;

export class ModuleData {
  readonly no: number;
  /** Records made by the generator; indices n.. are records mutate() created. */
  readonly n: number;
  /** Generated deleted entries. */
  readonly dn: number;
  createdAtS: number[] = [];
  readonly modified = new Map<number, { atS: number; rev: number }>();
  readonly deletedSet = new Set<number>();
  readonly mutDeleted: Array<{ index: number; atS: number }> = [];
  version = 0;
  /** Records built so far: lets tests prove a page costs O(page), not O(module). */
  built = 0;
  private readonly currency: boolean;
  private readonly plan: Step[];
  private readonly template: Record<string, null>;

  constructor(readonly org: Org, readonly spec: ModuleSpec, n: number, dn: number) {
    this.no = org.catalog.no(spec.api);
    this.n = n;
    this.dn = dn;
    this.currency = spec.fields.some((f) => f.type === 'currency');
    // A subform field's rows live in the subform module: the record (as list answers give it) has no key for it.
    const inLists = spec.fields.filter((f) => f.type !== 'subform');
    this.plan = inLists.map(planStep);
    this.template = fastTemplate([...inLists.map((f) => f.api), ...this.dollarKeyNames(), 'id']);
  }

  get total(): number {
    return this.n + this.createdAtS.length;
  }

  get liveCount(): number {
    return this.total - this.deletedSet.size;
  }

  get mutated(): boolean {
    return this.version > 0;
  }

  isApproved(i: number): boolean {
    return i % UNAPPROVED_PERIOD !== UNAPPROVED_RESIDUE;
  }

  isConverted(i: number): boolean {
    return this.spec.convertable === true && i < this.n && i % CONVERTED_PERIOD === CONVERTED_RESIDUE;
  }

  id(i: number): string {
    return recordId(this.no, i, hash(this.org.seed, this.no, i, 3) % 500);
  }

  /** Creation instants grow with the index (ids and Created_Time agree), spread over the org's years. */
  createdS(i: number): number {
    if (i >= this.n) return this.createdAtS[i - this.n];
    const span = max(NOW_S - START_S, this.n);
    return START_S + floor(((i + unit(this.org.seed, this.no, i, 1)) * span) / this.n);
  }

  /** A third never modified; the rest some time later, most soon after creation, never after "now". */
  modifiedS(i: number): number {
    const m = this.modified.get(i);
    if (m) return m.atS;
    const c = this.createdS(i);
    if (i >= this.n) return c;
    if (this.org.modifiedSkew > 0 && unit(this.org.seed, this.no, i, 4) < this.org.modifiedSkew) return max(c, MASS_UPDATE_S);
    const u = unit(this.org.seed, this.no, i, 2);
    if (u < 0.3) return c;
    const f = (u - 0.3) / 0.7;
    return c + floor(f * f * max(0, NOW_S - c));
  }

  identity(i: number): Record<string, unknown> {
    return this.spec.identity ? this.spec.identity(new Rng(hash(this.org.seed, this.no, i, 10)), i) : {};
  }

  displayName(i: number): string | null {
    const f = this.spec.displayField;
    return f === undefined ? null : ((this.identity(i)[f] as string | null | undefined) ?? null);
  }

  private createdBy(i: number): UserRef {
    return this.org.users[hash(this.org.seed, this.no, i, 11) % this.org.users.length];
  }

  /** A lookup value pointing at a generated record of `target` (possibly since deleted, as in real orgs). */
  lookupInto(target: string, r: Rng): LookupRef | null {
    const t = this.org.module(target);
    if (!t || t.n === 0) {
      r.next();
      return null;
    }
    const j = r.int(t.n);
    return { name: t.displayName(j) as string, id: t.id(j) };
  }

  /** The full record exactly as the API serialises it: fields in metadata order, then $ keys, then id. */
  record(i: number): Record<string, unknown> {
    this.built++;
    const rev = this.modified.get(i)?.rev ?? 0;
    const r = new Rng(hash(this.org.seed, this.no, i, 20, rev));
    const createdS = this.createdS(i);
    const modifiedS = this.modifiedS(i);
    const createdBy = this.createdBy(i);
    const users = this.org.users;
    const ctx: GenCtx = {
      r,
      i,
      identity: this.identity(i),
      createdMs: createdS * 1000,
      lookup: (target) => this.lookupInto(target, r),
      user: () => r.pick(users),
    };
    const out: Record<string, unknown> = { ...this.template };
    for (const step of this.plan) {
      switch (step.kind) {
        case Kind.Owner: out.Owner = { ...r.pick(users) }; break;
        case Kind.CreatedBy: out.Created_By = { ...createdBy }; break;
        case Kind.ModifiedBy: out.Modified_By = { ...(modifiedS === createdS && rev === 0 ? createdBy : r.pick(users)) }; break;
        case Kind.CreatedTime: out.Created_Time = isoWithOffset(createdS * 1000, this.org.offset); break;
        case Kind.ModifiedTime: out.Modified_Time = isoWithOffset(modifiedS * 1000, this.org.offset); break;
        case Kind.Identity: out[step.api] = ctx.identity[step.api] ?? null; break;
        default:
          out[step.api] = step.nullRate > 0 && r.next() < step.nullRate ? null : step.gen(ctx);
      }
    }
    this.setDollarKeys(i, out);
    out.id = this.id(i);
    return out;
  }

  private dollarKeyNames(): string[] {
    const names = Object.keys(COMMON_DOLLAR_KEYS);
    if (this.currency) names.push('$currency_symbol');
    if (this.spec.api === 'Tasks') names.push('$se_module');
    if (this.spec.convertable) names.push('$converted', '$converted_detail');
    return names;
  }

  private setDollarKeys(i: number, out: Record<string, unknown>): void {
    for (const key in COMMON_DOLLAR_KEYS) out[key] = COMMON_DOLLAR_KEYS[key];
    if (!this.isApproved(i)) out.$approval_state = PENDING_STATES[Math.floor(i / UNAPPROVED_PERIOD) % PENDING_STATES.length];
    if (this.currency) out.$currency_symbol = '$';
    if (this.spec.api === 'Tasks') out.$se_module = out.What_Id ? 'Accounts' : null;
    if (this.spec.convertable) {
      const converted = this.isConverted(i);
      out.$converted = converted;
      out.$converted_detail = converted ? this.convertedDetail(i) : {};
    }
  }

  private convertedDetail(i: number): Record<string, unknown> {
    const r = new Rng(hash(this.org.seed, this.no, i, 30));
    const by = r.pick(this.org.users);
    const atS = min(NOW_S, this.modifiedS(i));
    return {
      converted_by: { name: by.name, id: by.id },
      convert_date: isoWithOffset(atS * 1000, this.org.offset),
      contact: this.lookupInto('Contacts', r),
      account: this.lookupInto('Accounts', r),
      deal: r.chance(0.5) ? this.lookupInto('Deals', r) : null,
    };
  }

  // ---- deleted entries

  isPermanent(j: number): boolean {
    return unit(this.org.seed, this.no, j, 41) < 0.3;
  }

  /** Generated entry j: j = 0 is the most recent; time and id both fall as j grows (the API's order). */
  deletedTimeS(ref: DeletedRef): number {
    if (ref < 0) return this.mutDeleted[-ref - 1].atS;
    return NOW_S - floor(((ref + unit(this.org.seed, this.no, ref, 42)) * DELETED_WINDOW_S) / this.dn);
  }

  deletedId(ref: DeletedRef): string {
    if (ref < 0) return this.id(this.mutDeleted[-ref - 1].index);
    const slots = max(this.n, this.dn);
    const slot = floor(((this.dn - 1 - ref) * slots) / this.dn);
    // Jitter 500..999 keeps deleted ids apart from live ones (0..499) in the same slot.
    return recordId(this.no, slot, 500 + (hash(this.org.seed, this.no, ref, 4) % 500));
  }

  deletedType(ref: DeletedRef): 'recycle' | 'permanent' {
    return ref >= 0 && this.isPermanent(ref) ? 'permanent' : 'recycle';
  }

  deletedEntry(ref: DeletedRef): Record<string, unknown> {
    const when = isoWithOffset(this.deletedTimeS(ref) * 1000, this.org.offset);
    const ref2 = (u: UserRef) => ({ name: u.name, id: u.id });
    if (ref < 0) {
      const { index } = this.mutDeleted[-ref - 1];
      return {
        id: this.id(index),
        display_name: this.displayName(index),
        type: 'recycle',
        deleted_by: ref2(this.org.users[0]),
        created_by: ref2(this.createdBy(index)),
        deleted_time: when,
      };
    }
    if (this.isPermanent(ref)) {
      return { id: this.deletedId(ref), display_name: null, type: 'permanent', deleted_by: null, created_by: null, deleted_time: when };
    }
    const r = new Rng(hash(this.org.seed, this.no, ref, 43));
    return {
      id: this.deletedId(ref),
      // The gone record's name: an identity drawn beyond the live index range.
      display_name: this.displayName(10_000_000 + ref),
      type: 'recycle',
      deleted_by: ref2(r.pick(this.org.users)),
      created_by: ref2(r.pick(this.org.users)),
      deleted_time: when,
    };
  }
}

const COMMON_DOLLAR_KEYS: Record<string, unknown> = {
  $approval_state: 'approved',
  $editable: true,
  $state: 'save',
  $process_flow: false,
  $locked_for_me: false,
  $review: null,
  $in_merge: false,
  $field_states: null,
};

/**
 * An object with these keys, in this order, in V8's fast-properties mode. Records copy it and then
 * only overwrite existing keys: objects grown key by key with computed names fall into dictionary
 * mode past ~16 keys, which makes building and JSON.stringify several times slower.
 */
export function fastTemplate(keys: readonly string[]): Record<string, null> {
  return JSON.parse(JSON.stringify(Object.fromEntries(keys.map((k) => [k, null])))) as Record<string, null>;
}

enum Kind { Owner, CreatedBy, ModifiedBy, CreatedTime, ModifiedTime, Identity, Generated }

interface Step {
  api: string;
  kind: Kind;
  nullRate: number;
  gen: (c: GenCtx) => unknown;
}

const SYSTEM_KIND: Record<string, Kind> = {
  Owner: Kind.Owner, Created_By: Kind.CreatedBy, Modified_By: Kind.ModifiedBy, Created_Time: Kind.CreatedTime, Modified_Time: Kind.ModifiedTime,
};

/** Decided once per module so building a record is a flat loop. */
function planStep(f: FieldSpec): Step {
  const kind = SYSTEM_KIND[f.api] ?? (f.identity ? Kind.Identity : Kind.Generated);
  return { api: f.api, kind, nullRate: f.nullRate ?? 0, gen: f.gen ?? defaultGen(f) };
}

function defaultGen(f: FieldSpec): (c: GenCtx) => unknown {
  switch (f.type) {
    case 'text': return (c) => V.shortText(c.r);
    case 'textarea': return (c) => V.text(c.r);
    case 'email': return (c) => V.email(c.r, 'user', c.i);
    case 'phone': return (c) => V.phone(c.r);
    case 'website': return (c) => V.website(c.r, 'site');
    case 'autonumber': return (c) => `AUTO-${c.i + 1}`;
    case 'integer': return (c) => c.r.range(0, 5000);
    case 'double': return (c) => round(c.r.next() * 1e7) / 100;
    case 'percent': return (c) => c.r.int(101);
    case 'currency': return (c) => V.money(c.r, 1_000_000);
    case 'boolean': return (c) => c.r.chance(0.5);
    case 'date': return (c) => isoDate(c.createdMs + (c.r.int(600) - 200) * 86400000);
    case 'datetime': return (c) => isoWithOffset(c.createdMs + c.r.int(400 * 86400) * 1000, c.r.pick(ALL_OFFSETS));
    case 'lookup': return (c) => c.lookup(f.lookup as string);
    case 'ownerlookup': return (c) => ({ ...c.user() });
    case 'picklist': return (c) => c.r.pick(f.picks ?? ['-None-']);
    case 'multiselectpicklist': return (c) => V.multi(c.r, f.picks ?? []);
    // Never built: a subform's rows are the subform module's records.
    case 'subform': return () => undefined;
  }
}
