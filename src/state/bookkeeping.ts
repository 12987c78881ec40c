// The framework's bookkeeping across runs, for any spider that declares how its lines are timed
// (IncrementalSpec): incremental bookmarks per stem (the argument is in watermarks.ts), the repeats
// of the overlap dropped by content, the module fields kept with the state, and the schema diff
// against the previous run. The engine feeds it every stored item and every stem end, and saves it
// after the output is stored; the spider only asks it what to request and what is a repeat.
import { dirname } from 'node:path';
import type { Bookmarks, CrawlContext } from '../core/context.js';
import type { FieldInfo, Item, LineItem } from '../core/items.js';
import type { RunStatus } from '../core/report.js';
import type { IncrementalSpec } from '../core/spider.js';
import { StateStore, type IncrementalState, type ModuleState } from './incremental-store.js';
import { doneKey } from './run-marker.js';
import { describeFieldDiff, diffFields, previousRunFields } from './schema-diff.js';
import { RepeatFilter, StemWatermark, timeOf, type Bookmark } from './watermarks.js';

type Kind = LineItem['kind'];
const KINDS: Kind[] = ['record', 'deleted'];

/** The note in the run marker naming the state a run started from (null: none). */
const STATE_NOTE = 'incremental_state_run';

/** The same key as the run marker's finished stems (ctx.resume.done holds them). */
const key = (module: string, kind: Kind): string => doneKey(module, kind);

export class Bookkeeping implements Bookmarks {
  private state?: IncrementalState;
  private readonly marks = new Map<string, StemWatermark>();
  private readonly ended = new Set<string>();
  private readonly filters = new Map<string, RepeatFilter | null>();
  private readonly fields = new Map<string, FieldInfo[]>();
  private previous?: { source: string; fields: Map<string, FieldInfo[]> };
  private storeMade?: StateStore;

  constructor(
    private readonly ctx: CrawlContext,
    private readonly spec: IncrementalSpec,
  ) {}

  private get store(): StateStore {
    return (this.storeMade ??= new StateStore(this.ctx.spiderName, this.ctx.stateDir, this.ctx.settings, this.ctx.logger));
  }

  /** Loads the state and the previous run's fields; says in the log what this run will ask for. */
  async start(): Promise<void> {
    const log = this.ctx.logger;
    const { spec } = this;
    for (const done of this.ctx.resume?.done ?? []) this.ended.add(done);
    if (spec.enabled) {
      const loaded = await this.store.load();
      this.state = loaded.state;
      if (spec.explicitSince) {
        const { setting, at } = spec.explicitSince;
        log.info(`incremental: ${setting}=${at.toISOString()} is set and wins over the saved state; every module is asked for changes since then`);
      } else if (loaded.state) {
        log.info(
          `incremental: state of run ${loaded.state.run} from ${loaded.source}; ` +
            `each module is asked only for changes since its bookmark (overlap ${loaded.state.overlap_secs} s)`,
        );
      } else log.info('incremental: no saved state yet; this run reads everything and saves the state if it completes');
      for (const reason of Object.values(spec.frozen ?? {})) log.warn(`incremental: ${reason}`);
      await this.checkResumedState();
    }
    this.previous = this.state ? { source: `the saved state (run ${this.state.run})`, fields: savedFields(this.state) } : await this.previousRun();
  }

  private async previousRun(): Promise<{ source: string; fields: Map<string, FieldInfo[]> } | undefined> {
    const p = await previousRunFields(dirname(this.ctx.runDir), this.ctx.spiderName, this.ctx.runId);
    return p && { source: `run ${p.run}`, fields: p.fields };
  }

  // A resumed attempt must ask for the same changes as its first attempt did: the state cannot have
  // moved unless another run completed in between, which is said loudly.
  private async checkResumedState(): Promise<void> {
    const run = this.state?.run ?? null;
    const notes = this.ctx.resume?.notes;
    if (notes && STATE_NOTE in notes && notes[STATE_NOTE] !== run) {
      this.ctx.logger.warn(
        `incremental: the run started from the state of run ${JSON.stringify(notes[STATE_NOTE])}, now the state is from run ${JSON.stringify(run)}; ` +
          'the unfinished modules use the newer bookmarks (nothing is lost, but this run is not the one it would have been)',
      );
    }
    await this.ctx.checkpoint?.note(STATE_NOTE, run);
  }

  sinceFor(module: string, kind: Kind): string | undefined {
    if (this.spec.explicitSince) return this.spec.explicitSince.at.toISOString();
    if (!this.spec.enabled) return undefined;
    return this.bookmark(module, kind)?.since;
  }

  private bookmark(module: string, kind: Kind): Bookmark | undefined {
    return this.state?.modules[module]?.[kind];
  }

  isRepeat(module: string, kind: Kind, data: Record<string, unknown>): boolean {
    const filter = this.filterOf(module, kind);
    return filter !== null && filter.isRepeat(timeOf(data, this.spec.timeField[kind]), data);
  }

