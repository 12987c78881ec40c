// What a resumed run keeps of the run folder its killed attempt left, and why the result is the same
// as an uninterrupted run's: no line missing, none twice.
//
// What a kill can leave, given how the writer works (src/pipelines/chunk-writer.ts): per stem, files
// are written one at a time, in chunk order; a file is closed before the next one opens; a file is
// closed when it holds OUTPUT_LINES_PER_FILE lines or when its stem ends. So each stem's folder holds
// chunks 0..k-1, each complete (exactly OUTPUT_LINES_PER_FILE whole lines), and possibly chunk k,
// being written: any prefix of its lines, possibly cut inside a line, possibly still empty.
// The marker (run-marker.ts) records a stem as done only after its last file was closed.
//
// The rules:
//   - a done stem keeps all its files (after checking each is whole: a power cut could still have
//     eaten unsynced data; a stem that fails the check is handled as unfinished);
//   - an unfinished stem keeps its leading complete chunks and loses the rest (the partial chunk);
//     the new attempt writes its next chunk after the kept ones;
//   - the spider reads an unfinished stem again from its start, and the writer drops every line
//     whose `id` is in the kept chunks. Whatever order the source answers in, and even if records
//     changed meanwhile, each id ends up exactly once: from the kept chunks if it was there, else
//     from the new attempt (the kept version is the one an uninterrupted run would have written at
//     that moment). Lines of a module not yet reached are all new.
//   - the manifest (and any .tmp of it) is removed: it is written again at the end, listing the
//     kept files (lines, bytes, SHA-256 recomputed here from their bytes) and the new ones.
// Crawlee's persisted request queue is not used for this: the queue would restore page_tokens,
// which expire and are bound to the query, and items a callback yielded but the writer had not yet
// flushed would be lost with it. Re-reading an unfinished stem from its start costs its API calls
// once more, and makes correctness independent of what was in flight at the kill.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResumedStem, ResumeInfo } from '../core/context.js';
import type { LineItem } from '../core/items.js';
import type { Logger } from '../core/logger.js';
import { scanChunk } from './chunk-scan.js';
import { doneKey, type MarkerData } from './run-marker.js';

const MANIFEST = 'manifest.json';

export class ResumeError extends Error {
  override name = 'ResumeError';
}

export interface ResumePlanOptions {
  marker: MarkerData;
  runDir: string;
  linesPerFile: number;
  extension: string;
  logger: Logger;
  /** Called with every line of every kept file, in order (a second read, after the decisions). */
  onKeptLine?: (item: LineItem) => void;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function planResume(opts: ResumePlanOptions): Promise<ResumeInfo> {
  const { marker, runDir, logger } = opts;
  const done = new Set(marker.done);
  const info: ResumeInfo = { run: marker.run, stems: new Map(), done, modules: structuredClone(marker.modules), notes: structuredClone(marker.notes) };
  const entries = await readdir(runDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  for (const entry of entries) {
    if (entry.name === MANIFEST || entry.name.startsWith(`${MANIFEST}.`)) {
      // The attempt was killed after writing its manifest but before it had stored everything.
      await rm(join(runDir, entry.name), { force: true });
      logger.info(`resume: removed ${entry.name} of the interrupted attempt; it is written again at the end`);
    } else if (!entry.isDirectory() || !marker.stems[entry.name]) {
      throw new ResumeError(
        `${join(runDir, entry.name)} is not a stem the run marker knows; ` +
          'expected only stems and manifest.json in a run folder (move it away, or start a new run with --no-resume)',
      );
    }
  }
  for (const [stem, { module, kind }] of Object.entries(marker.stems)) {
    const resumed = await keepStem(opts, stem, module, kind, done.has(doneKey(module, kind)));
    if (!resumed.done) done.delete(doneKey(module, kind));
    info.stems.set(stem, resumed);
  }
  if (opts.onKeptLine) await replay(info, runDir, opts.onKeptLine);
  return info;
}

async function keepStem(opts: ResumePlanOptions, stem: string, module: string, kind: string, markedDone: boolean): Promise<ResumedStem> {
  const dir = join(opts.runDir, stem);
  const pattern = new RegExp(`^${escapeRe(stem)}-(\\d+)\\.${escapeRe(opts.extension)}$`);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const chunks: Array<{ name: string; index: number }> = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) {
      throw new ResumeError(
        `${join(dir, name)} is not a chunk of stem ${stem}; expected only ${stem}-<n>.${opts.extension} files ` +
          '(move it away, or start a new run with --no-resume)',
      );
    }
    chunks.push({ name, index: Number(m[1]) });
  }
  chunks.sort((a, b) => a.index - b.index);

  const resumed: ResumedStem = { stem, module, kind, done: markedDone, files: [], nextIndex: 0, ids: new Set() };
  let keeping = true;
  for (const [position, chunk] of chunks.entries()) {
    const path = join(dir, chunk.name);
    const isLast = position === chunks.length - 1;
    const ids: string[] = [];
    const scan = keeping && chunk.index === position ? await scanChunk(path, resumed.done ? undefined : (line) => ids.push(idOf(line, path))) : undefined;
    const full = scan !== undefined && scan.whole && scan.lines === opts.linesPerFile;
    const lastOfDone = scan !== undefined && scan.whole && resumed.done && isLast && scan.lines > 0 && scan.lines <= opts.linesPerFile;
    if (scan && (full || lastOfDone)) {
      resumed.files.push({ module, kind, stem, path: `${stem}/${chunk.name}`, lines: scan.lines, bytes: scan.bytes, sha256: scan.sha256, resumed: true });
      for (const id of ids) resumed.ids.add(id);
      resumed.nextIndex = chunk.index + 1;
      continue;
    }
    if (resumed.done) {
      opts.logger.warn(`resume: ${stem} was finished but ${chunk.name} is not whole; reading the stem again after its complete chunks`);
      resumed.done = false;
      // The ids of the files kept so far were not collected for a finished stem: collect them now.
      for (const file of resumed.files) await scanChunk(join(opts.runDir, file.path), (line) => resumed.ids.add(idOf(line, file.path)));
    }
    keeping = false;
    const size = (await stat(path)).size;
    await rm(path, { force: true });
    opts.logger.info(`resume: ${stem}/${chunk.name} (${size} bytes) was being written when the run stopped; removed, it is written again`);
  }
  return resumed;
}

/** The key a resumed stem de-duplicates by. */
function idOf(line: Record<string, unknown>, path: string): string {
  const id = line.id;
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  throw new ResumeError(`${path}: a line has no "id"; a run can only be resumed when every line has one (start a new run with --no-resume)`);
}

async function replay(info: ResumeInfo, runDir: string, onKeptLine: (item: LineItem) => void): Promise<void> {
  for (const stem of info.stems.values()) {
    if (stem.kind !== 'record' && stem.kind !== 'deleted') continue;
    const kind = stem.kind;
    for (const file of stem.files) await scanChunk(join(runDir, file.path), (data) => onKeptLine({ kind, module: stem.module, data }));
  }
}

/** One line for the log: what the resumed run keeps. */
export function describeResume(info: ResumeInfo): string {
  const stems = [...info.stems.values()];
  const done = stems.filter((s) => s.done).length;
  const kept = stems.reduce((n, s) => n + s.files.length, 0);
  const lines = stems.reduce((n, s) => n + s.files.reduce((m, f) => m + f.lines, 0), 0);
  return (
    `${info.done.size} finished stem(s) not read again (${done} with files), ${stems.length - done} unfinished stem(s) continued; ` +
    `${kept} file(s) with ${lines} line(s) kept`
  );
}
