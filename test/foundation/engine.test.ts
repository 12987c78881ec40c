// The engine: tiny spiders defined here crawl a real HTTP server on 127.0.0.1 through Crawlee, and
// their items go through real item pipelines in the order ITEM_PIPELINES gives.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crawl, type CrawlResult } from '../../src/engine/engine.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import type { CrawlContext } from '../../src/core/context.js';
import type { Item } from '../../src/core/items.js';
import type { ItemPipeline, PipelineFactory } from '../../src/core/pipeline.js';
import { NonRetryableError, request, Spider, type SpiderCallback, type SpiderOutput, type SpiderRequest } from '../../src/core/spider.js';
import { defaultSettings } from '../../src/settings.js';

// ---- the server: every path's hits are counted; some paths fail on purpose.

let server: Server;
let base: string;
const hits = new Map<string, number>();
const hitsOf = (path: string): number => hits.get(path) ?? 0;
const totalHits = (prefix: string): number => [...hits].filter(([p]) => p.startsWith(prefix)).reduce((n, [, c]) => n + c, 0);

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    // /flaky/<key>: 500 on the first two hits, then 200.
    if (path.startsWith('/flaky/')) return n <= 2 ? json(500, { error: 'boom' }) : json(200, { ok: true, hit: n });
    if (path.startsWith('/gone/')) return json(404, { error: 'no such thing' });
    // /page/<key>/<i>?last=<k>: page i of a chain; `next` until k.
    const page = /^\/page\/[^/]+\/(\d+)$/.exec(path);
    if (page) {
      const i = Number(page[1]);
      const last = Number(url.searchParams.get('last') ?? '1');
      return json(200, { page: i, next: i < last ? path.replace(/\d+$/, String(i + 1)) + url.search : null });
    }
    return json(200, { path });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
});

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'engine-test-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

// ---- a tiny configurable spider and recording pipelines

interface Plan {
  start: () => AsyncIterable<SpiderOutput>;
  callbacks: Record<string, SpiderCallback>;
  maxConcurrency?: number;
  maxRequestRetries?: number;
  onFailed?: (req: SpiderRequest, error: Error) => void;
}

function spiderOf(plan: Plan) {
  return class TestSpider extends Spider {
    readonly name = 'test';
    override maxConcurrency = plan.maxConcurrency ?? 2;
    override maxRequestRetries = plan.maxRequestRetries ?? 3;
    readonly callbacks = plan.callbacks;
    closed = 0;
    startRequests(): AsyncIterable<SpiderOutput> {
      return plan.start();
    }
    override onRequestFailed(req: SpiderRequest, error: Error): void {
      plan.onFailed?.(req, error);
      super.onRequestFailed(req, error);
    }
  };
}

const record = (module: string, data: Record<string, unknown>): Item => ({ kind: 'record', module, data });

async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Everything a pipeline was asked to do, in order, across all recorders of one crawl. */
type Event = string;

function recorder(name: string, events: Event[], opts: { process?: (item: Item) => Item | null } = {}): PipelineFactory {
  return () => {
    const p: ItemPipeline = {
      async open() {
        events.push(`${name}.open`);
      },
      process(item) {
        events.push(`${name}.process ${item.kind === 'module' ? item.module : JSON.stringify(item.data)}`);
        return opts.process ? opts.process(item) : item;
      },
      async close(ctx: CrawlContext) {
        events.push(`${name}.close ${ctx.report.status}`);
      },
    };
    return p;
  };
}

let runCount = 0;
/** Runs a crawl into a fresh output folder with a debug-level capturing logger. */
async function run(
  plan: Plan,
  pipelines: Record<string, PipelineFactory>,
  order: string,
  extra: Record<string, unknown> = {},
): Promise<{ result: CrawlResult; lines: string[]; outputDir: string }> {
  const outputDir = join(workDir, `out-${++runCount}`);
  const { logger, lines } = createCapturingLogger('debug');
  const settings = defaultSettings({ LOCAL_OUTPUT_DIRECTORY: outputDir, ITEM_PIPELINES: order, ...extra });
  const result = await crawl({ spider: spiderOf(plan), settings, logger, pipelines });
  return { result, lines, outputDir };
}

async function* yieldAll(...outputs: SpiderOutput[]): AsyncIterable<SpiderOutput> {
  for (const o of outputs) yield o;
}

