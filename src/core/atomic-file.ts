// Small JSON files that must never be seen half-written (run markers, incremental state, manifests): written
// under a temporary name, flushed to disk, then renamed over the real name. rename() within one
// folder is atomic on POSIX file systems, so a reader (or a process killed at any instant) finds
// either the old file or the new one, whole.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { z } from 'zod';

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    // Without the sync a power cut after the rename can leave an empty file under the real name.
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

/** Writes `value` as indented JSON; returns the text written (a manifest's hash is of exactly these bytes). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<string> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  await writeFileAtomic(path, text);
  return text;
}

/** Reads and checks a JSON file; undefined when it does not exist. Throws a message naming the file. */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseJsonText(text, schema, path);
}

export function parseJsonText<T>(text: string, schema: z.ZodType<T>, where: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not valid JSON (${(error as Error).message}); expected a file this crawler wrote — remove it to start afresh`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${where}: ${issue.path.join('.') || '(root)'}: ${issue.message}; expected a file this crawler wrote — remove it to start afresh`);
  }
  return parsed.data;
}

export const removeFile = (path: string): Promise<void> => rm(path, { force: true });
