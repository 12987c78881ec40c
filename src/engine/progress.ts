// Progress of a long crawl: per module, lines written against the total the source announced
// (Zoho's actions/count), the overall rate and ETA, and uploads in flight. On a terminal it redraws
// a block on stderr; elsewhere (CI, cron, containers) it logs a line now and then instead.
import type { Item } from '../core/items.js';
import type { Logger } from '../core/logger.js';
import type { StatusArea } from './status-area.js';

interface ModuleProgress {
  records: number;
  deleted: number;
  expected?: number;
}

export interface UploadActivity {
  inFlight: number;
  done: number;
  failed: number;
}

export interface ProgressSnapshot {
  elapsedMs: number;
  records: number;
  deleted: number;
  expected?: number;
  ratePerSec: number;
  etaSec?: number;
  modules: Array<{ module: string } & ModuleProgress>;
  uploads?: UploadActivity;
}

export class ProgressTracker {
  private readonly modules = new Map<string, ModuleProgress>();
  /** Records a resumed run kept from the killed attempt: done, but not read at this run's rate. */
  private keptRecords = 0;

  constructor(
    private readonly startedAt: number,
    private readonly uploads?: () => UploadActivity | undefined,
  ) {}

  observe(item: Item): void {
    let m = this.modules.get(item.module);
    if (!m) this.modules.set(item.module, (m = { records: 0, deleted: 0 }));
    if (item.kind === 'record') m.records++;
    else if (item.kind === 'deleted') m.deleted++;
    else if (item.expected !== undefined) m.expected = item.expected;
  }

  /**
   * A line the killed attempt stored, replayed on resume: it counts towards its module's total (the
   * module's expected count is the whole module), not towards this run's rate, or the ETA of a
   * resumed run would count the kept part as still to read and its rate would start inflated.
   */
  kept(item: Item): void {
    this.observe(item);
    if (item.kind === 'record') this.keptRecords++;
  }

  snapshot(now: number): ProgressSnapshot {
    const modules = [...this.modules].map(([module, p]) => ({ module, ...p }));
    const records = modules.reduce((n, m) => n + m.records, 0);
    const deleted = modules.reduce((n, m) => n + m.deleted, 0);
    const known = modules.every((m) => m.expected !== undefined) && modules.length > 0;
    const expected = known ? modules.reduce((n, m) => n + (m.expected ?? 0), 0) : undefined;
    const elapsedMs = Math.max(1, now - this.startedAt);
    const ratePerSec = ((records - this.keptRecords) * 1000) / elapsedMs;
    const remaining = expected === undefined ? undefined : Math.max(0, expected - records);
    const etaSec = remaining !== undefined && ratePerSec > 0 ? remaining / ratePerSec : undefined;
    return { elapsedMs, records, deleted, expected, ratePerSec, etaSec, modules, uploads: this.uploads?.() };
  }
}

const fmtSec = (s: number): string =>
  (s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`);

/** One line for logs: totals, rate, ETA, uploads. */
export function progressLine(s: ProgressSnapshot): string {
  const total = s.expected === undefined ? `${s.records}` : `${s.records}/${s.expected}`;
  const eta = s.etaSec === undefined ? '' : `, ETA ${fmtSec(s.etaSec)}`;
  const up = s.uploads ? `, uploads ${s.uploads.inFlight} in flight / ${s.uploads.done} done${s.uploads.failed ? ` / ${s.uploads.failed} failed` : ''}` : '';
  return `progress: ${total} records, ${s.deleted} deleted, ${Math.round(s.ratePerSec)} records/s${eta}${up} (${fmtSec(s.elapsedMs / 1000)})`;
}

/** The terminal block: one line per module with a bar against its expected total, then the totals. */
export function progressBlock(s: ProgressSnapshot, width = 24): string[] {
  const nameWidth = Math.min(28, Math.max(6, ...s.modules.map((m) => m.module.length)));
  const lines = s.modules.map((m) => {
    const frac = m.expected ? Math.min(1, m.records / m.expected) : undefined;
    const bar = frac === undefined ? ' '.repeat(width) : '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const count = m.expected === undefined ? `${m.records}` : `${m.records}/${m.expected}`;
    return `${m.module.slice(0, nameWidth).padEnd(nameWidth)} [${bar}] ${count}${m.deleted ? ` +${m.deleted} deleted` : ''}`;
  });
  lines.push(progressLine(s));
  return lines;
}

export interface ProgressReporterOptions {
  logger: Logger;
  tracker: ProgressTracker;
  /** The terminal's status block; without one, progress is logged as lines now and then. */
  status?: StatusArea;
  /** How often a log line is written off a terminal. */
  logEveryMs?: number;
  redrawEveryMs?: number;
}

/** Drives the display; silent unless the log level shows info. */
export class ProgressReporter {
  private timer?: NodeJS.Timeout;
  private readonly tty: boolean;

  constructor(private readonly opts: ProgressReporterOptions) {
    this.tty = opts.status !== undefined;
  }

  start(): void {
    if (!this.opts.logger.isInfoEnabled()) return;
    const every = this.tty ? (this.opts.redrawEveryMs ?? 500) : (this.opts.logEveryMs ?? 15000);
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  private tick(): void {
    const snap = this.opts.tracker.snapshot(Date.now());
    if (!this.tty) {
      this.opts.logger.info(progressLine(snap));
      return;
    }
    this.opts.status?.set(progressBlock(snap));
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.opts.status?.set([]);
    if (this.opts.logger.isInfoEnabled()) this.opts.logger.info(progressLine(this.opts.tracker.snapshot(Date.now())));
  }
}
