import { redactKnown } from './logger.js';

// What a run found out about itself, shared by the spider, the pipelines and the engine: errors that
// make it partial, modules skipped on purpose, API accounting. The manifest and the exit code read it.

export type RunStatus = 'complete' | 'partial' | 'failed';

export interface RunError {
  /** What failed: a module api_name, `upload`, or the spider's name for crawl-wide failures. */
  scope: string;
  message: string;
}

export class RunReport {
  readonly errors: RunError[] = [];
  /** Modules left out on purpose (e.g. refused for permissions), with the reason. */
  readonly skipped: Record<string, string> = {};
  /** Spider-reported API accounting: requests sent (retries included) and credits they cost. */
  readonly api = { requests: 0, credits: 0 };
  /** The part of `api` spent on one purpose beyond the plain read (e.g. `rich_text`), for the manifest. */
  readonly apiByPurpose: Record<string, { requests: number; credits: number }> = {};
  /** The part of `api` spent for each module (its metadata, records, deletions, rich text); org-wide calls are in none. */
  readonly apiByModule: Record<string, { requests: number; credits: number }> = {};
  private fatalMessage?: string;
  private stopMessage?: string;

  // Messages here come from errors, which may quote a secret (a URL with a token, a refused client
  // secret); the report feeds the manifest and the CLI's closing lines, so they are redacted on entry.

  /** Set when the run could not work at all (auth, settings): no data is trustworthy. */
  get fatal(): string | undefined {
    return this.fatalMessage;
  }

  set fatal(message: string | undefined) {
    this.fatalMessage = message === undefined ? undefined : redactKnown(message);
  }

  /**
   * Set when the run was stopped early for a reason that passes (StopCrawlError): the run is partial
   * and stays resumable. The message says why and what to do; a later call may refine it.
   */
  get stoppedBy(): string | undefined {
    return this.stopMessage;
  }

  set stoppedBy(message: string | undefined) {
    this.stopMessage = message === undefined ? undefined : redactKnown(message);
  }

  /** One API call sent (retries included) and the credits it cost, for the module it read (if any). */
  apiCall(credits: number, module?: string): void {
    this.api.requests++;
    this.api.credits += credits;
    if (module === undefined) return;
    const spent = (this.apiByModule[module] ??= { requests: 0, credits: 0 });
    spent.requests++;
    spent.credits += credits;
  }

  error(scope: string, message: string): void {
    this.errors.push({ scope, message: redactKnown(message) });
  }

  skip(module: string, reason: string): void {
    this.skipped[module] = redactKnown(reason);
  }

  errorsFor(scope: string): string[] {
    return this.errors.filter((e) => e.scope === scope).map((e) => e.message);
  }

  get status(): RunStatus {
    if (this.fatal !== undefined) return 'failed';
    return this.errors.length || this.stopMessage !== undefined ? 'partial' : 'complete';
  }
}

/** Exit codes of DESIGN.md: 0 complete, 1 failed or partial, 2 bad arguments or settings. */
export const EXIT = { ok: 0, incomplete: 1, usage: 2 } as const;

export const exitCodeOf = (status: RunStatus): number => (status === 'complete' ? EXIT.ok : EXIT.incomplete);
