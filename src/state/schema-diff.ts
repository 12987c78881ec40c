// The schema snapshot's other half: each run's manifest lists each module's fields (api_name,
// data_type); a run whose fields differ from the previous run's says so in the log, so a field added,
// removed or retyped in the CRM does not go unnoticed downstream.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FieldInfo } from '../core/items.js';
import { readManifest } from '../pipelines/manifest.js';

export interface FieldDiff {
  added: string[];
  removed: string[];
  changed: Array<{ api_name: string; from: string; to: string }>;
}

export function diffFields(previous: readonly FieldInfo[], current: readonly FieldInfo[]): FieldDiff {
  const before = new Map(previous.map((f) => [f.api_name, f.data_type]));
  const now = new Map(current.map((f) => [f.api_name, f.data_type]));
  return {
    added: [...now.keys()].filter((name) => !before.has(name)),
    removed: [...before.keys()].filter((name) => !now.has(name)),
    changed: [...now]
      .filter(([name, type]) => before.has(name) && before.get(name) !== type)
      .map(([name, type]) => ({ api_name: name, from: before.get(name)!, to: type })),
  };
}

/** One log line for a module whose fields changed, or undefined when they did not. */
export function describeFieldDiff(module: string, diff: FieldDiff, since: string): string | undefined {
  const parts: string[] = [];
  if (diff.added.length) parts.push(`added ${diff.added.join(', ')}`);
  if (diff.removed.length) parts.push(`removed ${diff.removed.join(', ')}`);
  if (diff.changed.length) parts.push(`changed ${diff.changed.map((c) => `${c.api_name} (${c.from} → ${c.to})`).join(', ')}`);
  return parts.length ? `${module}: fields differ from ${since}: ${parts.join('; ')}` : undefined;
}

const RUN = /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/;

/**
 * The field lists of the newest earlier run of `spider` in the output folder that has a manifest
 * (any status: its fields are what the source said then). Undefined when there is none.
 */
export async function previousRunFields(
  outputDir: string,
  spider: string,
  beforeRun: string,
): Promise<{ run: string; fields: Map<string, FieldInfo[]> } | undefined> {
  const names = await readdir(outputDir).catch(() => [] as string[]);
  const runs = names.filter((n) => RUN.test(n) && n < beforeRun).sort().reverse();
  for (const run of runs) {
    try {
      const manifest = await readManifest(join(outputDir, run));
      if (manifest.spider !== spider) continue;
      const fields = new Map<string, FieldInfo[]>();
      for (const [module, m] of Object.entries(manifest.modules)) if (m.fields.length) fields.set(module, m.fields);
      return { run, fields };
    } catch {
      // A folder without a readable manifest (a run killed and never resumed): look further back.
    }
  }
  return undefined;
}
