// Zoho serves at most 50 fields per records call, so a wider module is read as several parallel
// page_token chains, one per batch of fields, whose pages are merged by record id.
import { MAX_FIELDS_PER_CALL } from './requests.js';
import { RawEntry, type RawMember } from './entries-page.js';
import type { ZohoEntry } from './schemas.js';

/** Splits field api names into batches of at most `size`, keeping their order; ["id"] is never needed (Zoho always returns it). */
export function fieldBatches(fields: readonly string[], size: number = MAX_FIELDS_PER_CALL): string[][] {
  const unique = [...new Set(fields)];
  const out: string[][] = [];
  for (let i = 0; i < unique.length; i += size) out.push(unique.slice(i, i + size));
  return out;
}

/**
 * Partial records seen in some batches but not yet all, carried from page to page of a chain as
 * JSON (it travels in the request's userData). Normally empty after every page.
 */
export type PendingParts = Array<[id: string, parts: Array<Record<string, unknown> | null>]>;

/** A part of a record as one batch's page gave it: its bytes (as read), or an object (from `pending`). */
export type Part = ZohoEntry | RawEntry;

export interface MergeResult {
  /** Complete records: every batch's part merged, in the order their ids were first seen. */
  complete: Part[];
  /** Records still missing a batch's part (as objects: they travel as JSON). */
  pending: PendingParts;
}

/**
 * Merges one page of each batch (plus what earlier pages left pending) by id.
 *
 * When the batches agree — the normal case — every id of the page is in every batch and the page
 * merges whole. They can disagree when a record is created, deleted or moved between the calls of
 * one page: then a record's parts may arrive on different pages of different batches, so a part
 * waits in `pending` until the other batches deliver theirs. Rules, deterministic whatever the
 * timing: within one batch the first part seen for an id wins (a repeat from a shifted page is
 * ignored); a record is emitted once, when its last part arrives; keys are merged in batch order
 * (batch 0's keys first, later batches add the keys they own); a batch whose chain has ended
 * (`done[i]`) can deliver no more parts, so records waiting for it never complete and are reported
 * by the caller as `leftover` when the whole chain ends.
 */
export function mergeBatchPages(
  pages: ReadonlyArray<readonly Part[] | null>,
  pending: PendingParts,
  batches?: ReadonlyArray<readonly string[]>,
): MergeResult {
  const width = pages.length;
  const owned = batches?.map((b) => new Set(b));
  const parts = new Map<string, Array<Part | null>>(pending.map(([id, p]) => [id, [...p] as Array<Part | null>]));
  pages.forEach((page, b) => {
    for (const record of page ?? []) {
      let slot = parts.get(record.id);
      if (!slot) {
        slot = new Array<Part | null>(width).fill(null);
        parts.set(record.id, slot);
      }
      slot[b] ??= record;
    }
  });
  const complete: Part[] = [];
  const rest: PendingParts = [];
  for (const [id, slot] of parts) {
    if (slot.every((p) => p !== null)) complete.push(mergeSlot(slot as Part[], owned));
    else rest.push([id, slot.map((p) => (p instanceof RawEntry ? p.object() : p))]);
  }
  return { complete, pending: rest };
}

/** Parts all read as bytes are merged as bytes; else (a part from `pending`, a repeated key) as objects. */
function mergeSlot(slot: Part[], owned?: ReadonlyArray<ReadonlySet<string>>): Part {
  if (slot.every((p): p is RawEntry => p instanceof RawEntry)) {
    const merged = mergeRawParts(slot, owned);
    if (merged) return merged;
  }
  return mergeParts(slot.map((p) => (p instanceof RawEntry ? p.object() : p)), owned) as ZohoEntry;
}

/**
 * mergeParts on bytes: the same keys in the same order, each member's bytes copied from the part
 * that wins it; undefined when a part repeats a key (left to mergeParts).
 */
