// Shared by the Zoho end-to-end tests: a crawl of the real spider through the real engine into a
// temp folder, what it yielded, the sandbox's ground truth, and the DESIGN.md lower bound.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Item, ModuleItem } from '../../src/core/items.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import type { PipelineFactory } from '../../src/core/pipeline.js';
import { crawl, type CrawlResult } from '../../src/engine/engine.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import { parseSettings, type Settings } from '../../src/settings.js';
import { ZohoSpider } from '../../src/spiders/zoho.js';

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `${name}-`));

/** Retry waits of milliseconds, not seconds: the tests exercise the policy, not the clock. */
export const FAST_BACKOFF = { ZOHO_BACKOFF_BASE_MS: '2', ZOHO_BACKOFF_MAX_MS: '20' };

export interface Collected {
  records: Map<string, Array<Record<string, unknown>>>;
  deleted: Map<string, Array<Record<string, unknown>>>;
  modules: ModuleItem[];
}

export interface Crawled extends CrawlResult {
  got: Collected;
  lines: string[];
  settings: Settings;
  outputDir: string;
}

function collector(got: Collected): PipelineFactory {
  return () => ({
    process(item: Item) {
      if (item.kind === 'module') got.modules.push(item);
      else {
        const into = item.kind === 'record' ? got.records : got.deleted;
        if (!into.has(item.module)) into.set(item.module, []);
        into.get(item.module)!.push(item.data);
      }
      return item;
    },
  });
}

/**
 * Crawls the sandbox with the zoho spider through the engine. The in-test `collect` pipeline sees
 * every item; other pipelines (PIPELINES) run when ITEM_PIPELINES names them.
 */
export async function crawlSandbox(
  sandbox: Pick<Sandbox, 'settings'> | { settings(): Record<string, string> },
  extra: Record<string, unknown> = {},
  pipelines: Record<string, PipelineFactory> = {},
  /** The run's start (its folder's name), when a test runs several into one output folder. */
  startedAt?: Date,
): Promise<Crawled> {
  const outputDir = tempDir('zoho-out');
  const settings = parseSettings({
    ...sandbox.settings(),
    ...FAST_BACKOFF,
    LOCAL_OUTPUT_DIRECTORY: outputDir,
    ITEM_PIPELINES: 'collect:100',
    ...extra,
  });
  const got: Collected = { records: new Map(), deleted: new Map(), modules: [] };
  const { logger, lines } = createCapturingLogger('debug');
  const result = await crawl({ spider: ZohoSpider, settings, logger, pipelines: { ...pipelines, collect: collector(got) }, startedAt });
  return { ...result, got, lines, settings, outputDir };
}

/** Deleted entries compared as a multiset of lines (the API's own order is by deleted_time). */
export const asSortedLines = (rows: Iterable<Record<string, unknown>>): string[] => [...rows].map((r) => JSON.stringify(r)).sort();

export interface ModuleShape {
  name: string;
  records: number;
  fields: number;
  deleted: number;
  /** Has rich-text fields: each page costs one actions/fetch_full_data more (ZOHO_FULL_RICH_TEXT). */
  richText?: boolean;
}

/**
 * DESIGN.md's lower bound: 1 module-list call, then per readable module 1 fields call +
 * max(1, ⌈records/200⌉) × ⌈fields/50⌉ record calls + max(1, ⌈deleted/200⌉) deleted calls, plus the
 * one actions/count call per module this spider makes (DESIGN allows at most one).
 */
export function lowerBound(shapes: readonly ModuleShape[], opts: { counts?: boolean; deleted?: boolean } = {}): number {
  let total = 1;
  for (const m of shapes) {
    total += 1 + (opts.counts === false ? 0 : 1);
    // A page's calls: one per field batch, one more to complete its rich-text fields (none when the module is empty).
    total += Math.max(1, Math.ceil(m.records / 200)) * Math.ceil(m.fields / 50) + (m.richText ? Math.ceil(m.records / 200) : 0);
    if (opts.deleted !== false) total += Math.max(1, Math.ceil(m.deleted / 200));
  }
  return total;
}

export function shapesOf(sandbox: Sandbox, modules: readonly string[], cap?: number): ModuleShape[] {
  const d = sandbox.dataset;
  return modules.map((name) => ({
    name,
    records: Math.min(d.count(name), cap ?? Infinity),
    fields: d.fields(name).length,
    deleted: d.deletedCount(name),
    richText: d.fields(name).some((f) => f.textarea?.type === 'rich_text'),
  }));
}

/** The modules a crawl reads: api_supported, Notes only for admins. */
export function readableModules(sandbox: Sandbox, admin: boolean): string[] {
  return sandbox.dataset
    .modules()
    .filter((m) => m.api_supported && (admin || m.api_name !== 'Notes'))
    .map((m) => m.api_name);
}

/** Every NDJSON line written under a run folder, by stem (chunk files concatenated in order). */
export function readRun(runDir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const stem of readdirSync(runDir, { withFileTypes: true })) {
    if (!stem.isDirectory()) continue;
    const files = readdirSync(join(runDir, stem.name))
      .filter((f) => f.startsWith(`${stem.name}-`))
      .sort((a, b) => Number(/-(\d+)\.[^.]+$/.exec(a)?.[1]) - Number(/-(\d+)\.[^.]+$/.exec(b)?.[1]));
    const lines: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(runDir, stem.name, f), 'utf8');
      lines.push(...text.split('\n').filter((l) => l.length > 0));
    }
    out.set(stem.name, lines);
  }
  return out;
}

export interface RowDiff {
  missing: string[];
  extra: string[];
  /** Ids whose JSON differs (values or key order), with the first differing key. */
  different: Array<{ id: string; key: string }>;
  duplicates: string[];
  count: number;
}

/**
 * What separates `got` from `truth`, small enough to read in a failing test: equal rows (same JSON,
 * key order included) give empty lists. Compared by id.
 */
export function diffRows(got: Iterable<Record<string, unknown>>, truth: Iterable<Record<string, unknown>>): RowDiff {
  const want = new Map<string, Record<string, unknown>>();
  for (const r of truth) want.set(String(r.id), r);
  const seen = new Set<string>();
  const diff: RowDiff = { missing: [], extra: [], different: [], duplicates: [], count: 0 };
  for (const r of got) {
    diff.count++;
    const id = String(r.id);
    if (seen.has(id)) diff.duplicates.push(id);
    seen.add(id);
    const w = want.get(id);
    if (!w) diff.extra.push(id);
    else if (JSON.stringify(w) !== JSON.stringify(r)) {
      const keys = [...new Set([...Object.keys(w), ...Object.keys(r)])];
      const gk = Object.keys(r);
      const wk = Object.keys(w);
      const key = keys.find((k, i) => gk[i] !== wk[i] || JSON.stringify(w[k]) !== JSON.stringify(r[k])) ?? '?';
      diff.different.push({ id, key });
    }
  }
  for (const id of want.keys()) if (!seen.has(id)) diff.missing.push(id);
  const cut = <T>(a: T[]): T[] => (a.length > 5 ? [...a.slice(0, 5), `…${a.length - 5} more` as T] : a);
  return { missing: cut(diff.missing), extra: cut(diff.extra), different: cut(diff.different), duplicates: cut(diff.duplicates), count: diff.count };
}

/** The diff of rows that are equal: use as `expect(diffRows(got, truth)).toEqual(same(n))`. */
export const same = (count: number): RowDiff => ({ missing: [], extra: [], different: [], duplicates: [], count });
