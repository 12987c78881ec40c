// The Zoho spider's bookkeeping across runs: incremental bookmarks (ZOHO_INCREMENTAL; the argument
// is in src/state/watermarks.ts), the repeats of the overlap dropped by content, and the schema diff
// against the previous run. The spider asks it what to request and tells it what was stored.
import { dirname } from 'node:path';
import type { CrawlContext } from '../core/context.js';
import type { FieldInfo, Item, LineItem } from '../core/items.js';
import type { RunStatus } from '../core/report.js';
import { StateStore, type IncrementalState, type ModuleState } from '../state/incremental-store.js';
import { describeFieldDiff, diffFields, previousRunFields } from '../state/schema-diff.js';
import { RepeatFilter, StemWatermark, timeOf, type Bookmark } from '../state/watermarks.js';

type Kind = LineItem['kind'];

/** The field holding a line's time, per kind: what If-Modified-Since filters on. */
export const TIME_FIELD: Record<Kind, string> = { record: 'Modified_Time', deleted: 'deleted_time' };

/** The note in the run marker naming the state a run started from (null: none). */
const STATE_NOTE = 'incremental_state_run';

const key = (module: string, kind: Kind): string => `${kind}:${module}`;

export class ZohoBookkeeping {
  private state?: IncrementalState;
  private readonly marks = new Map<string, StemWatermark>();
  private readonly ended = new Set<string>();
  private readonly filters = new Map<string, RepeatFilter | null>();
  private readonly fields = new Map<string, FieldInfo[]>();
  private previous?: { source: string; fields: Map<string, FieldInfo[]> };
  private storeMade?: StateStore;

  constructor(private readonly ctx: CrawlContext) {}

  // Made on first use: the engine names the context's spider after constructing it.
  private get store(): StateStore {
    return (this.storeMade ??= new StateStore(this.ctx.spiderName, this.ctx.stateDir, this.ctx.settings, this.ctx.logger));
  }

  private get settings() {
    return this.ctx.settings;
  }

  private get incremental(): boolean {
    return this.settings.ZOHO_INCREMENTAL;
  }

