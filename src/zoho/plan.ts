// What a crawl of an org will cost before it starts: per module and in total, the calls and credits
// of the records read path (what the crawl does today) and, as an estimate, of a COQL read path, the
// expected wall time, and the share of the org's daily credits. Pure arithmetic over what the plan's
// metadata and count calls learnt; the rules are the crawl's own (src/spiders/zoho.ts, records-chain.ts):
// - per module: GET /settings/fields + actions/count; then, when it has fields, max(1, ⌈records/per_page⌉)
//   pages × one call per field batch (an empty module still costs its first page); with
//   ZOHO_FULL_RICH_TEXT one actions/fetch_full_data per page that holds records, when the module has
//   rich-text fields; with ZOHO_INCLUDE_DELETED the deleted log (not subform modules), which has no
//   count call: counted as its first page, exact for logs of up to 200 deletions;
// - per_page comes from ZOHO_MAX_RECORDS_PER_MODULE as the crawl picks it (perPageFor);
// - plus the one module-list call of the run.
// Not counted: retries after 429/5xx (they cost nothing), the extra chains of a module past
// ZOHO_PAGE_TOKEN_LIMIT, and incremental runs (actions/count is the whole module, not the changes).
import { perPageFor } from './records-chain.js';
import { CALL_CREDITS, DELETED_CREDITS } from './requests.js';

/** What the plan's calls learnt of one module. */
export interface ModuleFacts {
  module: string;
  /** actions/count; undefined when it could not be read (the records part is then unknown). */
  count?: number;
  /** Distinct fields the records calls ask for, and the batches of ≤ 50 they need (fieldBatches). */
  fields: number;
  batches: number;
  /** Has rich-text fields (completed by fetch_full_data under ZOHO_FULL_RICH_TEXT). */
  rich: boolean;
  /** A subform module: read like a module, with no deleted log. */
  subform: boolean;
  /**
   * Refused by the org (403/404), with the reason. At `fields`, the crawl spends its two metadata
   * calls on it; at `records` (its fields are readable, its count and records are not, as Notes for
   * a non-admin), also its first page's calls, one per field batch. Nothing is read.
   */
  refused?: { at: 'fields' | 'records'; reason: string };
}

export interface PlanOptions {
  cap?: number;
  includeDeleted: boolean;
  fullRichText: boolean;
  concurrency: number;
  /** Mean latency of one call, from the plan's own calls. */
  latencyMs: number;
}

export interface Cost {
  requests: number;
  credits: number;
}

export interface ModulePlan {
  module: string;
  /** Records the crawl will read (the cap applied); null when the count is unknown. */
  records: number | null;
  fields: number;
  field_batches: number;
  pages: number;
  /** The records read path as the crawl does it: metadata, records pages, rich text, deleted log. */
  records_path: Cost & { records_calls: number; rich_text_calls: number; deleted_calls: number };
  /** The same module read by COQL (≤ 2,000 rows and ≤ 500 fields a call), metadata and deleted log alike. */
  coql: Cost;
  /** Expected time of the module's own chain, in seconds. */
  seconds: number;
  refused?: string;
}

export interface PlanTotals {
  modules: number;
  records: number;
  /** Modules whose record count is unknown: their records are not in the figures. */
  unsized: number;
  fields: number;
  field_batches: number;
  records_path: Cost;
  coql: Cost & { estimate: string };
  seconds: number;
}

/** COQL's price of one call by the rows it returns (reference §6): 1 up to 200, 2 up to 1,000, 3 up to 2,000. */
export const COQL_MAX_ROWS = 2000;
export const COQL_MAX_FIELDS = 500;
export function coqlCallCredits(rows: number): number {
  return rows <= 200 ? 1 : rows <= 1000 ? 2 : 3;
}

const METADATA_CALLS = 2;