  mayRepeat(module: string, kind: Kind): boolean {
    return this.filterOf(module, kind) !== null;
  }

  private filterOf(module: string, kind: Kind): RepeatFilter | null {
    let filter = this.filters.get(key(module, kind));
    if (filter === undefined) {
      // With an explicit start the user asked for every change since then: no drops.
      const bookmark = this.spec.enabled && !this.spec.explicitSince ? this.bookmark(module, kind) : undefined;
      filter = bookmark ? new RepeatFilter(bookmark) : null;
      this.filters.set(key(module, kind), filter);
    }
    return filter;
  }

  /** The engine: no more lines of this stem will come (it was read to the end, and its last file closed). */
  stemEnded(module: string, kind: Kind): void {
    this.ended.add(key(module, kind));
  }

  /** The engine: every stored item (and, on resume, every kept line), in order. */
  observe(item: Item): void {
    if (item.kind === 'module') {
      if (item.fields) this.fieldsSeen(item.module, item.fields);
      return;
    }
    if (!this.spec.enabled) return;
    const k = key(item.module, item.kind);
    let mark = this.marks.get(k);
    if (!mark) this.marks.set(k, (mark = this.watermark()));
    mark.observe(timeOf(item.data, this.spec.timeField[item.kind]), item.data);
  }

  private watermark(): StemWatermark {
    return new StemWatermark(this.ctx.startedAt.getTime(), this.spec.overlapSecs * 1000);
  }

  private fieldsSeen(module: string, fields: FieldInfo[]): void {
    const first = !this.fields.has(module);
    this.fields.set(module, fields);
    const before = this.previous?.fields.get(module);
    if (!first || !before || fields.length === 0) return;
    const diff = diffFields(before, fields);
    const line = describeFieldDiff(module, diff, this.previous!.source);
    if (line) this.ctx.logger.log(diff.removed.length || diff.changed.length ? 'warn' : 'info', line, { module, fields: diff });
  }

  /** The engine, once the output is stored: saves the new state, only for a complete run. */
  async afterRun(status: RunStatus): Promise<void> {
    if (!this.spec.enabled) return;
    const log = this.ctx.logger;
    if (status !== 'complete') {
      log.info(`incremental: the run is ${status}; the saved state stays as it was${this.state ? ` (run ${this.state.run})` : ' (none)'}`);
      return;
    }
    const modules: Record<string, ModuleState> = { ...this.state?.modules };
    const names = new Set([...this.fields.keys(), ...[...this.ended].map((k) => k.slice(k.indexOf(':') + 1))]);
    let moved = 0;
    for (const module of names) {
      const entry: ModuleState = { ...modules[module] };
      const fields = this.fields.get(module);
      if (fields) entry.fields = fields;
      for (const kind of KINDS) {
        const next = this.nextBookmark(module, kind);
        if (next === undefined) continue;
        entry[kind] = next;
        moved++;
      }
      modules[module] = entry;
    }
    const state: IncrementalState = {
      spider: this.ctx.spiderName,
      version: 1,
      run: this.ctx.runId,
      started_at: this.ctx.startedAt.toISOString(),
      saved_at: new Date().toISOString(),
      overlap_secs: this.spec.overlapSecs,
      modules,
    };
    await this.store.save(state);
    const bucket = this.ctx.settings.AWS_BUCKET_NAME;
    const remote = bucket ? ` and s3://${bucket}/${this.store.key}` : '';
    log.info(`incremental: state saved for run ${this.ctx.runId} (${moved} bookmark(s)) in ${this.store.localPath}${remote}`);
  }

  /**
   * A stem's bookmark moves only when this run read it to the end, every line had a time, its kind is
   * not frozen, and the run covered at least what the bookmark promised (its since was no later than
   * the old one's: an explicit start after it would leave a gap).
   */
  private nextBookmark(module: string, kind: Kind): Bookmark | undefined {
    const k = key(module, kind);
    if (!this.ended.has(k) || this.spec.frozen?.[kind] !== undefined) return undefined;
    const mark = this.marks.get(k) ?? this.watermark();
    if (mark.untimed > 0) {
      const field = this.spec.timeField[kind];
      this.ctx.logger.warn(`incremental: ${mark.untimed} line(s) of ${module} (${kind}) have no readable ${field}; its bookmark is not moved`);
      return undefined;
    }
    const previous = this.bookmark(module, kind);
    const asked = this.sinceFor(module, kind);
    if (asked !== undefined && (previous === undefined || Date.parse(asked) > Date.parse(previous.since))) return undefined;
    return mark.merge(previous);
  }
}

function savedFields(state: IncrementalState): Map<string, FieldInfo[]> {
  return new Map(Object.entries(state.modules).flatMap(([m, s]) => (s.fields?.length ? [[m, s.fields] as const] : [])));
}