  /** Loads the state and the previous run's fields; says in the log what this run will ask for. */
  async start(): Promise<void> {
    const log = this.ctx.logger;
    for (const done of this.ctx.resume?.done ?? []) this.ended.add(done);
    if (this.incremental) {
      const loaded = await this.store.load();
      this.state = loaded.state;
      const explicit = this.settings.ZOHO_LAST_MODIFIED_TIME;
      if (explicit)
        log.info(
          `incremental: ZOHO_LAST_MODIFIED_TIME=${explicit.toISOString()} is set and wins over the saved state; ` +
            'every module is asked for changes since then',
        );
      else if (loaded.state)
        log.info(
          `incremental: state of run ${loaded.state.run} from ${loaded.source}; ` +
            `each module is asked only for changes since its bookmark (overlap ${loaded.state.overlap_secs} s)`,
        );
      else log.info('incremental: no saved state yet; this run reads everything and saves the state if it completes');
      if (this.settings.ZOHO_MAX_RECORDS_PER_MODULE !== undefined) {
        log.warn('incremental: ZOHO_MAX_RECORDS_PER_MODULE is set; a capped read is not a complete picture, so record bookmarks are not moved');
      }
      await this.checkResumedState();
    }
    this.previous = this.state
      ? {
          source: `the saved state (run ${this.state.run})`,
          fields: new Map(Object.entries(this.state.modules).flatMap(([m, s]) => (s.fields?.length ? [[m, s.fields] as const] : []))),
        }
      : await previousRunFields(dirname(this.ctx.runDir), this.ctx.spiderName, this.ctx.runId).then((p) => p && { source: `run ${p.run}`, fields: p.fields });
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

  /** If-Modified-Since for a module's records or deletions (ISO), or undefined for everything. */
  sinceFor(module: string, kind: Kind): string | undefined {
    const explicit = this.settings.ZOHO_LAST_MODIFIED_TIME;
    if (explicit) return explicit.toISOString();
    if (!this.incremental) return undefined;
    return this.bookmark(module, kind)?.since;
  }

  private bookmark(module: string, kind: Kind): Bookmark | undefined {
    return this.state?.modules[module]?.[kind];
  }

  /** True when this exact line was written by an earlier run (a repeat from the overlap). */
  isRepeat(module: string, kind: Kind, data: Record<string, unknown>): boolean {
    const filter = this.filterOf(module, kind);
    return filter !== null && filter.isRepeat(timeOf(data, TIME_FIELD[kind]), data);
  }

  /** Whether a line of this stem can be a repeat at all: if not, isRepeat need not be asked (nor a record parsed for it). */
  mayRepeat(module: string, kind: Kind): boolean {
    return this.filterOf(module, kind) !== null;
  }

  private filterOf(module: string, kind: Kind): RepeatFilter | null {
    let filter = this.filters.get(key(module, kind));
    if (filter === undefined) {
      // With an explicit ZOHO_LAST_MODIFIED_TIME the user asked for every change since then: no drops.
      const bookmark = this.incremental && !this.settings.ZOHO_LAST_MODIFIED_TIME ? this.bookmark(module, kind) : undefined;
      filter = bookmark ? new RepeatFilter(bookmark) : null;
      this.filters.set(key(module, kind), filter);
    }
    return filter;
  }

  /** The spider will send no more lines of this stem: it was read to the end. */
  stemEnded(module: string, kind: Kind): void {
    this.ended.add(key(module, kind));
  }

  /** Every stored item (and, on resume, every kept line), in order. */
  observe(item: Item): void {
    if (item.kind === 'module') {
      if (item.fields) this.fieldsSeen(item.module, item.fields);
      return;
    }
    if (!this.incremental) return;
    const k = key(item.module, item.kind);
    let mark = this.marks.get(k);
    if (!mark) this.marks.set(k, (mark = new StemWatermark(this.ctx.startedAt.getTime(), this.settings.ZOHO_INCREMENTAL_OVERLAP_SECS * 1000)));
    mark.observe(timeOf(item.data, TIME_FIELD[item.kind]), item.data);
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

  /** Saves the new state, only for a complete run (the engine calls this after everything is stored). */
  async afterRun(status: RunStatus): Promise<void> {
    if (!this.incremental) return;
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
      for (const kind of ['record', 'deleted'] as const) {
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
      overlap_secs: this.settings.ZOHO_INCREMENTAL_OVERLAP_SECS,
      modules,
    };
    await this.store.save(state);
    log.info(
      `incremental: state saved for run ${this.ctx.runId} (${moved} bookmark(s)) in ${this.store.localPath}` +
        `${this.settings.AWS_BUCKET_NAME ? ` and s3://${this.settings.AWS_BUCKET_NAME}/${this.store.key}` : ''}`,
    );
  }

  /**
   * A stem's bookmark moves only when this run read it to the end, every line had a time, and the
   * run covered at least what the bookmark promised (its since was no later than the old one's: an
   * explicit ZOHO_LAST_MODIFIED_TIME after it would leave a gap).
   */
  private nextBookmark(module: string, kind: Kind): Bookmark | undefined {
    const k = key(module, kind);
    if (!this.ended.has(k)) return undefined;
    if (kind === 'record' && this.settings.ZOHO_MAX_RECORDS_PER_MODULE !== undefined) return undefined;
    const mark = this.marks.get(k) ?? new StemWatermark(this.ctx.startedAt.getTime(), this.settings.ZOHO_INCREMENTAL_OVERLAP_SECS * 1000);
    if (mark.untimed > 0) {
      this.ctx.logger.warn(`incremental: ${mark.untimed} line(s) of ${module} (${kind}) have no readable ${TIME_FIELD[kind]}; its bookmark is not moved`);
      return undefined;
    }
    const previous = this.bookmark(module, kind);
    const asked = this.sinceFor(module, kind);
    if (asked !== undefined && (previous === undefined || Date.parse(asked) > Date.parse(previous.since))) return undefined;
    return mark.merge(previous);
  }
}
