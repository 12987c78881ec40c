// Routes Crawlee's own log (the @apify/log singleton it shares) into our winston logger, so its lines
// pass the same redaction and format as ours and never print straight to stdout.
import { log as crawleeLog, Logger as CrawleeLogger, LogLevel } from '@crawlee/basic';
import type { Logger } from '../core/logger.js';
import { StopCrawlError } from '../core/spider.js';

class WinstonBridge extends CrawleeLogger {
  constructor(private readonly target: Logger) {
    super({});
  }

  override _log(level: LogLevel, message: string, data?: unknown, exception?: unknown, opts?: Record<string, unknown>): void {
    const meta: Record<string, unknown> = { source: 'crawlee' };
    if (opts?.prefix) meta.component = opts.prefix;
    if (data !== undefined && data !== null) meta.data = data;
    if (exception !== undefined) meta.error = exception;
    // Crawlee's INFO lines are about its own bookkeeping (statistics, pool state): ours say what
    // matters to a user, so Crawlee's info goes to debug.
    // A request cut short by a stop of the run (StopCrawlError) is no failure of its own: the engine
    // says the stop once, so Crawlee's "reached maximum retries" line for it goes to debug too.
    const stop = message.includes(`${StopCrawlError.name}: `);
    const ours = stop ? 'debug' : level <= LogLevel.ERROR ? 'error' : level <= LogLevel.WARNING ? 'warn' : 'debug';
    this.target.log(ours, message, meta);
  }
}

/** Points Crawlee's logging at `logger` (process-wide, as Crawlee's log is a singleton). */
export function routeCrawleeLog(logger: Logger): void {
  // Below debug, Crawlee's info lines would be dropped anyway: do not let it format them.
  const level = logger.level === 'debug' ? LogLevel.DEBUG : LogLevel.WARNING;
  crawleeLog.setOptions({ logger: new WinstonBridge(logger), level });
}
