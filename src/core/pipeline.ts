// Item pipelines, as in Scrapy: small classes with open/process/close, run in the order of their
// priority numbers (setting ITEM_PIPELINES). The engine calls open and close exactly once each,
// close even when the crawl failed, in priority order.
import type { CrawlContext } from './context.js';
import type { Item, StemEnd } from './items.js';

export interface ItemPipeline {
  /** Called once before the first item. A throw here fails the run before any request. */
  open?(ctx: CrawlContext): Promise<void>;
  /** Returns the item (possibly changed) for the next pipeline, or null to drop it. */
  process(item: Item, ctx: CrawlContext): Promise<Item | null> | Item | null;
  /**
   * The spider will send no more lines of this stem (in stream order, after its last line). Optional:
   * a pipeline that keeps no per-stem state ignores it.
   */
  endStem?(end: StemEnd, ctx: CrawlContext): Promise<void> | void;
  /** Called once after the crawl (also after a failed one); `ctx.report` tells how it went. */
  close?(ctx: CrawlContext): Promise<void>;
}

export type PipelineFactory = () => ItemPipeline;
