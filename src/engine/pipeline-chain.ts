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
      `ITEM_PIPELINES: unknown pipeline ${unknown.map((n) => JSON.stringify(n)).join(', ')}; expected names from ${Object.keys(registry).join(', ') || '(none registered)'}`,
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
  async process(item: Item | StemEnd): Promise<boolean> {
    if (item.kind === 'end') {
      for (const p of this.pipelines) await p.pipeline.endStem?.(item, this.ctx);
      return false;
    }
    let current: Item | null = item;
    for (const p of this.pipelines) {
      const result = p.pipeline.process(current, this.ctx);
      current = result instanceof Promise ? await result : result;
      if (current === null) return false;
    }
    return true;
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
