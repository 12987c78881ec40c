// What the engine hands to spiders and pipelines for one crawl.
import type { Settings } from '../settings.js';
import type { FieldInfo, LineItem } from './items.js';
import type { Logger } from './logger.js';
import type { RunReport } from './report.js';

export interface CrawlContext {
  spiderName: string;
  settings: Settings;
  logger: Logger;
  /** The run's name: its start in UTC as YYYY-MM-DD_HH-MM-SS. */
  runId: string;
  startedAt: Date;
  /** `<LOCAL_OUTPUT_DIRECTORY>/<runId>`: data stems and manifest.json only. */
  runDir: string;
  /** `<LOCAL_OUTPUT_DIRECTORY>/.state`: working state, never uploaded as data. */
  stateDir: string;
  report: RunReport;
  /**
   * Set when this crawl continues a run that was killed (see src/state/resume-plan.ts): what the
   * earlier attempt finished. A resumable spider does not read finished stems again.
   */
  resume?: ResumeInfo;
  /** Set by the engine for resumable spiders: where writers record a stem before its first file. */
  checkpoint?: Checkpoint;
  /** Set by the engine for a spider that declares `incremental`: what to ask for, what is a repeat. */
  bookmarks?: Bookmarks;
  /** Set by the engine: lines of a module's stem stored so far in this run (kept lines of a resumed run included). */
  stored?: (module: string, kind: LineItem['kind']) => number;
}

/**
 * Incremental bookmarks, kept by the framework (src/state/bookkeeping.ts): it sees every stored line
 * and saves the bookmarks once a complete run's output is stored; the spider only asks.
 */
export interface Bookmarks {
  /** Ask for changes since this time (ISO), or undefined for everything. */
  sinceFor(module: string, kind: LineItem['kind']): string | undefined;
  /** Whether a line of this stem can be a repeat at all: if not, isRepeat need not be asked (nor a line parsed for it). */
  mayRepeat(module: string, kind: LineItem['kind']): boolean;
  /** True when exactly this line was stored by an earlier run (a repeat from the overlap). */
  isRepeat(module: string, kind: LineItem['kind'], data: Record<string, unknown>): boolean;
}

/** Records crash-resume facts as the run goes (the run marker under .state/runs/). */
export interface Checkpoint {
  /** Called (and awaited) before the first file of a stem is created: the stem's module and kind. */
  stemOpened(stem: { stem: string; module: string; kind: string }): Promise<void>;
  /** Keeps a fact a resumed attempt must find unchanged (it reads it back from ctx.resume.notes). */
  note(key: string, value: unknown): Promise<void>;
}

/** A stem of a killed attempt, as its run marker recorded it: what the output stage is asked about. */
export interface StemToResume {
  stem: string;
  module: string;
  kind: string;
  /** The marker says its last file was closed. */
  done: boolean;
}

/** A run folder cannot be resumed as it is; the message says what to do (exit 2). */
export class ResumeError extends Error {
  override name = 'ResumeError';
}

/** One stem of a resumed run, as the earlier attempt left it (after the partial chunk was removed). */
export interface ResumedStem {
  stem: string;
  module: string;
  kind: string;
  /** Every line of the stem was written and its last file closed before the kill. */
  done: boolean;
  /** The files kept, in chunk order (complete ones; for a done stem also its shorter last one). */
  files: OutputFile[];
  /** The chunk number the next file of this stem gets. */
  nextIndex: number;
  /** Unfinished stems: the ids in the kept files; a line with one of them is not written again. */
  ids: Set<string>;
}

export interface ResumeInfo {
  run: string;
  /** By stem name. */
  stems: Map<string, ResumedStem>;
  /** `<kind>:<module>` of every finished stem, including finished stems that had no lines. */
  done: Set<string>;
  /** What each module's module item said in the earlier attempt. */
  modules: Record<string, { fields?: FieldInfo[]; expected?: number }>;
  /** What the spider noted in the earlier attempt (Checkpoint.note). */
  notes: Record<string, unknown>;
}

/** True when the earlier attempt of a resumed run finished this module's lines of this kind. */
export const stemDone = (resume: ResumeInfo | undefined, module: string, kind: string): boolean => resume?.done.has(`${kind}:${module}`) ?? false;

/** One finished output file of a run: complete, closed, never written again. */
export interface OutputFile {
  /** The source name (a record's module) whose items the file holds. */
  module: string;
  /** The item kind of its lines (`record`, `deleted`, …). */
  kind: string;
  stem: string;
  /** Its number among the files of its stem, from 0: the order a reader concatenates them in. */
  index: number;
  /** Relative to the run folder, `/`-separated. */
  path: string;
  lines: number;
  bytes: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  /** Written by an earlier attempt of a resumed run: it may be in the store already. */
  resumed?: boolean;
  /** Set by a stage that stores files (the S3 uploader) when it could not store this one: why. */
  notStored?: string;
}

/** YYYY-MM-DD_HH-MM-SS in UTC. */
export function runIdOf(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
}
