// What the chunk stage had committed of one stem when a run was killed: the answer a resumed run
// asks of it (the rules and why they give an uninterrupted run's output: src/state/resume-plan.ts).
// Only this stage knows how chunks are named, when one is complete and what a line holds.
//
// What a kill can leave, given how the writer works (chunk-writer.ts): per stem, files are written
// one at a time, in chunk order; a file is closed before the next one opens; a file is closed when
// it holds OUTPUT_LINES_PER_FILE lines or when its stem ends. So a stem's folder holds chunks
// 0..k-1, each complete (exactly OUTPUT_LINES_PER_FILE whole lines), and possibly chunk k, being
// written: any prefix of its lines, possibly cut inside a line, possibly still empty.
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ResumeError, type ResumedStem, type StemToResume } from '../core/context.js';
import type { LineItem } from '../core/items.js';
import type { Logger } from '../core/logger.js';
import { scanChunk } from './chunk-scan.js';
import { chunkIndexOf } from './chunk-writer.js';

export interface CommittedChunksOptions {
  runDir: string;
  linesPerFile: number;
  extension: string;
  logger: Logger;
  /** Called with every line of every kept file, in order (a second read, after the decisions). */
  onKeptLine?: (item: LineItem) => void;
}

/**
 * Keeps the stem's leading complete chunks (all of a done stem's, its shorter last one included,
 * after checking each is whole) and removes the rest; a done stem that fails the check becomes
 * unfinished. An unfinished stem's kept ids are collected: its lines are not written twice.
 */
export async function committedChunks(target: StemToResume, opts: CommittedChunksOptions): Promise<ResumedStem> {
  const { stem, module, kind } = target;
  const dir = join(opts.runDir, stem);
  const chunks = await chunksIn(dir, stem, opts.extension);
  const resumed: ResumedStem = { stem, module, kind, done: target.done, files: [], nextIndex: 0, ids: new Set() };
  let keeping = true;
  for (const [position, chunk] of chunks.entries()) {
    const path = join(dir, chunk.name);
    const isLast = position === chunks.length - 1;
    const ids: string[] = [];
    const scan = keeping && chunk.index === position ? await scanChunk(path, resumed.done ? undefined : (line) => ids.push(idOf(line, path))) : undefined;
    const full = scan !== undefined && scan.whole && scan.lines === opts.linesPerFile;
    const lastOfDone = scan !== undefined && scan.whole && resumed.done && isLast && scan.lines > 0 && scan.lines <= opts.linesPerFile;
    if (scan && (full || lastOfDone)) {
      const path = `${stem}/${chunk.name}`;
      const file = { module, kind, stem, index: chunk.index, path, lines: scan.lines, bytes: scan.bytes, sha256: scan.sha256, resumed: true };
      resumed.files.push(file);
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
  if (opts.onKeptLine) await replay(resumed, opts.runDir, opts.onKeptLine);
  return resumed;
}

/** The stem's chunk files in chunk order; anything else in its folder is an error. */
async function chunksIn(dir: string, stem: string, extension: string): Promise<Array<{ name: string; index: number }>> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const chunks: Array<{ name: string; index: number }> = [];
  for (const name of names) {
    const index = chunkIndexOf(name, stem, extension);
    if (index === undefined) {
      throw new ResumeError(
        `${join(dir, name)} is not a chunk of stem ${stem}; expected only ${stem}-<n>.${extension} files ` +
          '(move it away, or start a new run with --no-resume)',
      );
    }
    chunks.push({ name, index });
  }
  return chunks.sort((a, b) => a.index - b.index);
}

/** The key a resumed stem de-duplicates by. */
function idOf(line: Record<string, unknown>, path: string): string {
  const id = line.id;
  if (typeof id === 'string' || typeof id === 'number') return String(id);
  throw new ResumeError(`${path}: a line has no "id"; a run can only be resumed when every line has one (start a new run with --no-resume)`);
}

async function replay(stem: ResumedStem, runDir: string, onKeptLine: (item: LineItem) => void): Promise<void> {
  if (stem.kind !== 'record' && stem.kind !== 'deleted') return;
  const kind = stem.kind;
  for (const file of stem.files) await scanChunk(join(runDir, file.path), (data) => onKeptLine({ kind, module: stem.module, data }));
}