describe('pipelines', () => {
  test('run in priority order, lowest first, each opened and closed exactly once', async () => {
    const events: Event[] = [];
    const pipelines = {
      late: recorder('late', events),
      early: recorder('early', events),
      middle: recorder('middle', events),
      unused: recorder('unused', events),
    };
    const { result } = await run(
      {
        start: () => yieldAll(record('M', { n: 1 }), request('one', `${base}/x/1`)),
        callbacks: {
          one: async function* () {
            yield record('M', { n: 2 });
          },
        },
      },
      pipelines,
      'late:900,early:-5,middle:300',
    );
    expect(result.status).toBe('complete');
    expect(events).toEqual([
      'early.open',
      'middle.open',
      'late.open',
      'early.process {"n":1}',
      'middle.process {"n":1}',
      'late.process {"n":1}',
      'early.process {"n":2}',
      'middle.process {"n":2}',
      'late.process {"n":2}',
      'early.close complete',
      'middle.close complete',
      'late.close complete',
    ]);
    expect(result.items).toEqual({ record: 2 });
  });

  test('a pipeline may change an item for the next one', async () => {
    const seen: unknown[] = [];
    const { result } = await run(
      { start: () => yieldAll(record('M', { n: 1 })), callbacks: {} },
      {
        double: () => ({ process: (item) => (item.kind === 'record' ? { ...item, data: { n: Number(item.data.n) * 2 } } : item) }),
        sink: () => ({ process: (item) => (seen.push(item.kind === 'record' ? item.data : null), item) }),
      },
      'double:1,sink:2',
    );
    expect(result.status).toBe('complete');
    expect(seen).toEqual([{ n: 2 }]);
  });

  test('a pipeline returning null drops the item: later pipelines never see it and it is not counted', async () => {
    const events: Event[] = [];
    const { result } = await run(
      {
        start: () => yieldAll(record('M', { n: 1 }), record('M', { n: 2, drop: true }), record('M', { n: 3 })),
        callbacks: {},
      },
      {
        filter: recorder('filter', events, { process: (item) => (item.kind === 'record' && item.data.drop ? null : item) }),
        sink: recorder('sink', events),
      },
      'filter:100,sink:200',
    );
    expect(result.status).toBe('complete');
    expect(events.filter((e) => e.startsWith('sink.process'))).toEqual(['sink.process {"n":1}', 'sink.process {"n":3}']);
    expect(events.filter((e) => e.startsWith('filter.process'))).toHaveLength(3);
    expect(result.items).toEqual({ record: 2 });
  });

  test('an unknown pipeline name in ITEM_PIPELINES is a settings error before anything runs', async () => {
    const events: Event[] = [];
    const before = totalHits('/never/');
    await expect(
      run(
        { start: () => yieldAll(request('x', `${base}/never/1`)), callbacks: { x: async function* () {} } },
        { known: recorder('known', events) },
        'known:1,nope:2',
      ),
    ).rejects.toThrow('ITEM_PIPELINES: unknown pipeline "nope"; expected names from known');
    expect(events).toEqual([]);
    expect(totalHits('/never/')).toBe(before);
  });
});

describe('failures', () => {
  test('startRequests throwing fails the run, and every pipeline is still closed once', async () => {
    const events: Event[] = [];
    const { result } = await run(
      {
        start: async function* () {
          yield record('M', { n: 1 });
          throw new Error('auth refused: invalid_client');
        },
        callbacks: {},
      },
      { a: recorder('a', events), b: recorder('b', events) },
      'a:1,b:2',
    );
    expect(result.status).toBe('failed');
    expect(result.report.fatal).toBe('auth refused: invalid_client');
    expect(events).toEqual(['a.open', 'b.open', 'a.close failed', 'b.close failed']);
  });

  test('a pipeline failing to open fails the run before any request; opened pipelines are closed', async () => {
    const events: Event[] = [];
    const before = totalHits('/open-fails/');
    const { result } = await run(
      { start: () => yieldAll(request('x', `${base}/open-fails/1`)), callbacks: { x: async function* () {} } },
      {
        a: recorder('a', events),
        b: () => ({
          async open() {
            events.push('b.open');
            throw new Error('disk full');
          },
          process: (item) => item,
          async close() {
            events.push('b.close');
          },
        }),
        c: recorder('c', events),
      },
      'a:1,b:2,c:3',
    );
    expect(result.status).toBe('failed');
    expect(result.report.fatal).toBe('disk full');
    expect(events).toEqual(['a.open', 'b.open', 'a.close failed', 'b.close']);
    expect(totalHits('/open-fails/')).toBe(before);
  });

  test('a pipeline throwing stops the crawl: status partial, pipelines closed once, the rest not crawled', async () => {
    const events: Event[] = [];
    const { result, lines } = await run(
      {
        // 30 independent requests, one at a time: the first item breaks the pipeline.
        start: () => yieldAll(...Array.from({ length: 30 }, (_, i) => request('one', `${base}/stop/${i}`))),
        callbacks: {
          one: async function* ({ request: req }) {
            const { body } = await getJson(req.url);
            yield record('M', { path: body.path });
          },
        },
        maxConcurrency: 1,
      },
      {
        broken: recorder('broken', events, {
          process: () => {
            throw new Error('cannot write chunk');
          },
        }),
      },
      'broken:1',
    );
    expect(result.status).toBe('partial');
    expect(result.report.errorsFor('pipelines')).toEqual(['cannot write chunk']);
    expect(events.filter((e) => e.startsWith('broken.open'))).toHaveLength(1);
    expect(events.filter((e) => e.startsWith('broken.close'))).toEqual(['broken.close partial']);
    // Aborting is not instant, but it stops the crawl long before the 30 requests are done.
    expect(totalHits('/stop/')).toBeLessThan(10);
    expect(lines.some((l) => l.includes('an item pipeline failed; stopping the crawl'))).toBe(true);
  });

  test('a pipeline failing to close is on the report; the others still close', async () => {
    const events: Event[] = [];
    const { result } = await run(
      { start: () => yieldAll(record('M', { n: 1 })), callbacks: {} },
      {
        a: () => ({
          process: (item) => item,
          async close() {
            throw new Error('upload refused');
          },
        }),
        b: recorder('b', events),
      },
      'a:1,b:2',
    );
    expect(result.report.errorsFor('pipelines')).toEqual(['a failed to close: upload refused']);
    expect(result.status).toBe('partial');
    expect(events).toContain('b.close partial');
  });
});

