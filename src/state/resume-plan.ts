// What a resumed run keeps of the run folder its killed attempt left, and why the result is the same
// as an uninterrupted run's: no line missing, none twice.
//
// What a kill can leave in a stem's folder, and which of its files are whole, is the chunk stage's
// to say (src/pipelines/chunk-resume.ts): the plan asks it, stem by stem (`committed`). The marker
// (run-marker.ts) records a stem as done only after its last file was closed.
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
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ResumeError, type ResumedStem, type ResumeInfo, type StemToResume } from '../core/context.js';
import type { Logger } from '../core/logger.js';
import { doneKey, type MarkerData } from './run-marker.js';

const MANIFEST = 'manifest.json';


/** Asks the output stage what it had committed of one stem (keeping that, removing the rest). */
export type CommittedOf = (stem: StemToResume) => Promise<ResumedStem>;

export interface ResumePlanOptions {
  marker: MarkerData;
  runDir: string;
  logger: Logger;
  committed: CommittedOf;
}

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
        `${join(runDir, entry.name)} is not a stem the run marker knows; expected only stems and manifest.json in a run folder ` +
          '(move it away, or start a new run with --no-resume)',
      );
    }
  }
  for (const [stem, { module, kind }] of Object.entries(marker.stems)) {
    const resumed = await opts.committed({ stem, module, kind, done: done.has(doneKey(module, kind)) });
    if (!resumed.done) done.delete(doneKey(module, kind));
    info.stems.set(stem, resumed);
  }
  return info;
}

/** One line for the log: what the resumed run keeps. */
export function describeResume(info: ResumeInfo): string {
  const stems = [...info.stems.values()];
  const done = stems.filter((s) => s.done).length;
  const kept = stems.reduce((n, s) => n + s.files.length, 0);
  const lines = stems.reduce((n, s) => n + s.files.reduce((m, f) => m + f.lines, 0), 0);
  const unfinished = stems.length - done;
  const finished = `${info.done.size} finished stem(s) not read again (${done} with files)`;
  return `${finished}, ${unfinished} unfinished stem(s) continued; ${kept} file(s) with ${lines} line(s) kept`;
}
