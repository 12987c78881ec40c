// The output line through the pipeline chain: a file a pipeline passes reaches the next one that
// takes files (skipping those that do not, waiting for its open), and a pipeline that closes the
// rest itself gets what they made as they closed — the way the uploader stores the manifest last.
import { describe, test, expect } from '@jest/globals';
import type { CrawlContext, OutputFile } from '../../src/core/context.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import type { Downstream, ItemPipeline } from '../../src/core/pipeline.js';
import { RunReport } from '../../src/core/report.js';
import { buildPipelines, PipelineChain } from '../../src/engine/pipeline-chain.js';
import { PIPELINES } from '../../src/pipelines/index.js';
import { defaultSettings } from '../../src/settings.js';

const file = (path: string): OutputFile => ({ module: 'M', kind: 'record', stem: 'M', index: 0, path, lines: 1, bytes: 2, sha256: '0'.repeat(64) });

function context(): CrawlContext {
  const { logger } = createCapturingLogger();
  return {
    spiderName: 't',
    settings: defaultSettings({}),
    logger,
    runId: 'r',
    startedAt: new Date(0),
    runDir: '/nonexistent',
    stateDir: '/nonexistent',
    report: new RunReport(),
  };
}

describe('PipelineChain output line', () => {
  test('files go to the next taker, after its open; closeRest hands the last files back; every pipeline closes once', async () => {
    const events: string[] = [];
    let toStore: Downstream | undefined;
    const writer: ItemPipeline = {
      async open(_ctx, next) {
        events.push('writer.open');
        await next.pass(file('kept-before-open'));
      },
      process: (item) => item,
      async close(_ctx) {
        events.push('writer.close');
      },
    };
    const bystander: ItemPipeline = { process: (item) => item, close: async () => void events.push('bystander.close') };
    const store: ItemPipeline = {
      async open(_ctx, next) {
        events.push('store.open');
        toStore = next;
      },
      process: (item) => item,
      async receive(f) {
        events.push(`store.receive ${f.path}`);
        await toStore!.pass({ ...f, path: `stored ${f.path}` });
      },
      async close(_ctx, closeRest) {
        events.push('store.close');
        const last = await closeRest();
        events.push(`store.last ${last.map((f) => f.path).join(',')}`);
      },
    };
    const end: ItemPipeline = {
      open: async () => void events.push('end.open'),
      process: (item) => item,
      receive: (f) => void events.push(`end.receive ${f.path}`),
      async close() {
        events.push('end.close');
        return [file('manifest')];
      },
    };
    const chain = new PipelineChain(
      [writer, bystander, store, end].map((pipeline, i) => ({ name: String(i), priority: i, pipeline })),
      context(),
    );
    await chain.open();
    await chain.close();
    await chain.close();
    expect(events).toEqual([
      'writer.open',
      'store.open',
      'store.receive kept-before-open',
      'end.open',
      'end.receive stored kept-before-open',
      'writer.close',
      'bystander.close',
      'store.close',
      'end.close',
      'store.last manifest',
    ]);
  });
});

describe('buildPipelines', () => {
  test('a pipeline that takes files after the manifest (where files stop) is a settings error naming both; the default order builds', () => {
    const order = (text: string): Record<string, number> => Object.fromEntries(text.split(',').map((p) => [p.split(':')[0], Number(p.split(':')[1])]));
    expect(() => buildPipelines(order('ndjson:300,manifest:500,s3:800'), PIPELINES)).toThrow(
      /ITEM_PIPELINES: s3:800 comes after manifest:500, where files stop; expected manifest last/,
    );
    expect(buildPipelines(order('ndjson:300,s3:800,manifest:900'), PIPELINES).map((p) => p.name)).toEqual(['ndjson', 's3', 'manifest']);
  });
});
