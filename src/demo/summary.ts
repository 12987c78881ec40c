// The end-of-run summary table: per module records, deleted, files and bytes, the totals, API use,
// elapsed time and where the output is. Built from the run's manifest.json (what was really written),
// so the demo shows exactly what a user would find on disk and in the bucket.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const manifestSchema = z.object({
  spider: z.string(),
  run: z.string(),
  status: z.enum(['complete', 'partial', 'failed']),
  started_at: z.string(),
  finished_at: z.string(),
  modules: z.record(
    z.string(),
    z.object({
      records: z.number(),
      deleted: z.number(),
      files: z.array(z.object({ path: z.string(), lines: z.number(), bytes: z.number() })),
      errors: z.array(z.unknown()).default([]),
    }),
  ),
  skipped: z.record(z.string(), z.string()).default({}),
  api: z.object({ requests: z.number(), credits: z.number() }),
});
export type RunManifest = z.infer<typeof manifestSchema>;

export function readManifest(runDir: string): RunManifest {
  return manifestSchema.parse(JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')));
}

export interface SummaryRow {
  module: string;
  records: number;
  deleted: number;
  files: number;
  bytes: number;
}

export interface RunSummary {
  run: string;
  status: RunManifest['status'];
  rows: SummaryRow[];
  totals: SummaryRow;
  skipped: Record<string, string>;
  api: { requests: number; credits: number };
  elapsedMs: number;
  localDir: string;
  /** `s3://bucket/prefix/RUN/` when uploaded. */
  s3Location?: string;
  s3Objects?: number;
}

export function summarize(manifest: RunManifest, localDir: string, s3?: { location: string; objects: number }): RunSummary {
  const rows = Object.entries(manifest.modules)
    .map(([module, m]) => ({
      module,
      records: m.records,
      deleted: m.deleted,
      files: m.files.length,
      bytes: m.files.reduce((n, f) => n + f.bytes, 0),
    }))
    .sort((a, b) => a.module.localeCompare(b.module));
  const totals = rows.reduce(
    (t, r) => ({ module: 'TOTAL', records: t.records + r.records, deleted: t.deleted + r.deleted, files: t.files + r.files, bytes: t.bytes + r.bytes }),
    { module: 'TOTAL', records: 0, deleted: 0, files: 0, bytes: 0 },
  );
  return {
    run: manifest.run,
    status: manifest.status,
    rows,
    totals,
    skipped: manifest.skipped,
    api: manifest.api,
    elapsedMs: Date.parse(manifest.finished_at) - Date.parse(manifest.started_at),
    localDir,
    s3Location: s3?.location,
    s3Objects: s3?.objects,
  };
}

const kib = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

export function formatSummary(s: RunSummary): string {
  const header = ['module', 'records', 'deleted', 'files', 'bytes'];
  const body = [...s.rows, s.totals].map((r) => [r.module, String(r.records), String(r.deleted), String(r.files), kib(r.bytes)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(header), rule, ...body.slice(0, -1).map(line), rule, line(body[body.length - 1])];
  for (const [module, reason] of Object.entries(s.skipped)) out.push(`skipped ${module}: ${reason}`);
  out.push(
    '',
    `run ${s.run}: ${s.status}`,
    `API: ${s.api.requests} requests, ${s.api.credits} credits`,
    `elapsed: ${(s.elapsedMs / 1000).toFixed(1)} s`,
    `local: ${s.localDir}`,
  );
  if (s.s3Location) out.push(`S3: ${s.s3Location} (${s.s3Objects} objects, manifest.json last)`);
  return out.join('\n');
}
