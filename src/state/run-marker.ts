// The run marker: `<LOCAL_OUTPUT_DIRECTORY>/.state/runs/<spider>.json`, present while a run of a
// resumable spider is under way and removed when it ends — whatever its status: a failed or partial
// run is finished, only a killed one (SIGKILL, power cut, OOM, Ctrl-C) leaves its marker behind.
// It says which run folder is in progress and what of it is finished, so the next crawl can resume:
//   stems   every stem that got a file, with its module and kind, recorded BEFORE its first file is
//           created (so no folder in the run is ever of unknown origin);
//   done    `<kind>:<module>` of every finished stem, recorded AFTER its last file was closed (so a
//           stem marked done has all its lines on disk; one not marked may have any prefix of them);
//   modules what each module item said (fields, expected), so a finished module's entry in the
//           manifest can be rebuilt without asking the API again.
// Every change rewrites the whole (small) file atomically (atomic-file.ts), one write at a time.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { Checkpoint, CrawlContext } from '../core/context.js';
import type { FieldInfo, LineItem } from '../core/items.js';
import { safeStem } from '../core/items.js';
import { describeSettings, type SettingName, type Settings } from '../settings.js';
import { readJsonFile, removeFile, writeJsonAtomic } from '../core/atomic-file.js';

/**
 * The framework's settings that shape a run's output; a spider adds its own (Spider.shapingSettings).
 * A resumed run must use the same values, or its second half would not match its first (other chunk
 * sizes, other modules, other time window).
 */
export const OUTPUT_SHAPING_SETTINGS: readonly SettingName[] = [
  'OUTPUT_FILE_TYPE',
  'OUTPUT_LINES_PER_FILE',
  'ITEM_PIPELINES',
  'AWS_BUCKET_NAME',
  'AWS_S3_PREFIX',
];

const fieldSchema = z.object({ api_name: z.string(), data_type: z.string() });

export const markerSchema = z.object({
  spider: z.string(),
  run: z.string().regex(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/, 'expected a run id YYYY-MM-DD_HH-MM-SS'),
  started_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date-time'),
  status: z.literal('running'),
  /** The process running the attempt, to tell a killed run from one still going. */
  pid: z.number().int().optional(),
  host: z.string().optional(),
  /** Attempts so far, this one included. */
  attempts: z.number().int().positive(),
  settings: z.record(z.string(), z.string().nullable()),
  stems: z.record(z.string(), z.object({ module: z.string(), kind: z.string() })),
  done: z.array(z.string()),
  modules: z.record(z.string(), z.object({ fields: z.array(fieldSchema).optional(), expected: z.number().optional() })),
  /** Facts a spider must find unchanged when it resumes (e.g. which incremental state it started from). */
  notes: z.record(z.string(), z.unknown()),
});
export type MarkerData = z.infer<typeof markerSchema>;

export const markerPath = (stateDir: string, spider: string): string => join(stateDir, 'runs', `${safeStem(spider)}.json`);

export const readMarker = (stateDir: string, spider: string): Promise<MarkerData | undefined> => readJsonFile(markerPath(stateDir, spider), markerSchema);

export function shapingSettings(settings: Settings, names: readonly SettingName[]): Record<string, string | null> {
  const all = describeSettings(settings, { omitSecrets: true });
  return Object.fromEntries(names.map((name) => [name, all[name] ?? null]));
}

/** The names of shaping settings whose value differs from the marker's, with both values. */
export function changedSettings(marker: MarkerData, settings: Settings, names: readonly SettingName[]): string[] {
  const now = shapingSettings(settings, names);
  return names.filter((name) => (marker.settings[name] ?? null) !== now[name]).map(
    (name) => `${name} (the run started with ${JSON.stringify(marker.settings[name] ?? null)}, now ${JSON.stringify(now[name])})`,
  );
}

/**
 * True when the marker's process is still running on this machine: then the run is not unfinished
 * but under way, and must be neither resumed nor replaced. (A container restarted under the same
 * name may reuse the pid: our own pid is never "another" process.)
 */
export function stillRunning(marker: MarkerData): boolean {
  if (marker.pid === undefined || marker.host !== hostname() || marker.pid === process.pid) return false;
  try {
    process.kill(marker.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export const doneKey = (module: string, kind: string): string => `${kind}:${module}`;

export class RunMarker implements Checkpoint {
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly data: MarkerData,
  ) {}

  /** A marker for a new run. */
  static fresh(ctx: CrawlContext, shaping: readonly SettingName[]): RunMarker {
    return new RunMarker(markerPath(ctx.stateDir, ctx.spiderName), {
      spider: ctx.spiderName,
      run: ctx.runId,
      started_at: ctx.startedAt.toISOString(),
      status: 'running',
      pid: process.pid,
      host: hostname(),
      attempts: 1,
      settings: shapingSettings(ctx.settings, shaping),
      stems: {},
      done: [],
      modules: {},
      notes: {},
    });
  }

  /** The marker of a run being resumed: what it knew, one attempt more. */
  static continued(ctx: CrawlContext, prior: MarkerData, done: Iterable<string>): RunMarker {
    return new RunMarker(markerPath(ctx.stateDir, ctx.spiderName), {
      ...prior,
      pid: process.pid,
      host: hostname(),
      attempts: prior.attempts + 1,
      done: [...done],
    });
  }

  get notes(): Readonly<Record<string, unknown>> {
    return this.data.notes;
  }

  /** Writes the marker: from now on a kill leaves this run resumable. */
  begin(): Promise<void> {
    return this.save();
  }

  stemOpened(stem: { stem: string; module: string; kind: string }): Promise<void> {
    const known = this.data.stems[stem.stem];
    if (known && known.module === stem.module && known.kind === stem.kind) return this.tail;
    this.data.stems[stem.stem] = { module: stem.module, kind: stem.kind };
    return this.save();
  }

  /** Called once every pipeline has handled the stem's end: its last file is closed. */
  stemEnded(module: string, kind: LineItem['kind']): Promise<void> {
    const key = doneKey(module, kind);
    if (this.data.done.includes(key)) return this.tail;
    this.data.done.push(key);
    return this.save();
  }

  moduleSeen(module: string, fields: FieldInfo[] | undefined, expected: number | undefined): Promise<void> {
    const entry = { ...this.data.modules[module] };
    if (fields) entry.fields = fields.map((f) => ({ api_name: f.api_name, data_type: f.data_type }));
    if (expected !== undefined) entry.expected = expected;
    this.data.modules[module] = entry;
    return this.save();
  }

  note(key: string, value: unknown): Promise<void> {
    this.data.notes[key] = value;
    return this.save();
  }

  /** The run ended (any status): it is no longer resumable. Waits for pending writes first. */
  async finish(): Promise<void> {
    await this.tail.catch(() => undefined);
    await removeFile(this.path);
  }

  // One write at a time, each of the whole current state: the file on disk only moves forward.
  private save(): Promise<void> {
    const write = this.tail.catch(() => undefined).then(async () => void (await writeJsonAtomic(this.path, this.data)));
    this.tail = write;
    return write;
  }
}
