// The rest spider through the real engine (Crawlee, request queue, retries) against a local
// paginated JSON API, one test per paging style and per failure the spider must name clearly.
import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Item } from '../../src/core/items.js';
import { createCapturingLogger } from '../../src/core/logger.js';
import { crawl, type CrawlResult } from '../../src/engine/engine.js';
import { SPIDERS } from '../../src/spiders/index.js';
import { RestSpider } from '../../src/spiders/rest.js';
import { describeSettings, parseSettings, SettingsError } from '../../src/settings.js';
import { API_KEY, startFakeRestApi, type FakeRestApi } from './fake-rest-api.js';

let api: FakeRestApi;
let tmp: string;

beforeAll(async () => {
  api = await startFakeRestApi();
  tmp = await mkdtemp(join(tmpdir(), 'rest-spider-'));
});
afterAll(async () => {
  await api?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

interface Run extends CrawlResult {
  collected: Item[];
  log: string;
}

/** Crawls with the rest spider and an in-test pipeline that collects every item. */
async function run(settings: Record<string, string>): Promise<Run> {
  const collected: Item[] = [];
  const { logger, lines } = createCapturingLogger('debug');
  const result = await crawl({
    spider: RestSpider,
    settings: parseSettings({ LOCAL_OUTPUT_DIRECTORY: tmp, ITEM_PIPELINES: 'collect:100', ...settings }),
    logger,
    pipelines: {
      collect: () => ({
        process: (item: Item) => {
          collected.push(item);
          return item;
        },
      }),
    },
  });
  return { ...result, collected, log: lines.join('') };
}

const records = (r: Run) => r.collected.filter((i) => i.kind === 'record');
const ids = (r: Run) => records(r).map((i) => (i.kind === 'record' ? i.data.id : undefined));

describe('rest spider: paging styles', () => {
  test('is registered as `rest`', () => {
    expect(SPIDERS.rest).toBe(RestSpider);
  });

  test('link: follows rel="next" (absolute, then relative with two rels) and stops without an extra request', async () => {
    const r = await run({ REST_URL: `${api.base}/link/items`, REST_NEXT: 'link', REST_RESOURCE: 'issues' });
    expect(r.status).toBe('complete');
    expect(r.collected[0]).toEqual({ kind: 'module', module: 'issues' });
    expect(r.collected.filter((i) => i.kind === 'module')).toHaveLength(1);
    expect(ids(r)).toEqual(['link-1-a', 'link-1-b', 'link-2-a', 'link-2-b', 'link-3-a', 'link-3-b']);
    expect(records(r).every((i) => i.module === 'issues')).toBe(true);
    expect(records(r)[0]).toEqual({ kind: 'record', module: 'issues', data: { id: 'link-1-a', page: 1, name: 'Ä link 1' } });
    expect(api.hits('/link/items').map((h) => h.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(r.report.api.requests).toBe(3);
    expect(r.items).toEqual({ module: 1, record: 6 });
  });

  test('json:<path>: a relative next URL in the body, items under a nested REST_ITEMS_PATH', async () => {
    const r = await run({ REST_URL: `${api.base}/json/items`, REST_ITEMS_PATH: 'data.items', REST_NEXT: 'json:paging.next' });
    expect(r.status).toBe('complete');
    expect(ids(r)).toEqual(['json-1-a', 'json-1-b', 'json-2-a', 'json-2-b', 'json-3-a', 'json-3-b']);
    expect(records(r)[0].module).toBe('items');
    expect(api.hits('/json/items')).toHaveLength(3);
  });

  test('cursor:<path>:<param>: a token in the body sent back as a query parameter; non-objects wrapped as {value}', async () => {
    const r = await run({ REST_URL: `${api.base}/cursor/items?limit=2`, REST_ITEMS_PATH: 'results', REST_NEXT: 'cursor:meta.next_cursor:cursor' });
    expect(r.status).toBe('complete');
    expect(records(r).map((i) => i.data)).toEqual([{ value: 1 }, { value: 'two' }, { value: null }, { value: [3] }, { id: 'last' }]);
    const hits = api.hits('/cursor/items');
    expect(hits.map((h) => h.query)).toEqual([{ limit: '2' }, { limit: '2', cursor: 'c-2' }, { limit: '2', cursor: 'c-3' }]);
  });

  test('page:<param>: counts the page number up until an empty page', async () => {
    const r = await run({ REST_URL: `${api.base}/page/items?per_page=2`, REST_NEXT: 'page:page' });
    expect(r.status).toBe('complete');
    expect(ids(r)).toEqual(['page-1-a', 'page-1-b', 'page-2-a', 'page-2-b', 'page-3-a', 'page-3-b']);
    // Without a total, only an empty page says "last": one request more than there are pages.
    expect(api.hits('/page/items').map((h) => h.query)).toEqual([
      { per_page: '2' },
      { per_page: '2', page: '2' },
      { per_page: '2', page: '3' },
      { per_page: '2', page: '4' },
    ]);
  });

  test('none: reads the first page only, whatever the Link header says', async () => {
    const before = api.hits('/link/items').length;
    const r = await run({ REST_URL: `${api.base}/link/items`, REST_NEXT: 'none' });
    expect(r.status).toBe('complete');
    expect(ids(r)).toEqual(['link-1-a', 'link-1-b']);
    expect(api.hits('/link/items').length - before).toBe(1);
  });

  test('REST_MAX_PAGES stops the crawl after that many pages, and says so', async () => {
    const before = api.hits('/link/items').length;
    const r = await run({ REST_URL: `${api.base}/link/items`, REST_MAX_PAGES: '2' });
    expect(r.status).toBe('complete');
    expect(ids(r)).toEqual(['link-1-a', 'link-1-b', 'link-2-a', 'link-2-b']);
    expect(api.hits('/link/items').length - before).toBe(2);
    expect(r.log).toContain('REST_MAX_PAGES');
  });

  test('a next link back to a page already read stops the crawl instead of looping', async () => {
    const r = await run({ REST_URL: `${api.base}/loop/items`, REST_ITEMS_PATH: 'items', REST_NEXT: 'json:next' });
    expect(r.status).toBe('complete');
    expect(ids(r)).toEqual(['loop-1-a', 'loop-1-b']);
    expect(api.hits('/loop/items')).toHaveLength(1);
    expect(r.log).toContain('read before');
  });

  test('a next page on another origin is not followed (REST_HEADERS stay with REST_URL): run partial, page kept', async () => {
    const before = api.hits('/link/items').length;
    const r = await run({ REST_URL: `${api.base}/elsewhere/items`, REST_ITEMS_PATH: 'items', REST_NEXT: 'json:next', REST_HEADERS: `X-Api-Key: ${API_KEY}` });
    expect(r.status).toBe('partial');
    expect(ids(r)).toEqual(['elsewhere-1-a', 'elsewhere-1-b']);
    expect(r.report.errors).toEqual([{ scope: 'items', message: expect.stringContaining(`outside ${api.base} (the origin of REST_URL); not followed`) }]);
    expect(api.hits('/link/items').length).toBe(before);
  });

  test('REST_HEADERS are sent with every request and their values never reach the log', async () => {
    const r = await run({
      REST_URL: `${api.base}/private/items`,
      REST_HEADERS: `X-Api-Key: ${API_KEY}; Accept: application/vnd.test+json`,
      LOG_LEVEL: 'debug',
    });
    expect(r.status).toBe('complete');
    expect(ids(r)).toEqual(['private-1-a', 'private-1-b']);
    const hit = api.hits('/private/items').at(-1)!;
    expect(hit.headers['x-api-key']).toBe(API_KEY);
    expect(hit.headers.accept).toBe('application/vnd.test+json');
    expect(r.log).not.toContain(API_KEY);
  });
});

describe('rest spider: failures', () => {
  test('429 then 200, and 503 then 200: each page retried, read once, nothing duplicated', async () => {
    const r = await run({ REST_URL: `${api.base}/flaky/items`, REST_ITEMS_PATH: 'items', REST_NEXT: 'json:next' });
    expect(r.status).toBe('complete');
    expect(ids(r)).toEqual(['flaky-1-a', 'flaky-1-b', 'flaky-2-a', 'flaky-2-b']);
    expect(api.hits('/flaky/items').map((h) => h.query.page ?? '1')).toEqual(['1', '1', '2', '2']);
    expect(r.report.api.requests).toBe(4);
    expect(r.report.errors).toEqual([]);
  });

  test('a REST_ITEMS_PATH that is not an array: one clear error naming it and what was found; run partial', async () => {
    const r = await run({ REST_URL: `${api.base}/bad/items`, REST_ITEMS_PATH: 'data', REST_RESOURCE: 'things' });
    expect(r.status).toBe('partial');
    expect(records(r)).toHaveLength(0);
    expect(r.report.errors).toHaveLength(1);
    const { scope, message } = r.report.errors[0];
    expect(scope).toBe('things');
    expect(message).toContain('REST_ITEMS_PATH "data" is not an array');
    expect(message).toContain('found an object with keys count');
    expect(message).toContain('arrays in the body: results');
    // Retrying cannot fix a body's shape: asked once.
    expect(api.hits('/bad/items')).toHaveLength(1);
  });

  test('an empty REST_ITEMS_PATH on an object body says the body itself is not an array', async () => {
    const r = await run({ REST_URL: `${api.base}/json/items?page=3` });
    expect(r.status).toBe('partial');
    expect(r.report.errors[0].message).toMatch(
      /REST_ITEMS_PATH \(empty: the body itself\) is not an array .* found an object with keys data, paging; .*arrays in the body: data\.items/,
    );
  });

  test('a body that is not JSON fails the request with the content type and a snippet', async () => {
    const r = await run({ REST_URL: `${api.base}/html/items` });
    expect(r.status).toBe('partial');
    expect(r.report.errors[0].message).toContain('not JSON (text/html)');
    expect(r.report.errors[0].message).toContain('Login required');
    expect(api.hits('/html/items')).toHaveLength(1);
  });

  test('a 4xx fails at once with its status and a snippet, with the secret header value redacted', async () => {
    const wrongKey = 'wrong-key-value-4242';
    const r = await run({ REST_URL: `${api.base}/private/items?x=1`, REST_HEADERS: `X-Api-Key: ${wrongKey}` });
    expect(r.status).toBe('partial');
    const message = r.report.errors[0].message;
    expect(message).toContain('answered 401');
    expect(message).toContain('bad key');
    expect(message).not.toContain(wrongKey);
    expect(r.log).not.toContain(wrongKey);
    expect(api.hits('/private/items').filter((h) => h.query.x === '1')).toHaveLength(1);
  });

  test('without REST_URL the crawl stops with a settings error before any request, naming REST_URL', async () => {
    const before = api.seen.length;
    await expect(run({})).rejects.toThrow(/^REST_URL: not set; expected/);
    expect(api.seen.length).toBe(before);
  });

  test('page:<param> with a page number that is not a number fails at the start, naming it', async () => {
    const r = await run({ REST_URL: `${api.base}/page/items?page=first`, REST_NEXT: 'page:page' });
    expect(r.status).toBe('failed');
    expect(r.report.fatal).toContain('REST_NEXT page:page');
  });
});

describe('rest spider: settings', () => {
  /** What loading the settings, then the spider's own check (its syntaxes), say; REST_URL set unless given. */
  const problems = (raw: Record<string, string>): string[] => {
    try {
      return RestSpider.checkSettings(parseSettings({ REST_URL: 'http://127.0.0.1/items', ...raw }));
    } catch (error) {
      if (error instanceof SettingsError) return error.problems;
      throw error;
    }
  };

  test('defaults: REST_NEXT link, REST_RESOURCE items, the rest unset', () => {
    const s = parseSettings({});
    expect([s.REST_URL, s.REST_ITEMS_PATH, s.REST_NEXT, s.REST_RESOURCE, s.REST_HEADERS, s.REST_MAX_PAGES]).toEqual([
      undefined,
      undefined,
      'link',
      'items',
      undefined,
      undefined,
    ]);
  });

  test('REST_NEXT=none means no paging (not "unset")', () => {
    expect(parseSettings({ REST_NEXT: 'none' }).REST_NEXT).toBe('none');
  });

  test('bad values give one line naming the setting and what was expected', () => {
    expect(problems({ REST_NEXT: 'next' })).toEqual([
      'REST_NEXT: "next" is not a paging rule; expected link, none, json:<dot.path>, cursor:<dot.path>:<query param> or page:<query param>',
    ]);
    expect(problems({ REST_URL: 'ftp://x/y' })[0]).toMatch(/^REST_URL: "ftp:\/\/x\/y" is not an http\(s\) URL/);
    expect(problems({ REST_URL: 'api/items' })[0]).toMatch(/^REST_URL: "api\/items" is not a URL; expected an absolute/);
    expect(problems({ REST_ITEMS_PATH: 'data..items' })[0]).toMatch(/^REST_ITEMS_PATH: "data..items" is not a dot path/);
    expect(problems({ REST_RESOURCE: 'a/b' })[0]).toMatch(/^REST_RESOURCE: "a\/b" is not a resource name/);
    expect(problems({ REST_MAX_PAGES: '0' })[0]).toMatch(/^REST_MAX_PAGES: 0 is out of range/);
  });

  test('a malformed REST_HEADERS is reported without its value; a good one is masked when shown', () => {
    const secret = 'Bearer-ish-value-without-a-name-0001';
    const [line] = problems({ REST_HEADERS: `X-Ok: fine; ${secret}` });
    expect(line).toMatch(/^REST_HEADERS: part 2 is not "Name: value"/);
    expect(line).not.toContain(secret);
    const shown = describeSettings(parseSettings({ REST_HEADERS: `X-Api-Key: ${API_KEY}` }));
    expect(shown.REST_HEADERS).toBe('********');
  });
});
