// Chains of pages (src/core/paginator.ts, src/engine/chain-runner.ts): tiny paginators read a real
// HTTP server on 127.0.0.1 through the engine. What is checked is order, not time: the server and a
// pipeline write into one event log, and nothing sleeps.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crawl, type CrawlResult } from '../../src/engine/engine.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import type { Item } from '../../src/core/items.js';
import type { ItemPipeline } from '../../src/core/pipeline.js';
import { chain, type Paginator, type SpiderChain } from '../../src/core/paginator.js';
import { NonRetryableError, request, Spider, StopCrawlError, type SpiderOutput } from '../../src/core/spider.js';
import { defaultSettings } from '../../src/settings.js';

// ---- the server: GET /chain/<key>/<page> answers {items: [...2 items], more}; arrivals are logged.

let server: Server;
let base: string;
/** One log for the server and the pipeline: `arrive <key>/<page>`, `item <key>/<page>.<n>`, … */
let log: string[] = [];
const hits = new Map<string, number>();
/** `<key>/<page>` → how many times it answers 500 before 200; `gone` → 404 for good; `hang` → no answer the first time. */
let faults = new Map<string, number | 'gone' | 'hang'>();
const hung: Array<() => void> = [];
const arrivalWaiters = new Map<string, () => void>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const [, , key, page] = new URL(req.url ?? '/', 'http://x').pathname.split('/');
    const at = `${key}/${page}`;
    log.push(`arrive ${at}`);
    arrivalWaiters.get(at)?.();
    const n = (hits.get(at) ?? 0) + 1;
    hits.set(at, n);
    const fault = faults.get(at);
    if (fault === 'hang' && n === 1) return void hung.push(() => res.destroy());
    const status = fault === 'gone' ? 404 : typeof fault === 'number' && n <= fault ? 500 : 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { items: [1, 2].map((i) => ({ id: `${key}-${page}-${i}` })) } : { error: status }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const release of hung) release();
  await new Promise((done) => server.close(done));
});

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'chains-test-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Resolves once the server has received a request for `<key>/<page>` (at once if it already had). */
function arrived(at: string): Promise<void> {
  if (log.includes(`arrive ${at}`)) return Promise.resolve();
  return new Promise((done) => arrivalWaiters.set(at, done));
}

// ---- a spider with one paginator, `pages`: state {module, key, page, last}

interface PageState extends Record<string, unknown> {
  module: string;
  key: string;
  page: number;
  last: number;
}

interface Plan {
  chains: string[];
  last?: number;
  maxConcurrency?: number;
  maxRequestRetries?: number;
  /** Throws instead of parsing this page (`<key>/<page>`). */
  parseThrows?: Record<string, Error>;
  prefetch?: boolean;
  callbackTimeoutSecs?: number;
  /** This page (`<key>/<page>`) also yields a request with a URL that cannot be queued. */
  badRequestOn?: string;
  /** The paginator's `ended`: one record `<key>-end` per chain, logged when produced. */
  ended?: boolean;
}

const failedChains: Array<{ label: string; state: PageState; message: string }> = [];

function spiderOf(plan: Plan) {
  const pages: Paginator<PageState, { items: Array<{ id: string }> }> = {
    async fetch(state) {
      log.push(`send ${state.key}/${state.page}`);
      const res = await fetch(`${base}/chain/${state.key}/${state.page}`);
      const body = (await res.json()) as { items: Array<{ id: string }> };
      if (res.status === 404) throw new NonRetryableError(`HTTP 404 for page ${state.page}`);
      if (res.status !== 200) throw new Error(`HTTP ${res.status} for page ${state.page}`);
      return body;
    },
    parse(answer, state) {
      const thrown = plan.parseThrows?.[`${state.key}/${state.page}`];
      if (thrown) throw thrown;
      const outputs: SpiderOutput[] = answer.items.map((item) => ({ kind: 'record', module: state.module, data: item }));
      if (plan.badRequestOn === `${state.key}/${state.page}`) outputs.push(request('other', 'not a url'));
      return { outputs, next: state.page < state.last ? { ...state, page: state.page + 1 } : undefined };
    },
    ...(plan.prefetch === undefined ? {} : { prefetch: plan.prefetch }),
    ...(plan.ended
      ? {
          *ended(last: PageState): Iterable<SpiderOutput> {
            log.push(`ended ${last.key}/${last.page}`);
            yield { kind: 'record', module: last.module, data: { id: `${last.key}-end` } };
          },
        }
      : {}),
  };
  return class ChainSpider extends Spider {
    readonly name = 'chains';
    override maxConcurrency = plan.maxConcurrency ?? 2;
    override maxRequestRetries = plan.maxRequestRetries ?? 2;
    override callbackTimeoutSecs = plan.callbackTimeoutSecs ?? 600;
    readonly callbacks = {};
    override readonly paginators = { pages };
    async *startRequests(): AsyncIterable<SpiderOutput> {
      for (const key of plan.chains) yield chain<PageState>('pages', { module: key.toUpperCase(), key, page: 1, last: plan.last ?? 3 });
    }
    override onChainFailed(c: SpiderChain, error: Error): void {
      failedChains.push({ label: c.label, state: c.state as PageState, message: error.message });
      super.onChainFailed(c, error);
    }
  };
}

