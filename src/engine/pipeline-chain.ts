// The ordered item pipelines of one crawl: open once, process each item in priority order (a null
// drops it), hand each file a pipeline produced to the next that takes files, close once each, even
// after a failure — each pipeline before the ones after it, which it may close itself (closeRest).
import type { CrawlContext, OutputFile, ResumedStem, StemToResume } from '../core/context.js';
import type { Item, LineItem, StemEnd } from '../core/items.js';
import type { Downstream, ItemPipeline, PipelineFactory, StageActivity } from '../core/pipeline.js';
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
  const built = Object.entries(order)
    .sort(([a, pa], [b, pb]) => pa - pb || a.localeCompare(b))
    .map(([name, priority]) => ({ name, priority, pipeline: registry[name]() }));
  // Files travel down the line: a stage after one that keeps them would silently get none (no upload).
  const keeper = built.findIndex((p) => p.pipeline.keepsFiles);
  const starved = keeper < 0 ? undefined : built.slice(keeper + 1).find((p) => p.pipeline.receive);
  if (starved) {
    const k = built[keeper];
    throw new SettingsError([
      `ITEM_PIPELINES: ${starved.name}:${starved.priority} comes after ${k.name}:${k.priority}, where files stop; ` +
        `expected ${k.name} last of the pipelines that take files, e.g. ndjson:300,s3:800,manifest:900`,
    ]);
  }
  return built;
}

export class PipelineChain {
  private readonly opened: NamedPipeline[] = [];
  /** Files sent to a pipeline before its open finished, by its index: delivered right after. */
  private readonly waiting: Map<number, OutputFile[]>;
  private closed = false;

  constructor(
    readonly pipelines: NamedPipeline[],
    private readonly ctx: CrawlContext,
  ) {
    this.waiting = new Map(pipelines.map((_, index) => [index, []]));
  }

  /** Opens every pipeline in order; stops at the first that throws (which is still closed later). */
  async open(): Promise<void> {
    for (const [index, p] of this.pipelines.entries()) {
      this.opened.push(p);
      await p.pipeline.open?.(this.ctx, this.downstreamOf(index));
      const early = this.waiting.get(index)!;
      while (early.length) await p.pipeline.receive!(early.shift()!, this.ctx);
      this.waiting.delete(index);
    }
  }

  /**
   * Resume: what the stage that writes the files had committed of a stem. Without such a stage
   * nothing of it is kept (and nothing is written this time either).
   */
  committed(stem: StemToResume, onKeptLine?: (item: LineItem) => void): Promise<ResumedStem> {
    const writer = this.pipelines.find((p) => p.pipeline.committed)?.pipeline;
    if (writer) return writer.committed!(stem, this.ctx, onKeptLine);
    return Promise.resolve({ ...stem, files: [], nextIndex: 0, ids: new Set<string>() });
  }

  /** The background work of the first pipeline that reports any (the uploader's). */
  activity(): StageActivity | undefined {
    for (const p of this.opened) {
      const busy = p.pipeline.activity?.();
      if (busy) return busy;
    }
    return undefined;
  }

  private downstreamOf(index: number): Downstream {
    return { pass: (file) => this.passFrom(index, file) };
  }

  /** Gives the file to the first pipeline after `index` that takes files. */
  private async passFrom(index: number, file: OutputFile): Promise<void> {
    for (let i = index + 1; i < this.pipelines.length; i++) {
      const { pipeline } = this.pipelines[i];
      if (!pipeline.receive) continue;
      const early = this.waiting.get(i);
      if (early) return void early.push(file);
      return pipeline.receive(file, this.ctx);
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
    await this.closeFrom(0);
  }

  /**
   * Closes opened pipeline `index`, and the ones after it: from inside its close when it asks
   * (closeRest), else after it. Resolves to the files it made as it closed; never throws.
   */
  private async closeFrom(index: number): Promise<OutputFile[]> {
    const p = this.opened[index];
    if (!p) return [];
    let rest: Promise<OutputFile[]> | undefined;
    const closeRest = (): Promise<OutputFile[]> => (rest ??= this.closeFrom(index + 1));
    let made: OutputFile[] = [];
    try {
      made = (await p.pipeline.close?.(this.ctx, closeRest)) ?? [];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.ctx.report.error('pipelines', `${p.name} failed to close: ${message}`);
      this.ctx.logger.error(`pipeline ${p.name} failed to close`, { error });
    }
    await closeRest();
    return made;
  }
}
