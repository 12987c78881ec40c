// The NDJSON writer pipeline ('ndjson'): every line item becomes one JSON line of its stem's chunk
// files (`<Module>`, `<Module>-Deleted`, or whatever stem the items name). Other items pass through.
import type { CrawlContext } from '../core/context.js';
import { outputsOf } from '../core/context.js';
import { isLineItem, stemOf, type Item, type LineItem } from '../core/items.js';
import type { ItemPipeline } from '../core/pipeline.js';
import { ChunkWriter } from './chunk-writer.js';
import { MANIFEST_FILE } from './manifest.js';
import { ndjsonLine } from './ndjson-line.js';

/** The stem of a line item, kept off the name of the run folder's own file, manifest.json. */
export function outputStem(item: LineItem): string {
  const stem = stemOf(item);
  return stem.toLowerCase() === MANIFEST_FILE ? `_${stem}` : stem;
}

export class NdjsonWriterPipeline implements ItemPipeline {
  private readonly writers = new Map<string, ChunkWriter>();

  async process(item: Item, ctx: CrawlContext): Promise<Item> {
    if (!isLineItem(item)) return item;
    await this.writerFor(item, ctx).write(ndjsonLine(item.data));
    return item;
  }

  async close(): Promise<void> {
    const problems: string[] = [];
    for (const writer of this.writers.values()) {
      try {
        await writer.close();
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    this.writers.clear();
    if (problems.length) throw new Error(problems.join('; '));
  }

  private writerFor(item: LineItem, ctx: CrawlContext): ChunkWriter {
    const stem = outputStem(item);
    let writer = this.writers.get(stem);
    if (!writer) {
      const outputs = outputsOf(ctx);
      writer = new ChunkWriter({
        runDir: ctx.runDir,
        stem,
        module: item.module,
        kind: item.kind,
        extension: ctx.settings.OUTPUT_FILE_TYPE,
        linesPerFile: ctx.settings.OUTPUT_LINES_PER_FILE,
        onFile: (file) => outputs.add(file),
      });
      this.writers.set(stem, writer);
    }
    return writer;
  }
}
