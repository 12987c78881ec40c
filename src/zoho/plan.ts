// What a crawl of an org will cost before it starts: per module and in total, the calls and credits
// of both read paths (ZOHO_READ_PATH: records, and coql as zoho/coql.ts reads, call for call), which
// path the run takes for each module, the expected wall time, and the share of the org's daily credits. Pure arithmetic over what the plan's
// metadata and count calls learnt; the rules are the crawl's own (src/spiders/zoho.ts, records-chain.ts):
// - per module: GET /settings/fields + actions/count; then, when it has fields, max(1, ⌈records/per_page⌉)
//   pages × one call per field batch (an empty module still costs its first page); with
//   ZOHO_FULL_RICH_TEXT one actions/fetch_full_data per page that holds records, when the module has
//   rich-text fields; with ZOHO_INCLUDE_DELETED the deleted log (not subform modules), which has no
//   count call: counted as its first page, exact for logs of up to 200 deletions;
// - per_page comes from ZOHO_MAX_RECORDS_PER_MODULE as the crawl picks it (perPageFor);
// - plus the one module-list call of the run.
// - coql: per module the same metadata and deleted log, then the COQL calls coqlCost counts (the chain's
//   own LIMIT rule, nextCoqlLimit) and, with rich text, one fetch_full_data per 200 rows of each page;
//   a module COQL cannot read (coqlPlanOf: no Modified_Time, > 500 fields) costs what records costs.
// - a module of BIG_MODULE_RECORDS or more is read in ranges on either path, as the crawl reads it
//   (ranges.ts rangeCount, within Zoho's 10 sort_by / complex calls): each range beyond the first
//   costs about one page more (the descending bound page, a short last page per range), a COQL range
//   page asks 2,000 rows (3 credits), and the module's time is its longest range's. An estimate: the
//   crawl splits smaller modules too when few are left to read, and a chain that finishes early
//   takes over half of a remaining range (about a page more each time).
// Not counted: retries after 429/5xx (they cost nothing), the extra chains of a module past
// ZOHO_PAGE_TOKEN_LIMIT, and incremental runs (actions/count is the whole module, not the changes).
import { AUTO_READ_PATH_REASON, COQL_MAX_ROWS, coqlCallCredits, coqlCost, coqlPages, nextCoqlLimit } from './coql.js';
import { BIG_MODULE_RECORDS, rangeCount, SORT_BY_CONCURRENCY } from './ranges.js';
import { perPageFor } from './records-chain.js';
import { CALL_CREDITS, DELETED_CREDITS, MAX_FULL_DATA_IDS } from './requests.js';

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
  /** Why COQL cannot read the module (coqlPlanOf), so that a coql run reads it by records; undefined when it can. */
  coqlUnreadable?: string;
  /** Has a Modified_Time field, which a read in ranges pages by. */
  timed: boolean;
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
  /** ZOHO_READ_PATH: which path the run takes where COQL can read the module (auto: records, AUTO_READ_PATH_REASON). */
  readPath: 'records' | 'coql' | 'auto';
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
  /**
   * The module in a run with ZOHO_READ_PATH=coql: metadata, COQL calls (≤ 2,000 rows a call, 1 / 2 / 3
   * credits by LIMIT), rich-text completion and deleted log; the records path's cost when COQL cannot read it.
   */
  coql: Cost & { coql_calls: number; rich_text_calls: number };
  /** The path this run takes under the current ZOHO_READ_PATH, and why COQL was not taken when it was asked for. */
  path: 'records' | 'coql';
  path_reason?: string;
  /** What this run spends on the module: `records_path` or `coql`, by `path`. */
  run: Cost;
  /** Chains the module is read in on its path: more than 1 for a large module read in ranges. */
  chains: number;
  /** Expected time of the module's own chain on its path, in seconds. */
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
  coql: Cost;
  /** What this run spends, each module on its path (ZOHO_READ_PATH). */
  run: Cost & { read_path: 'records' | 'coql' | 'auto' };
  seconds: number;
}

const METADATA_CALLS = 2;

