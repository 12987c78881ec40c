// Reads the manifest.json a benchmarked run wrote (outside data: checked with zod, only the parts the
// benchmark needs).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const ManifestSchema = z.object({
  run: z.string(),
  status: z.enum(['complete', 'partial', 'failed']),
  modules: z.record(
    z.string(),
    z.object({
      records: z.number().int().nonnegative(),
      deleted: z.number().int().nonnegative(),
      fields: z.array(z.unknown()).optional(),
      files: z.array(z.object({ bytes: z.number().nonnegative() }).passthrough()).optional(),
    }).passthrough(),
  ),
  skipped: z.record(z.string(), z.string()).optional(),
  api: z.object({ requests: z.number(), credits: z.number() }).passthrough().optional(),
}).passthrough();

export type Manifest = z.infer<typeof ManifestSchema>;

export interface ManifestTotals {
  status: Manifest['status'];
  records: number;
  deleted: number;
  bytes: number;
  modules: number;
  skipped: string[];
  /** Fields the run wrote per module, as the manifest lists them. */
  fieldsByModule: Record<string, number>;
}

/** Finds the one run folder under the output directory (Crawlee/state lives in .state) and reads its manifest. */
export async function readRunManifest(outputDir: string): Promise<{ path: string; manifest: Manifest }> {
  const runs = (await readdir(outputDir, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.'));
  if (runs.length !== 1) throw new Error(`expected one run folder in ${outputDir}, found ${runs.length}: ${runs.map((r) => r.name).join(', ')}`);
  const path = join(outputDir, runs[0].name, 'manifest.json');
  const parsed = ManifestSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a manifest the benchmark understands: ${parsed.error.message}`);
  return { path, manifest: parsed.data };
}

export function totalsOf(m: Manifest): ManifestTotals {
  const mods = Object.entries(m.modules);
  return {
    status: m.status,
    records: mods.reduce((s, [, v]) => s + v.records, 0),
    deleted: mods.reduce((s, [, v]) => s + v.deleted, 0),
    bytes: mods.reduce((s, [, v]) => s + (v.files ?? []).reduce((b, f) => b + f.bytes, 0), 0),
    modules: mods.length,
    skipped: Object.keys(m.skipped ?? {}),
    fieldsByModule: Object.fromEntries(mods.map(([k, v]) => [k, v.fields?.length ?? 0])),
  };
}
