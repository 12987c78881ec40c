// manifest.json: what a run holds and how it went (DESIGN.md). Built from the items' tallies, the
// finished files and the run report; read back (zod) by the `upload` command.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { OutputFile } from '../core/context.js';
import type { FieldInfo } from '../core/items.js';
import type { RunReport, RunStatus } from '../core/report.js';
import { writeJsonAtomic } from '../core/atomic-file.js';

export const MANIFEST_FILE = 'manifest.json';
/** The OutputFile kind of manifest.json as the manifest pipeline passes it on. */
export const MANIFEST_KIND = 'manifest';
/** Upload failures are recorded with this prefix, so a later `upload` can clear them. */
export const UPLOAD_ERROR_PREFIX = 'upload: ';

const fileSchema = z.object({
  // `<stem>/<file>`, both reduced names: a manifest can never point outside its run folder.
  path: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected <stem>/<file> with letters, digits, _ . -')
    .refine((p) => p.split('/').every((part) => !/^\.+$/.test(part)), 'expected no . or .. segment'),
  lines: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
});

const moduleSchema = z.looseObject({
  records: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  fields: z.array(z.object({ api_name: z.string(), data_type: z.string() })),
  files: z.array(fileSchema),
  errors: z.array(z.string()),
});

export const manifestSchema = z.looseObject({
  spider: z.string(),
  run: z.string().regex(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD_HH-MM-SS'),
  started_at: z.string(),
  finished_at: z.string(),
  status: z.enum(['complete', 'partial', 'failed']),
  settings: z.record(z.string(), z.string().nullable()),
  modules: z.record(z.string(), moduleSchema),
  skipped: z.record(z.string(), z.string()),
  /**
   * Errors that belong to no module (the spider, the pipelines, the manifest's own upload). Written
   * only when there are some: DESIGN's manifest has no such key, so a run without them matches it exactly.
   */
  errors: z.array(z.object({ scope: z.string(), message: z.string() })).optional(),
  api: z.object({
    requests: z.number(),
    credits: z.number(),
    /** Of those, what each purpose beyond the plain read cost (e.g. rich_text). Written only when some. */
    by_purpose: z.record(z.string(), z.object({ requests: z.number(), credits: z.number() })).optional(),
    /**
     * Of those, what each module's calls cost (api_name → requests, credits). The module list belongs to
     * no module: the credits here add up to `credits` less that call's. Written only when some.
     */
    by_module: z.record(z.string(), z.object({ requests: z.number(), credits: z.number() })).optional(),
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof fileSchema>;
export type ManifestModule = z.infer<typeof moduleSchema>;

/** What the manifest pipeline learnt about one module from its items. */
export interface ModuleTally {
  records: number;
  deleted: number;
  fields: FieldInfo[];
  expected?: number;
}

export interface ManifestInputs {
  spider: string;
  run: string;
  startedAt: Date;
  finishedAt: Date;
  settings: Record<string, string | null>;
  modules: ReadonlyMap<string, ModuleTally>;
  files: readonly OutputFile[];
  report: RunReport;
}

/** Error scopes that belong to the run rather than to a module (see RunError.scope). */
const RUN_SCOPES = ['upload', 'pipelines'];

function byStemThenIndex(a: OutputFile, b: OutputFile): number {
  return a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : a.index - b.index;
}

export function buildManifest(input: ManifestInputs): Manifest {
  const modules: Record<string, ManifestModule> = {};
  const moduleOf = (name: string): ManifestModule => (modules[name] ??= { records: 0, deleted: 0, fields: [], files: [], errors: [] });
  for (const [name, tally] of input.modules) {
    const m = moduleOf(name);
    m.records = tally.records;
    m.deleted = tally.deleted;
    m.fields = tally.fields;
  }
  for (const file of [...input.files].sort(byStemThenIndex)) {
    moduleOf(file.module).files.push({ path: file.path, lines: file.lines, bytes: file.bytes, sha256: file.sha256 });
  }
  const errors: NonNullable<Manifest['errors']> = [];
  // DESIGN: a failed module is "named in its errors", also one that never yielded an item (a
  // whitelisted module Zoho refuses, or one the org lacks); only run-wide scopes stay outside.
  const runScopes = new Set([input.spider, ...RUN_SCOPES]);
  for (const e of input.report.errors) {
    if (modules[e.scope] || !runScopes.has(e.scope)) moduleOf(e.scope).errors.push(e.message);
    else errors.push({ scope: e.scope, message: e.message });
  }
  if (input.report.fatal !== undefined) errors.push({ scope: input.spider, message: input.report.fatal });
  if (input.report.stoppedBy !== undefined) errors.push({ scope: input.spider, message: input.report.stoppedBy });
  return {
    spider: input.spider,
    run: input.run,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    status: input.report.status,
    settings: input.settings,
    modules,
    skipped: { ...input.report.skipped },
    ...(errors.length ? { errors } : {}),
    api: {
      requests: input.report.api.requests,
      credits: input.report.api.credits,
      ...(Object.keys(input.report.apiByPurpose).length ? { by_purpose: structuredClone(input.report.apiByPurpose) } : {}),
      ...(Object.keys(input.report.apiByModule).length ? { by_module: structuredClone(input.report.apiByModule) } : {}),
    },
  };
}

/**
 * The manifest once its upload failures are resolved: those errors removed, the status recomputed
 * from what is left (a failed run stays failed).
 */
export function withoutUploadErrors(manifest: Manifest): Manifest {
  const keep = (message: string): boolean => !message.startsWith(UPLOAD_ERROR_PREFIX);
  const modules = Object.fromEntries(Object.entries(manifest.modules).map(([name, m]) => [name, { ...m, errors: m.errors.filter(keep) }]));
  const { errors: all = [], ...rest } = manifest;
  const errors = all.filter((e) => keep(e.message));
  const anyLeft = errors.length > 0 || Object.values(modules).some((m) => m.errors.length > 0);
  const status: RunStatus = manifest.status === 'failed' ? 'failed' : anyLeft ? 'partial' : 'complete';
  return { ...rest, modules, ...(errors.length ? { errors } : {}), status };
}

/** Writes manifest.json atomically and durably (see atomic-file.ts): a reader never sees half of it. */
/** Writes the run folder's manifest.json; returns its bytes. */
export async function writeManifest(runDir: string, manifest: Manifest): Promise<Buffer> {
  return Buffer.from(await writeJsonAtomic(join(runDir, MANIFEST_FILE), manifest), 'utf8');
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Reads and checks a run folder's manifest.json; throws ManifestError saying what is wrong. */
export async function readManifest(runDir: string): Promise<Manifest> {
  const path = join(runDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ManifestError(code === 'ENOENT' ? `${path} does not exist; expected a run folder with a manifest.json` : `${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ManifestError(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