export function planModule(m: ModuleFacts, o: PlanOptions): ModulePlan {
  const metadata = { requests: METADATA_CALLS, credits: METADATA_CALLS * CALL_CREDITS };
  if (m.refused !== undefined) return refusedPlan(m, m.refused, o);
  const records = m.count === undefined ? null : Math.min(m.count, o.cap ?? Infinity);
  const perPage = perPageFor(o.cap);
  const known = records ?? 0;
  const deletedCalls = o.includeDeleted && !m.subform ? 1 : 0;
  const deletedCredits = deletedCalls * DELETED_CREDITS;
  const k = m.timed ? chainsOf(known, o, perPage) : 1;
  // No fields, no records call: the crawl cannot name what to read. A range beyond the first costs about a page.
  const pages = m.batches === 0 ? 0 : Math.max(1, Math.ceil(known / perPage)) + (k - 1);
  const recordsCalls = pages * m.batches;
  const richCalls = o.fullRichText && m.rich && m.batches > 0 ? Math.ceil(known / perPage) + (k - 1) : 0;
  const path = {
    requests: metadata.requests + recordsCalls + richCalls + deletedCalls,
    credits: metadata.credits + (recordsCalls + richCalls) * CALL_CREDITS + deletedCredits,
    records_calls: recordsCalls,
    rich_text_calls: richCalls,
    deleted_calls: deletedCalls,
  };
  const recordsSeconds = (roundsOf(pages, richCalls, deletedCalls, k) * o.latencyMs) / 1000;
  // No fields: neither path reads records (the crawl stops before choosing one).
  const coqlReadable = m.batches > 0 && m.coqlUnreadable === undefined;
  const base = { module: m.module, records, fields: m.fields, field_batches: m.batches, pages, records_path: path };
  if (!coqlReadable) {
    const coql = { requests: path.requests, credits: path.credits, coql_calls: 0, rich_text_calls: richCalls };
    return { ...base, coql, ...choice(o, m), run: cost(path), chains: k, seconds: recordsSeconds };
  }
  const kq = chainsOf(known, o, COQL_MAX_ROWS);
  const read = kq > 1 ? coqlRangesCost(known, kq) : coqlCost(known);
  const coqlRich = o.fullRichText && m.rich ? coqlRichCalls(known, kq) : 0;
  const coql = {
    requests: metadata.requests + read.requests + coqlRich + deletedCalls,
    credits: metadata.credits + read.credits + coqlRich * CALL_CREDITS + deletedCredits,
    coql_calls: read.requests,
    rich_text_calls: coqlRich,
  };
  const onCoql = o.readPath === 'coql';
  // A page's rich-text calls follow its COQL call one after the other in the chain.
  const coqlSeconds = (roundsOf(read.requests, coqlRich, deletedCalls, kq) * o.latencyMs) / 1000;
  return {
    ...base,
    coql,
    path: onCoql ? 'coql' : 'records',
    run: cost(onCoql ? coql : path),
    chains: onCoql ? kq : k,
    seconds: onCoql ? coqlSeconds : recordsSeconds,
  };
}

/** Chains a module of `records` is read in (pages of `pageRows`): a big module takes every chain the crawl allows (zoho.ts chainsPerModule). */
function chainsOf(records: number, o: PlanOptions, pageRows: number): number {
  if (o.cap !== undefined || records < BIG_MODULE_RECORDS) return 1;
  return rangeCount(records, Math.min(o.concurrency, SORT_BY_CONCURRENCY), pageRows);
}

/** COQL calls of a module read in `k` ranges: its pages of 2,000 rows, about one more per range, 3 credits each (a range's rest is not known). */
function coqlRangesCost(rows: number, k: number): Cost {
  const requests = Math.ceil(rows / COQL_MAX_ROWS) + k;
  return { requests, credits: requests * coqlCallCredits(COQL_MAX_ROWS) };
}

/** fetch_full_data calls of a COQL read: one per 200 rows of each page (one chain), or about one more per range. */
function coqlRichCalls(rows: number, k: number): number {
  if (k > 1) return Math.ceil(rows / MAX_FULL_DATA_IDS) + k;
  return coqlPages(rows).reduce((n, got) => n + Math.ceil(got / MAX_FULL_DATA_IDS), 0);
}

const cost = (c: Cost): Cost => ({ requests: c.requests, credits: c.credits });

