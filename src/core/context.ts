// What the engine hands to spiders and pipelines for one crawl.
import type { Settings } from '../settings.js';
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
}

/** YYYY-MM-DD_HH-MM-SS in UTC. */
export function runIdOf(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', '_').replace(/:/g, '-');
}
