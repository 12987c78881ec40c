// The ordered item pipelines of one crawl: open once, process each item in priority order (a null
// drops it), close once each, even after a failure.
import type { CrawlContext } from '../core/context.js';
import type { Item, StemEnd } from '../core/items.js';
import type { ItemPipeline, PipelineFactory } from '../core/pipeline.js';
import { SettingsError } from '../settings.js';

export interface NamedPipeline {
  name: string;
  priority: number;
  pipeline: ItemPipeline;
}

/** Builds the pipelines named in `order` (name → priority) from the registry, lowest priority first. */
export function buildPipelines(order: Record<string, number>, registry: Record<string, PipelineFactory>): NamedPipeline[] {
  const unknown = Object.keys(order).filter((name) => !registry[name]);
  if (unknown.length) {
    throw new SettingsError([
      `ITEM_PIPELINES: unknown pipeline ${unknown.map((n) => JSON.stringify(n)).join(', ')}; ` +
        `expected names from ${Object.keys(registry).join(', ') || '(none registered)'}`,
    ]);
  }
  return Object.entries(order)
    .sort(([a, pa], [b, pb]) => pa - pb || a.localeCompare(b))
    .map(([name, priority]) => ({ name, priority, pipeline: registry[name]() }));
}

export class PipelineChain {
  private readonly opened: NamedPipeline[] = [];
  private closed = false;

  constructor(
    readonly pipelines: NamedPipeline[],
    private readonly ctx: CrawlContext,
  ) {}

  /** Opens every pipeline in order; stops at the first that throws (which is still closed later). */
  async open(): Promise<void> {
    for (const p of this.pipelines) {
      this.opened.push(p);
      await p.pipeline.open?.(this.ctx);
    }
  }

  /**
   * Sends one item through the pipelines; returns false when one of them dropped it. A StemEnd goes
   * to every pipeline's endStem, in order, and returns false (it is no item).
   */
  process(item: Item | StemEnd): boolean | Promise<boolean> {
    if (item.kind === 'end') return this.endStem(item);
    return this.from(0, item);
  }

  /**
   * Runs pipelines `index`… on the item. Synchronous while they answer synchronously (a line that
   * only lands in a buffer): no promise per item per pipeline on the path every record takes.
   */
  private from(index: number, item: Item): boolean | Promise<boolean> {
    let current: Item | null = item;
    for (let i = index; i < this.pipelines.length; i++) {
      const result = this.pipelines[i].pipeline.process(current, this.ctx);
      if (result instanceof Promise) return result.then((next) => (next === null ? false : this.from(i + 1, next)));
      current = result;
      if (current === null) return false;
    }
    return true;
  }

  private async endStem(end: StemEnd): Promise<boolean> {
    for (const p of this.pipelines) await p.pipeline.endStem?.(end, this.ctx);
    return false;
  }

  /** Closes every pipeline that was opened, in order; a failing close is reported, the rest still close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.opened) {
      try {
        await p.pipeline.close?.(this.ctx);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.ctx.report.error('pipelines', `${p.name} failed to close: ${message}`);
        this.ctx.logger.error(`pipeline ${p.name} failed to close`, { error });
      }
    }
  }
}