export function mergeRawParts(parts: readonly RawEntry[], owned?: ReadonlyArray<ReadonlySet<string>>): RawEntry | undefined {
  if (parts.length === 1) return parts[0];
  const lists: RawMember[][] = [];
  for (const p of parts) {
    const members = p.members();
    if (!members) return undefined;
    lists.push(members);
  }
  const chosen = new ChosenMembers();
  if (owned) {
    for (let b = 0; b < lists.length; b++) {
      const own = owned[b];
      if (own) for (const m of lists[b]) if (own.has(m.key)) chosen.take(b, m);
    }
  }
  for (let b = 0; b < lists.length; b++) for (const m of lists[b]) chosen.take(b, m);
  const out = chosen.copy(parts);
  return new RawEntry(
    parts[0].id,
    chosen.modifiedPart >= 0 ? parts[chosen.modifiedPart].Modified_Time : undefined,
    out,
    parts.every((p) => p.compact),
    parts.some((p) => p.hasModuleKey),
    parts.some((p) => p.spaced),
  );
}

/** The members a merge takes, in order: the first one seen of each key, and the part it comes from. */
class ChosenMembers {
  private readonly taken = new Set<string>();
  private readonly parts: number[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private bytes = 0;
  /** The part whose Modified_Time was taken; -1 when none has it. */
  modifiedPart = -1;

  take(part: number, m: RawMember): void {
    if (this.taken.has(m.key)) return;
    this.taken.add(m.key);
    this.parts.push(part);
    this.starts.push(m.start);
    this.ends.push(m.end);
    this.bytes += m.end - m.start;
    if (m.key === 'Modified_Time') this.modifiedPart = part;
  }

  /**
   * `{…}` of the members, comma-separated. Members of one part that lie next to each other there (one
   * comma between) are copied as one range: a merge takes most of a part's members in its order, and
   * a Buffer#copy per member (62 for Leads) was a third of the merge's time.
   */
  copy(from: readonly RawEntry[]): Buffer {
    const count = this.parts.length;
    const out = Buffer.allocUnsafe(this.bytes + Math.max(0, count - 1) + 2);
    let n = 0;
    out[n++] = 0x7b;
    for (let i = 0; i < count; ) {
      const part = this.parts[i];
      let j = i;
      while (j + 1 < count && this.parts[j + 1] === part && this.starts[j + 1] === this.ends[j] + 1) j++;
      if (n > 1) out[n++] = 0x2c;
      n += from[part].bytes.copy(out, n, this.starts[i], this.ends[j]);
      i = j + 1;
    }
    out[n++] = 0x7d;
    return out;
  }
}

/**
 * One record from its batch parts. The result reads as if one call had asked for every field: each
 * batch's own fields in the order Zoho gave them, batch after batch (so the field order of the
 * metadata survives when Zoho answers in that order), then the keys Zoho adds by itself to every part
 * (`id`, `$approval_state`, …) once, in the order the first part gave them. `owned[b]` is batch b's
 * field list; without it, parts are simply concatenated.
 * A key two parts both carry keeps the first part's value.
 */
export function mergeParts(parts: ReadonlyArray<Record<string, unknown>>, owned?: ReadonlyArray<ReadonlySet<string>>): Record<string, unknown> {
  if (parts.length === 1) return parts[0];
  const out: Record<string, unknown> = {};
  const put = (k: string, v: unknown): void => {
    // A key named __proto__ (JSON.parse makes it an own key) must stay data, not set the prototype.
    if (k === '__proto__') {
      if (!Object.hasOwn(out, k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else if (!Object.hasOwn(out, k)) {
      out[k] = v;
    }
  };
  if (owned) {
    parts.forEach((part, b) => {
      const own = owned[b];
      if (own) for (const k of Object.keys(part)) if (own.has(k)) put(k, part[k]);
    });
  }
  for (const part of parts) for (const k of Object.keys(part)) put(k, part[k]);
  return out;
}
