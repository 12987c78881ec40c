// The rest spider: reads every page of a paginated JSON REST API described by the REST_* settings
// and yields each element of each page as a record of one resource. It knows nothing of storage:
// the same pipelines as the Zoho spider write, split, upload and list what it yields.
import type { CrawlContext } from '../core/context.js';
import { addSecrets } from '../core/logger.js';
import { chain, type PageParse, type Paginator } from '../core/paginator.js';
import { Spider, type SpiderCallback, type SpiderOutput } from '../core/spider.js';
import { parseRestHeaders, parseRestNext, type RestNext, type Settings } from '../settings.js';
import type { HttpClient } from '../http/client.js';
import { fetchPage, restClient, type FetchedPage } from './rest/fetch-page.js';
import { nextPageUrl, pageNumberOf } from './rest/next-page.js';
import { itemsOf, recordData } from './rest/page-body.js';

const PAGE = 'page';

/** Where the chain of pages is: the URL of the page to read, its number, and the resource (for reports). */
interface PageData extends Record<string, unknown> {
  module: string;
  url: string;
  page: number;
}
/** Retries of one page after 429, 408, 5xx or a dropped connection. */
const REQUEST_RETRIES = 5;

export class RestSpider extends Spider {
  readonly name = 'rest';

  /** Without REST_URL there is nothing to read: a settings problem, found before any request (exit 2). */
  static checkSettings(s: Settings): string[] {
    return s.REST_URL ? [] : ['REST_URL: not set; expected the URL of the first page of the API, e.g. -s REST_URL=https://api.example.com/v1/items'];
  }
  // Each page names the next: the resource is one chain of pages, so one at a time.
  override maxConcurrency = 1;
  // The HTTP client retries what retrying can fix; a page that still fails would only fail again.
  override maxRequestRetries = 0;

  readonly callbacks: Record<string, SpiderCallback> = {};
  override readonly paginators = {
    [PAGE]: {
      fetch: (data) => fetchPage(this.http, data.url, () => (this.ctx.report.api.requests += 1)),
      parse: (page, data) => this.parsePage(page, data),
    } satisfies Paginator<PageData, FetchedPage>,
  };

  private readonly resource: string;
  private readonly itemsPath: string[];
  private readonly next: RestNext;
  private readonly http: HttpClient;
  /** Page URLs already requested: an API whose next link leads back is stopped, not followed forever. */
  private readonly seen = new Set<string>();
  private origin = '';
  private pages = 0;
  private records = 0;

  constructor(ctx: CrawlContext) {
    super(ctx);
    const s = ctx.settings;
    this.resource = s.REST_RESOURCE;
    this.itemsPath = s.REST_ITEMS_PATH ? s.REST_ITEMS_PATH.split('.') : [];
    this.next = parseRestNext(s.REST_NEXT);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'zoho-crawler rest spider' };
    const extra = s.REST_HEADERS ? parseRestHeaders(s.REST_HEADERS) : [];
    for (const [name, value] of extra) headers[name.toLowerCase()] = value;
    // Each header value on its own is a secret too (the setting as a whole is registered by the CLI).
    addSecrets(extra.map(([, value]) => value));
    this.http = restClient(headers, REQUEST_RETRIES);
  }

  async *startRequests(): AsyncIterable<SpiderOutput> {
    const url = this.ctx.settings.REST_URL;
    if (!url) throw new Error('REST_URL: not set (checkSettings runs first)');
    this.origin = new URL(url).origin;
    if (this.next.kind === 'page') pageNumberOf(url, this.next.param);
    this.ctx.logger.info(`rest: reading ${this.resource} from ${url}, next page by ${this.ctx.settings.REST_NEXT}`);
    yield { kind: 'module', module: this.resource };
    yield chain(PAGE, this.pageData(url, 1));
  }

  /** One page: its items as records, and the next page by REST_NEXT (next-page.ts). */
  private parsePage(page: FetchedPage, data: PageData): PageParse<PageData> {
    const items = itemsOf(page.body, this.itemsPath, page.url);
    const nextUrl = nextPageUrl(this.next, { page, itemCount: items.length });
    const number = data.page;
    this.ctx.logger.debug(`rest: page ${number} of ${this.resource}: ${items.length} items`);
    const outputs: SpiderOutput[] = items.map((item) => ({ kind: 'record', module: this.resource, data: recordData(item) }));
    this.pages += 1;
    this.records += items.length;
    return { outputs, next: this.nextPage(nextUrl, number) };
  }

  /** The next page's state, or undefined when there is none to follow. */
  private nextPage(nextUrl: string | undefined, number: number): PageData | undefined {
    if (nextUrl === undefined) return undefined;
    const max = this.ctx.settings.REST_MAX_PAGES;
    if (max !== undefined && number >= max) {
      this.ctx.logger.warn(`rest: stopped after ${number} pages (REST_MAX_PAGES) although the API has more`);
      return undefined;
    }
    if (new URL(nextUrl).origin !== this.origin) {
      // REST_HEADERS (keys, tokens) must not travel to a host the user did not name.
      const message = `REST_NEXT leads from page ${number} to ${nextUrl}, outside ${this.origin} (the origin of REST_URL); not followed`;
      this.ctx.logger.error(`rest: ${message}`);
      this.ctx.report.error(this.resource, message);
      return undefined;
    }
    if (this.seen.has(nextUrl)) {
      this.ctx.logger.warn(`rest: the next page after page ${number} is ${nextUrl}, read before; stopping instead of looping`);
      return undefined;
    }
    return this.pageData(nextUrl, number + 1);
  }

  private pageData(url: string, page: number): PageData {
    this.seen.add(new URL(url).href);
    return { module: this.resource, url, page };
  }

  override async close(): Promise<void> {
    this.ctx.logger.info(`rest: ${this.records} records of ${this.resource} from ${this.pages} pages`);
  }
}