/** The records path of a module COQL cannot read, and why, when COQL was asked for. */
function choice(o: PlanOptions, m: ModuleFacts): { path: 'records'; path_reason?: string } {
  if (o.readPath === 'auto') return { path: 'records', path_reason: AUTO_READ_PATH_REASON };
  if (o.readPath !== 'coql') return { path: 'records' };
  return { path: 'records', path_reason: m.batches === 0 ? 'no fields to read' : m.coqlUnreadable };
}

/** A module the org refuses costs the calls that find it out: the crawl (and Zoho's count) reads nothing of it. */
function refusedPlan(m: ModuleFacts, refused: NonNullable<ModuleFacts['refused']>, o: PlanOptions): ModulePlan {
  const first = refused.at === 'records' ? m.batches : 0;
  const cost = { requests: METADATA_CALLS + first, credits: (METADATA_CALLS + first) * CALL_CREDITS };
  const path = { ...cost, records_calls: first, rich_text_calls: 0, deleted_calls: 0 };
  const seconds = ((first ? 2 : 1) * o.latencyMs) / 1000;
  const pages = first ? 1 : 0;
  // By COQL the refusal comes on the first COQL call instead, priced by its LIMIT (the count was refused too: the cap's, else 2,000).
  const byCoql = refused.at === 'records' && m.batches > 0 && m.coqlUnreadable === undefined;
  const coqlCredits = byCoql ? coqlCallCredits(nextCoqlLimit(o.cap)) : 0;
  const coql = byCoql
    ? { requests: METADATA_CALLS + 1, credits: METADATA_CALLS * CALL_CREDITS + coqlCredits, coql_calls: 1, rich_text_calls: 0 }
    : { ...cost, coql_calls: 0, rich_text_calls: 0 };
  const onCoql = byCoql && o.readPath === 'coql';
  const chosen = onCoql ? { path: 'coql' as const } : choice(o, m);
  const run = { requests: (onCoql ? coql : cost).requests, credits: (onCoql ? coql : cost).credits };
  const base = { module: m.module, records: 0, fields: m.fields, field_batches: m.batches, pages, records_path: path, coql };
  return { ...base, ...chosen, run, chains: 1, seconds, refused: refused.reason };
}

/**
 * Round trips one module's chain waits for, one after the other: its fields and count (sent
 * together), then its pages — a page's field-batch calls go out together, its rich-text completion
 * after them — while the deleted log, asked after the first page, runs beside the records.
 */
function roundsOf(pages: number, richCalls: number, deletedCalls: number, chains = 1): number {
  return 1 + Math.max(Math.ceil((pages + richCalls) / chains), (pages > 0 ? 1 : 0) + deletedCalls);
}

export function planTotals(plans: readonly ModulePlan[], o: PlanOptions): PlanTotals {
  const sum = (f: (p: ModulePlan) => number): number => plans.reduce((n, p) => n + f(p), 0);
  // The run's own call: the module list, before any module.
  const list = { requests: 1, credits: CALL_CREDITS };
  // The time is the run's: each module on its path.
  const calls = list.requests + sum((p) => p.run.requests);
  const longest = Math.max(0, ...plans.map((p) => p.seconds));
  // Calls that can be in flight at once: each records chain of a module sends its page's field-batch calls together, a COQL chain one call.
  const lanes = Math.max(1, Math.min(o.concurrency, sum((p) => p.chains * (p.path === 'coql' ? 1 : Math.max(1, p.field_batches)))));
  const latency = o.latencyMs / 1000;
  return {
    modules: plans.length,
    records: sum((p) => p.records ?? 0),
    unsized: plans.filter((p) => p.records === null).length,
    fields: sum((p) => p.fields),
    field_batches: sum((p) => p.field_batches),
    records_path: { requests: list.requests + sum((p) => p.records_path.requests), credits: list.credits + sum((p) => p.records_path.credits) },
    coql: { requests: list.requests + sum((p) => p.coql.requests), credits: list.credits + sum((p) => p.coql.credits) },
    run: { requests: list.requests + sum((p) => p.run.requests), credits: list.credits + sum((p) => p.run.credits), read_path: o.readPath },
    // The module list, then the longer of the longest chain and all calls spread over the lanes.
    seconds: latency + Math.max(longest, ((calls - list.requests) * latency) / lanes),
  };
}

/** The org's daily credits and the share of them a run takes (null when the org's edition is not known). */
export function dailyShare(credits: number, daily: number | undefined): number | null {
  return daily === undefined || daily <= 0 ? null : credits / daily;
}