export function planModule(m: ModuleFacts, o: PlanOptions): ModulePlan {
  const metadata = { requests: METADATA_CALLS, credits: METADATA_CALLS * CALL_CREDITS };
  if (m.refused !== undefined) return refusedPlan(m, m.refused, o);
  const records = m.count === undefined ? null : Math.min(m.count, o.cap ?? Infinity);
  const perPage = perPageFor(o.cap);
  const known = records ?? 0;
  // No fields, no records call: the crawl cannot name what to read.
  const pages = m.batches === 0 ? 0 : Math.max(1, Math.ceil(known / perPage));
  const recordsCalls = pages * m.batches;
  const richCalls = o.fullRichText && m.rich && m.batches > 0 ? Math.ceil(known / perPage) : 0;
  const deletedCalls = o.includeDeleted && !m.subform ? 1 : 0;
  const deletedCredits = deletedCalls * DELETED_CREDITS;
  const path = {
    requests: metadata.requests + recordsCalls + richCalls + deletedCalls,
    credits: metadata.credits + (recordsCalls + richCalls) * CALL_CREDITS + deletedCredits,
    records_calls: recordsCalls,
    rich_text_calls: richCalls,
    deleted_calls: deletedCalls,
  };
  const coqlRead = m.batches === 0 ? { requests: 0, credits: 0 } : coqlCost(known, m.fields);
  const coql = { requests: metadata.requests + coqlRead.requests + deletedCalls, credits: metadata.credits + coqlRead.credits + deletedCredits };
  const seconds = (roundsOf(pages, richCalls, deletedCalls) * o.latencyMs) / 1000;
  return { module: m.module, records, fields: m.fields, field_batches: m.batches, pages, records_path: path, coql, seconds };
}

/** A module the org refuses costs the calls that find it out: the crawl (and Zoho's count) reads nothing of it. */
function refusedPlan(m: ModuleFacts, refused: NonNullable<ModuleFacts['refused']>, o: PlanOptions): ModulePlan {
  const first = refused.at === 'records' ? m.batches : 0;
  const cost = { requests: METADATA_CALLS + first, credits: (METADATA_CALLS + first) * CALL_CREDITS };
  const path = { ...cost, records_calls: first, rich_text_calls: 0, deleted_calls: 0 };
  const seconds = ((first ? 2 : 1) * o.latencyMs) / 1000;
  const pages = first ? 1 : 0;
  return { module: m.module, records: 0, fields: m.fields, field_batches: m.batches, pages, records_path: path, coql: cost, seconds, refused: refused.reason };
}

/** Rows read by COQL: one SELECT per 500 fields, each paged by 2,000 rows (an empty module still costs its one call). */
export function coqlCost(rows: number, fields: number): Cost {
  const selects = Math.max(1, Math.ceil(fields / COQL_MAX_FIELDS));
  const full = Math.floor(rows / COQL_MAX_ROWS);
  const rest = rows - full * COQL_MAX_ROWS;
  const last = rest > 0 || full === 0 ? 1 : 0;
  return { requests: selects * (full + last), credits: selects * (full * coqlCallCredits(COQL_MAX_ROWS) + (last ? coqlCallCredits(rest) : 0)) };
}

/**
 * Round trips one module's chain waits for, one after the other: its fields and count (sent
 * together), then its pages — a page's field-batch calls go out together, its rich-text completion
 * after them — while the deleted log, asked after the first page, runs beside the records.
 */
function roundsOf(pages: number, richCalls: number, deletedCalls: number): number {
  return 1 + Math.max(pages + richCalls, (pages > 0 ? 1 : 0) + deletedCalls);
}

export function planTotals(plans: readonly ModulePlan[], o: PlanOptions): PlanTotals {
  const sum = (f: (p: ModulePlan) => number): number => plans.reduce((n, p) => n + f(p), 0);
  // The run's own call: the module list, before any module.
  const list = { requests: 1, credits: CALL_CREDITS };
  const calls = list.requests + sum((p) => p.records_path.requests);
  const longest = Math.max(0, ...plans.map((p) => p.seconds));
  // Calls that can be in flight at once: each module's chain sends its page's field-batch calls together.
  const lanes = Math.max(1, Math.min(o.concurrency, sum((p) => Math.max(1, p.field_batches))));
  const latency = o.latencyMs / 1000;
  return {
    modules: plans.length,
    records: sum((p) => p.records ?? 0),
    unsized: plans.filter((p) => p.records === null).length,
    fields: sum((p) => p.fields),
    field_batches: sum((p) => p.field_batches),
    records_path: { requests: calls, credits: list.credits + sum((p) => p.records_path.credits) },
    coql: {
      requests: list.requests + sum((p) => p.coql.requests),
      credits: list.credits + sum((p) => p.coql.credits),
      estimate: 'COQL is not a read path yet',
    },
    // The module list, then the longer of the longest chain and all calls spread over the lanes.
    seconds: latency + Math.max(longest, ((calls - list.requests) * latency) / lanes),
  };
}

/** The org's daily credits and the share of them a run takes (null when the org's edition is not known). */
export function dailyShare(credits: number, daily: number | undefined): number | null {
  return daily === undefined || daily <= 0 ? null : credits / daily;
}
