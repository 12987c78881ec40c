// Item pipelines, as in Scrapy: small classes with open/process/close, run in the order of their
// priority numbers (setting ITEM_PIPELINES). The engine calls open and close exactly once each,
// close even when the crawl failed, in priority order.
//
// Output stages are pipelines too, in one line: each hands what it produced to the next one through
// `next` — the NDJSON writer its closed chunk files, the S3 uploader each file once it is stored (or
// could not be), the manifest what it was told. Nothing else carries files between them.
import type { CrawlContext, OutputFile, ResumedStem, StemToResume } from './context.js';
import type { Item, LineItem, StemEnd } from './items.js';

/** The rest of the line after a pipeline: `pass` hands a product to the next pipeline that takes files. */
export interface Downstream {
  pass(file: OutputFile): Promise<void>;
}

/** Work a stage took in and has not finished (the uploader's files in flight), for the progress display. */
export interface StageActivity {
  inFlight: number;
  done: number;
  failed: number;
}

export interface ItemPipeline {
  /** Called once before the first item. A throw here fails the run before any request. */
  open?(ctx: CrawlContext, next: Downstream): Promise<void>;
  /** Returns the item (possibly changed) for the next pipeline, or null to drop it. */
  process(item: Item, ctx: CrawlContext): Promise<Item | null> | Item | null;
  /**
   * The spider will send no more lines of this stem (in stream order, after its last line). Optional:
   * a pipeline that keeps no per-stem state ignores it.
   */
  endStem?(end: StemEnd, ctx: CrawlContext): Promise<void> | void;
  /**
   * A file from an earlier stage (a closed chunk, a stored one). A pipeline without `receive` is
   * skipped: the file goes to the next one that has it. A file sent before this pipeline is open
   * arrives right after its open.
   */
  receive?(file: OutputFile, ctx: CrawlContext): Promise<void> | void;
  /** Files stop here (the manifest lists them): no later pipeline may take files, or it would get none. */
  readonly keepsFiles?: boolean;
  /**
   * Called once after the crawl (also after a failed one); `ctx.report` tells how it went.
   * `closeRest` closes the pipelines after this one and resolves to the files they made as they
   * closed (the manifest): a stage that must handle those last calls it when it is ready for them.
   * If it does not, the rest is closed after it. Returns the files it made itself as it closed.
   */
  close?(ctx: CrawlContext, closeRest: () => Promise<OutputFile[]>): Promise<OutputFile[] | void>;
  /** What it is busy with, when it does work in the background. */
  activity?(): StageActivity | undefined;
  /**
   * Resume, before open: what this stage had committed of a stem of the killed attempt. It keeps
   * those files, removes what it cannot vouch for, and gives each kept line to `onKeptLine`. Only
   * the stage that writes the files answers (the first pipeline that has this).
   */
  committed?(stem: StemToResume, ctx: CrawlContext, onKeptLine?: (item: LineItem) => void): Promise<ResumedStem>;
}

export type PipelineFactory = () => ItemPipeline;
