// Zoho serves at most 50 fields per records call, so a wider module is read as several parallel
// page_token chains, one per batch of fields, whose pages are merged by record id.
import { MAX_FIELDS_PER_CALL } from './requests.js';
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

export interface MergeResult {
  /** Complete records: every batch's part merged, in the order their ids were first seen. */
  complete: ZohoEntry[];
  /** Records still missing a batch's part. */
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
  pages: ReadonlyArray<readonly ZohoEntry[] | null>,
  pending: PendingParts,
  batches?: ReadonlyArray<readonly string[]>,
): MergeResult {
  const width = pages.length;
  const owned = batches?.map((b) => new Set(b));
  const parts = new Map<string, Array<Record<string, unknown> | null>>(pending.map(([id, p]) => [id, [...p]]));
  pages.forEach((page, b) => {
    for (const record of page ?? []) {
      let slot = parts.get(record.id);
      if (!slot) {
        slot = new Array<Record<string, unknown> | null>(width).fill(null);
        parts.set(record.id, slot);
      }
      slot[b] ??= record;
    }
  });
  const complete: ZohoEntry[] = [];
  const rest: PendingParts = [];
  for (const [id, slot] of parts) {
    if (slot.every((p) => p !== null)) complete.push(mergeParts(slot as Array<Record<string, unknown>>, owned) as ZohoEntry);
    else rest.push([id, slot]);
  }
  return { complete, pending: rest };
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
