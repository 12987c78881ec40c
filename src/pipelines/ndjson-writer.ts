// The NDJSON writer pipeline ('ndjson'): every line item becomes one JSON line of its stem's chunk
// files (`<Module>`, `<Module>-Deleted`, or whatever stem the items name). Other items pass through.
// Each chunk file, once closed, goes to the next output stage; so do, at open, the chunks a killed
// attempt of a resumed run completed (ctx.resume): they are the run's files too. An unfinished stem
// continues after those chunks, and a line whose id is in them is dropped (the argument:
// src/state/resume-plan.ts).
import type { CrawlContext, ResumedStem, StemToResume } from '../core/context.js';
import { isLineItem, JsonLineItem, lineIdOf, stemOf, type Item, type LineItem, type StemEnd } from '../core/items.js';
import type { Downstream, ItemPipeline } from '../core/pipeline.js';
import { committedChunks } from './chunk-resume.js';
import { ChunkWriter } from './chunk-writer.js';
import { MANIFEST_FILE } from './manifest.js';
import { jsonText } from './ndjson-line.js';

/** The stem of a line item, kept off the name of the run folder's own file, manifest.json. */
export function outputStem(item: Pick<LineItem, 'kind' | 'module'>): string {
  const stem = stemOf(item);
  return stem.toLowerCase() === MANIFEST_FILE ? `_${stem}` : stem;
}

interface StemWriter {
  writer: ChunkWriter;
  /** Resumed stem: ids already in its kept chunks. */
  kept?: Set<string>;
}

export class NdjsonWriterPipeline implements ItemPipeline {
  private readonly writers = new Map<string, StemWriter>();
  private next: Downstream = { pass: async () => {} };

  /** Resume: the stem's chunks the killed attempt completed (see chunk-resume.ts). */
  committed(stem: StemToResume, ctx: CrawlContext, onKeptLine?: (item: LineItem) => void): Promise<ResumedStem> {
    const { OUTPUT_LINES_PER_FILE: linesPerFile, OUTPUT_FILE_TYPE: extension } = ctx.settings;
    return committedChunks(stem, { runDir: ctx.runDir, linesPerFile, extension, logger: ctx.logger, onKeptLine });
  }

  async open(ctx: CrawlContext, next: Downstream): Promise<void> {
    this.next = next;
    for (const stem of ctx.resume?.stems.values() ?? []) for (const file of stem.files) await next.pass(file);
  }

  // Not async: a line that only lands in the writer's buffer (nearly all) costs no promise.
  process(item: Item, ctx: CrawlContext): Item | null | Promise<Item | null> {
    if (!isLineItem(item)) return item;
    const stem = this.writers.get(outputStem(item));
    if (!stem) return this.openStem(item, ctx).then((opened) => this.write(opened, item));
    return this.write(stem, item);
  }

  private write(stem: StemWriter, item: LineItem): LineItem | null | Promise<LineItem> {
    if (stem.kept?.has(lineIdOf(item))) return null;
    const json = item instanceof JsonLineItem ? item.untouchedJson() : undefined;
    // An object's line: JSON.stringify's text, its separators escaped as the writer encodes it.
    const waiting = json ? stem.writer.write(json, (item as JsonLineItem).separators) : stem.writer.writeJsonText(jsonText(item.data));
    return waiting ? waiting.then(() => item) : item;
  }

  /** The stem is complete: its last file is closed (and passed on) now, not at the end of the run. */
  async endStem(end: StemEnd): Promise<void> {
    const stem = this.writers.get(outputStem({ kind: end.of, module: end.module }));
    if (!stem) return;
    stem.kept = undefined;
    await stem.writer.close();
  }

  async close(): Promise<void> {
    const problems: string[] = [];
    for (const { writer } of this.writers.values()) {
      try {
        await writer.close();
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    this.writers.clear();
    if (problems.length) throw new Error(problems.join('; '));
  }

  private async openStem(item: LineItem, ctx: CrawlContext): Promise<StemWriter> {
    const stem = outputStem(item);
    const resumed = ctx.resume?.stems.get(stem);
    if (resumed?.done) {
      throw new Error(`stem ${stem} was finished before the run was resumed, yet the spider sent more lines for it; expected none`);
    }
    // Recorded before the stem's first file exists: a resumed run then knows whose folder it is.
    await ctx.checkpoint?.stemOpened({ stem, module: item.module, kind: item.kind });
    const writer = new ChunkWriter({
      runDir: ctx.runDir,
      stem,
      module: item.module,
      kind: item.kind,
      extension: ctx.settings.OUTPUT_FILE_TYPE,
      linesPerFile: ctx.settings.OUTPUT_LINES_PER_FILE,
      firstIndex: resumed?.nextIndex ?? 0,
      onFile: (file) => this.next.pass(file),
    });
    const entry: StemWriter = { writer, kept: resumed && resumed.ids.size > 0 ? resumed.ids : undefined };
    this.writers.set(stem, entry);
    return entry;
  }
}