/** Logs each item as it reaches the pipelines; the last item of page 1 of `a` waits for page 2's arrival. */
function loggingPipeline(waitForPrefetch: boolean): ItemPipeline {
  return {
    process(item: Item) {
      if (item.kind !== 'record') return item;
      const id = String(item.data.id);
      log.push(`item ${id}`);
      // Page 1's items are still being committed: page 2 must already be on its way to the server.
      if (waitForPrefetch && id === 'a-1-2') return arrived('a/2').then(() => item);
      return item;
    },
  };
}

let runs = 0;
async function run(plan: Plan, waitForPrefetch = false): Promise<CrawlResult> {
  log = [];
  hits.clear();
  failedChains.length = 0;
  const outputDir = join(workDir, `out-${++runs}`);
  const { logger } = createCapturingLogger('debug');
  const settings = defaultSettings({ LOCAL_OUTPUT_DIRECTORY: outputDir, ITEM_PIPELINES: 'log:1' });
  return crawl({ spider: spiderOf(plan), settings, logger, pipelines: { log: () => loggingPipeline(waitForPrefetch) } });
}

const itemsOf = (key: string): string[] => log.filter((l) => l.startsWith(`item ${key}-`)).map((l) => l.slice(5));

describe('a chain of pages', () => {
  test('the next page is requested before the items of the page before reach the pipelines', async () => {
    faults = new Map();
    const result = await run({ chains: ['a'], last: 3 }, true);
    expect(result.status).toBe('complete');
    // page n+1 is sent as soon as page n is parsed, before page n's items are committed
    for (const page of [1, 2]) {
      expect(log.indexOf(`send a/${page + 1}`)).toBeGreaterThan(-1);
      expect(log.indexOf(`send a/${page + 1}`)).toBeLessThan(log.indexOf(`item a-${page}-1`));
    }
    // and it reached the server while page 1 was in the pipelines (the pipeline waited for it)
    expect(log.indexOf('arrive a/2')).toBeLessThan(log.indexOf('item a-2-1'));
    // one page ahead, never more: page 3 is sent only once page 2 is parsed, after page 1 is committed
    expect(log.indexOf('send a/3')).toBeGreaterThan(log.indexOf('item a-1-2'));
    // each page once, no page after the last
    expect([...hits]).toEqual([['a/1', 1], ['a/2', 1], ['a/3', 1]]);
  });

  test('prefetch: false: the next page is requested only once the page before is committed', async () => {
    faults = new Map();
    const result = await run({ chains: ['a'], last: 3, prefetch: false });
    expect(result.status).toBe('complete');
    for (const page of [1, 2]) expect(log.indexOf(`send a/${page + 1}`)).toBeGreaterThan(log.indexOf(`item a-${page}-2`));
    expect([...hits]).toEqual([['a/1', 1], ['a/2', 1], ['a/3', 1]]);
  });

  test('items keep their order, within each chain, also with chains running side by side', async () => {
    faults = new Map();
    const result = await run({ chains: ['a', 'b', 'c'], last: 4, maxConcurrency: 2 });
    expect(result.status).toBe('complete');
    for (const key of ['a', 'b', 'c']) {
      expect(itemsOf(key)).toEqual([1, 2, 3, 4].flatMap((p) => [`${key}-${p}-1`, `${key}-${p}-2`]));
    }
    expect(result.items).toEqual({ record: 24 });
  });

  test('ended: called once per chain with its last page, after that page is committed; its items follow', async () => {
    faults = new Map([['b/2', 1]]);
    const result = await run({ chains: ['a', 'b'], last: 2, ended: true, maxRequestRetries: 1 });
    expect(result.status).toBe('complete');
    for (const key of ['a', 'b']) {
      expect(log.filter((l) => l.startsWith(`ended ${key}/`))).toEqual([`ended ${key}/2`]);
      expect(log.indexOf(`ended ${key}/2`)).toBeGreaterThan(log.indexOf(`item ${key}-2-2`));
      expect(itemsOf(key)).toEqual([`${key}-1-1`, `${key}-1-2`, `${key}-2-1`, `${key}-2-2`, `${key}-end`]);
    }
  });

  test('ended is not called for a chain that failed', async () => {
    faults = new Map([['g/2', 'gone']]);
    await run({ chains: ['g'], last: 3, ended: true });
    expect(log.some((l) => l.startsWith('ended '))).toBe(false);
    expect(itemsOf('g')).toEqual(['g-1-1', 'g-1-2']);
  });

  test('a page that fails is retried from that page, with retries of its own; nothing is written twice', async () => {
    // Pages 2 and 4 each fail twice: with 2 retries per page the chain completes.
    faults = new Map([['a/2', 2], ['a/4', 2]]);
    const result = await run({ chains: ['a'], last: 5, maxRequestRetries: 2 });
    expect(result.status).toBe('complete');
    expect(failedChains).toEqual([]);
    expect([...hits].sort()).toEqual([['a/1', 1], ['a/2', 3], ['a/3', 1], ['a/4', 3], ['a/5', 1]]);
    expect(itemsOf('a')).toEqual([1, 2, 3, 4, 5].flatMap((p) => [`a-${p}-1`, `a-${p}-2`]));
  });

  test('a page that takes longer than callbackTimeoutSecs is given up and retried from that page', async () => {
    faults = new Map([['h/2', 'hang']]);
    const result = await run({ chains: ['h'], last: 3, maxRequestRetries: 1, callbackTimeoutSecs: 2 });
    expect(result.status).toBe('complete');
    expect([...hits].sort()).toEqual([['h/1', 1], ['h/2', 2], ['h/3', 1]]);
    expect(itemsOf('h')).toEqual([1, 2, 3].flatMap((p) => [`h-${p}-1`, `h-${p}-2`]));
  });

  test('a page that keeps failing goes to onChainFailed once, with that page; the pages before it are kept', async () => {
    faults = new Map<string, number | 'gone' | 'hang'>([['a/3', 'gone'], ['b/2', 99]]);
    const result = await run({ chains: ['a', 'b', 'c'], last: 4, maxRequestRetries: 1 });
    expect(result.status).toBe('partial');
    expect(failedChains.sort((x, y) => x.state.key.localeCompare(y.state.key))).toEqual([
      { label: 'pages', state: { module: 'A', key: 'a', page: 3, last: 4 }, message: 'HTTP 404 for page 3' },
      { label: 'pages', state: { module: 'B', key: 'b', page: 2, last: 4 }, message: 'HTTP 500 for page 2' },
    ]);
    expect(result.report.errorsFor('A')).toEqual(['HTTP 404 for page 3']);
    expect(result.report.errorsFor('B')).toEqual(['HTTP 500 for page 2']);
    // NonRetryableError: once; a plain error: 1 + maxRequestRetries; nothing after the failed page
    expect(hits.get('a/3')).toBe(1);
    expect(hits.get('b/2')).toBe(2);
    expect(hits.has('a/4') || hits.has('b/3')).toBe(false);
    expect(itemsOf('a')).toEqual(['a-1-1', 'a-1-2', 'a-2-1', 'a-2-2']);
    expect(itemsOf('b')).toEqual(['b-1-1', 'b-1-2']);
    expect(itemsOf('c')).toHaveLength(8);
  });

  test('a page whose requests cannot be queued fails the chain for good: its items are kept, none after it', async () => {
    faults = new Map();
    const result = await run({ chains: ['a'], last: 4, badRequestOn: 'a/2' });
    expect(result.status).toBe('partial');
    const message = expect.stringMatching(/request other: "not a url" is not an absolute http\(s\) URL/);
    expect(failedChains).toEqual([{ label: 'pages', state: { module: 'A', key: 'a', page: 3, last: 4 }, message }]);
    expect(itemsOf('a')).toEqual(['a-1-1', 'a-1-2', 'a-2-1', 'a-2-2']);
    expect(hits.get('a/2')).toBe(1);
  });

  test('StopCrawlError stops the run: the page is not committed, no chain reads another page', async () => {
    faults = new Map();
    const result = await run({ chains: ['a', 'b'], last: 20, maxConcurrency: 2, parseThrows: { 'a/2': new StopCrawlError('credits spent') } });
    expect(result.status).toBe('partial');
    expect(result.report.stoppedBy).toBe('credits spent');
    expect(failedChains).toEqual([]);
    expect(itemsOf('a')).toEqual(['a-1-1', 'a-1-2']);
    // chain b ends soon after the stop, far from its 20 pages (not read to the end)
    expect(itemsOf('b').length).toBeLessThanOrEqual(20);
    expect(hits.get('a/2')).toBe(1);
    expect(hits.has('a/3')).toBe(false);
  });

  test('a label that is both a callback and a paginator is refused', async () => {
    const Base = spiderOf({ chains: ['a'] });
    class Both extends Base {
      override readonly callbacks = { pages: async function* (): AsyncIterable<SpiderOutput> {} };
    }
    const { logger } = createCapturingLogger('debug');
    const settings = defaultSettings({ LOCAL_OUTPUT_DIRECTORY: join(workDir, 'both'), ITEM_PIPELINES: 'log:1' });
    const result = await crawl({ spider: Both, settings, logger, pipelines: { log: () => loggingPipeline(false) } });
    expect(result.status).toBe('failed');
    expect(result.report.fatal).toMatch(/"pages" names both a callback and a paginator/);
  });
});