describe('requests and retries', () => {
  test('requests yielded from callbacks are crawled, and their callbacks chosen by label', async () => {
    const events: Event[] = [];
    const { result } = await run(
      {
        start: () => yieldAll(request('page', `${base}/page/chain/1?last=4`, { module: 'Pages' })),
        callbacks: {
          page: async function* ({ request: req }) {
            const { body } = await getJson(req.url);
            yield record(String(req.userData?.module), { page: body.page });
            if (typeof body.next === 'string') yield request('page', `${base}${body.next}`, req.userData);
            else yield request('done', `${base}/done/chain`);
          },
          done: async function* () {
            yield { kind: 'module', module: 'Pages', expected: 4 };
          },
        },
      },
      { sink: recorder('sink', events) },
      'sink:1',
    );
    expect(result.status).toBe('complete');
    expect([1, 2, 3, 4].map((i) => hitsOf(`/page/chain/${i}`))).toEqual([1, 1, 1, 1]);
    expect(events.filter((e) => e.startsWith('sink.process')).sort()).toEqual([
      'sink.process Pages',
      'sink.process {"page":1}',
      'sink.process {"page":2}',
      'sink.process {"page":3}',
      'sink.process {"page":4}',
    ]);
    expect(result.items).toEqual({ record: 4, module: 1 });
  });

  test('a callback that throws is retried by Crawlee; items of the failed attempts are not committed', async () => {
    const events: Event[] = [];
    const attempts: number[] = [];
    const { result, lines } = await run(
      {
        start: () => yieldAll(request('flaky', `${base}/flaky/a`)),
        callbacks: {
          flaky: async function* ({ request: req, retryCount }) {
            attempts.push(retryCount);
            // Yielded before the failure: must reach the pipelines once, from the attempt that succeeds.
            yield record('M', { attempt: retryCount });
            const { status } = await getJson(req.url);
            if (status !== 200) throw new Error(`HTTP ${status}`);
            yield record('M', { ok: true });
          },
        },
      },
      { sink: recorder('sink', events) },
      'sink:1',
    );
    expect(result.status).toBe('complete');
    expect(attempts).toEqual([0, 1, 2]);
    expect(hitsOf('/flaky/a')).toBe(3);
    expect(events.filter((e) => e.startsWith('sink.process'))).toEqual(['sink.process {"attempt":2}', 'sink.process {"ok":true}']);
    expect(result.items).toEqual({ record: 2 });
    // Crawlee's own retry line went through our logger.
    const crawlee = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.source === 'crawlee');
    expect(crawlee.some((l) => String(l.message).includes('HTTP 500'))).toBe(true);
  });

  test('retries are limited by the spider: a request that keeps failing lands on the report, status partial', async () => {
    const failed: string[] = [];
    const attempts: number[] = [];
    const { result } = await run(
      {
        start: () => yieldAll(request('gone', `${base}/gone/x`, { module: 'Gone' }), request('fine', `${base}/fine/x`)),
        callbacks: {
          gone: async function* ({ request: req, retryCount }) {
            attempts.push(retryCount);
            const { status } = await getJson(req.url);
            if (status !== 200) throw new Error(`HTTP ${status}`);
          },
          fine: async function* () {
            yield record('Fine', { ok: true });
          },
        },
        maxRequestRetries: 2,
        onFailed: (req) => failed.push(req.label),
      },
      { pass: () => ({ process: (item) => item }) },
      'pass:1',
    );
    expect(attempts).toEqual([0, 1, 2]);
    expect(hitsOf('/gone/x')).toBe(3);
    expect(failed).toEqual(['gone']);
    expect(result.status).toBe('partial');
    expect(result.report.errorsFor('Gone')).toEqual(['HTTP 404']);
    expect(result.items).toEqual({ record: 1 });
  });

  test('NonRetryableError fails the request at once and lands on the report', async () => {
    const attempts: number[] = [];
    const { result } = await run(
      {
        start: () => yieldAll(request('refused', `${base}/refused/a`, { module: 'Notes' })),
        callbacks: {
          refused: async function* ({ retryCount }) {
            attempts.push(retryCount);
            throw new NonRetryableError('NO_PERMISSION');
          },
        },
        maxRequestRetries: 5,
      },
      { pass: () => ({ process: (item) => item }) },
      'pass:1',
    );
    expect(attempts).toEqual([0]);
    expect(result.status).toBe('partial');
    expect(result.report.errorsFor('Notes')).toEqual(['NO_PERMISSION']);
  });

  test('a bad URL is named: from startRequests it fails the run, from a callback it fails that request', async () => {
    const fromStart = await run(
      { start: () => yieldAll(request('x', `${base}oops`)), callbacks: { x: async function* () {} } },
      { pass: () => ({ process: (item) => item }) },
      'pass:1',
    );
    expect(fromStart.result.status).toBe('failed');
    expect(fromStart.result.report.fatal).toBe(`request x: ${JSON.stringify(`${base}oops`)} is not an absolute http(s) URL`);
    const attempts: number[] = [];
    const fromCallback = await run(
      {
        start: () => yieldAll(request('x', `${base}/bad-url/1`, { module: 'Links' })),
        callbacks: {
          x: async function* ({ retryCount }) {
            attempts.push(retryCount);
            yield request('y', '/relative/path');
          },
          y: async function* () {},
        },
      },
      { pass: () => ({ process: (item) => item }) },
      'pass:1',
    );
    expect(attempts).toEqual([0]);
    expect(fromCallback.result.status).toBe('partial');
    expect(fromCallback.result.report.errorsFor('Links')).toEqual(['request y: "/relative/path" is not an absolute http(s) URL']);
  });

  test('a request whose label has no callback fails at once, on the report', async () => {
    const { result } = await run(
      { start: () => yieldAll(request('nobody', `${base}/nobody/a`)), callbacks: {}, maxRequestRetries: 5 },
      { pass: () => ({ process: (item) => item }) },
      'pass:1',
    );
    expect(result.status).toBe('partial');
    expect(result.report.errorsFor('nobody')).toEqual(['no callback for label "nobody" in spider test']);
  });
});

describe('storage and logging', () => {
  test("Crawlee writes no ./storage: only .state (and a run folder) appear under LOCAL_OUTPUT_DIRECTORY", async () => {
    const repoStorage = join(process.cwd(), 'storage');
    const repoHadStorage = existsSync(repoStorage);
    const { result, outputDir } = await run(
      {
        start: () => yieldAll(request('one', `${base}/storage/1`), request('one', `${base}/storage/2`)),
        callbacks: {
          one: async function* ({ request: req }) {
            const { body } = await getJson(req.url);
            yield record('M', body);
          },
        },
      },
      { pass: () => ({ process: (item) => item }) },
      'pass:1',
    );
    expect(result.status).toBe('complete');
    expect(result.runDir).toBe(join(outputDir, result.runId));
    expect(result.runId).toMatch(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/);
    const entries = readdirSync(outputDir);
    expect(entries).toContain('.state');
    for (const e of entries) expect(['.state', result.runId]).toContain(e);
    expect(existsSync(join(outputDir, 'storage'))).toBe(false);
    expect(existsSync(join(outputDir, '.state', 'storage'))).toBe(false);
    if (!repoHadStorage) expect(existsSync(repoStorage)).toBe(false);
  });

  test("Crawlee's log lines go through our winston logger, marked source crawlee", async () => {
    const { lines } = await run(
      { start: () => yieldAll(request('one', `${base}/log/1`)), callbacks: { one: async function* () {} } },
      { pass: () => ({ process: (item) => item }) },
      'pass:1',
    );
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const crawlee = parsed.filter((l) => l.source === 'crawlee');
    expect(crawlee.length).toBeGreaterThan(0);
    // Crawlee's info is bookkeeping: it is logged at debug, with the component it came from.
    expect(crawlee.some((l) => l.level === 'debug' && typeof l.component === 'string')).toBe(true);
  });
});
