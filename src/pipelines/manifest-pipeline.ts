// The manifest pipeline ('manifest'), the end of the output line: tallies the items per module,
// lists the files the stages before it pass on (stored ones, or each as written when nothing
// stores), and at close writes manifest.json into the run folder. The manifest is what it makes as
// it closes: a storing stage before it (the S3 uploader) closes it only once its own files are
// settled, and stores the manifest after them.
import { createHash } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CrawlContext, OutputFile } from '../core/context.js';
import type { Item } from '../core/items.js';
import type { ItemPipeline } from '../core/pipeline.js';
import { describeSettings } from '../settings.js';
import { buildManifest, MANIFEST_FILE, MANIFEST_KIND, writeManifest, type ModuleTally } from './manifest.js';

export class ManifestPipeline implements ItemPipeline {
  readonly keepsFiles = true;
  private readonly modules = new Map<string, ModuleTally>();
  private readonly files: OutputFile[] = [];
  private opened = false;

  async open(ctx: CrawlContext): Promise<void> {
    // Two runs started in the same second would share a folder: the first one's manifest is kept.
    if (await exists(join(ctx.runDir, MANIFEST_FILE))) {
      throw new Error(`${join(ctx.runDir, MANIFEST_FILE)} exists already; expected a new run folder (did another run start in the same second?)`);
    }
    this.opened = true;
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

  async receive(file: OutputFile, ctx: CrawlContext): Promise<void> {
    // Its own file, back from a stage that could not store it: the local copy must not claim a
    // completeness the store does not have (the report says what failed).
    if (file.kind === MANIFEST_KIND) {
      if (file.notStored) await this.write(ctx);
      return;
    }
    this.files.push(file);
    // A resumed run: the lines of the files its killed attempt left are counted without passing here.
    if (!file.resumed) return;
    const tally = this.tallyOf(file.module);
    if (file.kind === 'record') tally.records += file.lines;
    else if (file.kind === 'deleted') tally.deleted += file.lines;
  }

  async close(ctx: CrawlContext): Promise<OutputFile[]> {
    if (!this.opened) return [];
    await mkdir(ctx.runDir, { recursive: true });
    const body = await this.write(ctx);
    ctx.logger.info(`wrote ${MANIFEST_FILE} (status ${ctx.report.status})`, { runDir: ctx.runDir });
    const sha256 = createHash('sha256').update(body).digest('hex');
    return [{ module: '', kind: MANIFEST_KIND, stem: '', index: 0, path: MANIFEST_FILE, lines: 0, bytes: body.length, sha256 }];
  }

  private write(ctx: CrawlContext): Promise<Buffer> {
    return writeManifest(
      ctx.runDir,
      buildManifest({
        spider: ctx.spiderName,
        run: ctx.runId,
        startedAt: ctx.startedAt,
        finishedAt: new Date(),
        settings: describeSettings(ctx.settings, { omitSecrets: true }),
        modules: this.modules,
        files: this.files,
        report: ctx.report,
      }),
    );
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
