// The manifest pipeline ('manifest'): tallies the items per module and, at close, writes
// manifest.json into the run folder, then hands it to the last-file hooks (the S3 uploader stores
// it after everything else, so its presence in S3 means the run is complete there).
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CrawlContext } from '../core/context.js';
import { outputsOf } from '../core/context.js';
import type { Item } from '../core/items.js';
import type { ItemPipeline } from '../core/pipeline.js';
import { describeSettings } from '../settings.js';
import { buildManifest, MANIFEST_FILE, UPLOAD_ERROR_PREFIX, writeManifest, type ModuleTally } from './manifest.js';

export class ManifestPipeline implements ItemPipeline {
  private readonly modules = new Map<string, ModuleTally>();
  private opened = false;

  async open(ctx: CrawlContext): Promise<void> {
    // Two runs started in the same second would share a folder: the first one's manifest is kept.
    if (await exists(join(ctx.runDir, MANIFEST_FILE))) {
      throw new Error(`${join(ctx.runDir, MANIFEST_FILE)} exists already; expected a new run folder (did another run start in the same second?)`);
    }
    this.opened = true;
    // A resumed run: the lines of the files its killed attempt left are counted without passing here.
    for (const file of outputsOf(ctx).files) {
      if (!file.resumed) continue;
      const tally = this.tallyOf(file.module);
      if (file.kind === 'record') tally.records += file.lines;
      else if (file.kind === 'deleted') tally.deleted += file.lines;
    }
  }

  process(item: Item): Item {
    const tally = this.tallyOf(item.module);
    if (item.kind === 'record') tally.records += 1;
    else if (item.kind === 'deleted') tally.deleted += 1;
    else if (item.kind === 'module') {
      if (item.fields) tally.fields = item.fields.map((f) => ({ api_name: f.api_name, data_type: f.data_type }));
      if (item.expected !== undefined) tally.expected = item.expected;
    }
    return item;
  }

  async close(ctx: CrawlContext): Promise<void> {
    if (!this.opened) return;
    const outputs = outputsOf(ctx);
    const write = () =>
      writeManifest(
        ctx.runDir,
        buildManifest({
          spider: ctx.spiderName,
          run: ctx.runId,
          startedAt: ctx.startedAt,
          finishedAt: new Date(),
          settings: describeSettings(ctx.settings, { omitSecrets: true }),
          modules: this.modules,
          files: outputs.files,
          report: ctx.report,
        }),
      );
    await mkdir(ctx.runDir, { recursive: true });
    await write();
    ctx.logger.info(`wrote ${MANIFEST_FILE} (status ${ctx.report.status})`, { runDir: ctx.runDir });
    const failures = await outputs.last(MANIFEST_FILE);
    if (failures.length) {
      // The local manifest must not claim a completeness the store does not have.
      for (const message of failures) ctx.report.error('upload', `${UPLOAD_ERROR_PREFIX}${MANIFEST_FILE}: ${message}`);
      await write();
    }
  }

  private tallyOf(module: string): ModuleTally {
    let tally = this.modules.get(module);
    if (!tally) this.modules.set(module, (tally = { records: 0, deleted: 0, fields: [] }));
    return tally;
  }
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );
