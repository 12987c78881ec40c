// The rest spider: reads every page of a paginated JSON REST API described by the REST_* settings
// and yields each element of each page as a record of one resource. It knows nothing of storage:
// the same pipelines as the Zoho spider write, split, upload and list what it yields.
import type { CrawlContext } from '../core/context.js';
import { addSecrets } from '../core/logger.js';
import { chain, type PageParse, type Paginator } from '../core/paginator.js';
import { Spider, type SpiderCallback, type SpiderOutput } from '../core/spider.js';
import type { Settings } from '../settings.js';
import type { HttpClient } from '../http/client.js';
import { fetchPage, restClient, type FetchedPage } from './rest/fetch-page.js';
import { nextPageUrl, pageNumberOf } from './rest/next-page.js';
import { itemsOf, recordData } from './rest/page-body.js';
import { restSettings, type RestConfig } from './rest/settings.js';

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

  /** Without REST_URL, or with a value of the wrong syntax, nothing can be read: found before any request (exit 2). */
  static checkSettings(s: Settings): string[] {
    return restSettings(s).problems;
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

  private readonly config: RestConfig;
  private readonly http: HttpClient;
  /** Page URLs already requested: an API whose next link leads back is stopped, not followed forever. */
  private readonly seen = new Set<string>();
  private origin = '';
  private pages = 0;
  private records = 0;

  constructor(ctx: CrawlContext) {
    super(ctx);
    const { config, problems } = restSettings(ctx.settings);
    if (!config) throw new Error(problems.join('; '));
    this.config = config;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'zoho-crawler rest spider' };
    for (const [name, value] of config.headers) headers[name.toLowerCase()] = value;
    // Each header value on its own is a secret too (the setting as a whole is registered by the CLI).
    addSecrets(config.headers.map(([, value]) => value));
    this.http = restClient(headers, REQUEST_RETRIES);
  }

  async *startRequests(): AsyncIterable<SpiderOutput> {
    const { url } = this.config;
    this.origin = new URL(url).origin;
    if (this.config.next.kind === 'page') pageNumberOf(url, this.config.next.param);
    this.ctx.logger.info(`rest: reading ${this.config.resource} from ${url}, next page by ${this.ctx.settings.REST_NEXT}`);
    yield { kind: 'module', module: this.config.resource };
    yield chain(PAGE, this.pageData(url, 1));
  }

  /** One page: its items as records, and the next page by REST_NEXT (next-page.ts). */
  private parsePage(page: FetchedPage, data: PageData): PageParse<PageData> {
    const items = itemsOf(page.body, this.config.itemsPath, page.url);
    const nextUrl = nextPageUrl(this.config.next, { page, itemCount: items.length });
    const number = data.page;
    this.ctx.logger.debug(`rest: page ${number} of ${this.config.resource}: ${items.length} items`);
    const outputs: SpiderOutput[] = items.map((item) => ({ kind: 'record', module: this.config.resource, data: recordData(item) }));
    this.pages += 1;
    this.records += items.length;
    return { outputs, next: this.nextPage(nextUrl, number) };
  }

  /** The next page's state, or undefined when there is none to follow. */
  private nextPage(nextUrl: string | undefined, number: number): PageData | undefined {
    if (nextUrl === undefined) return undefined;
    const max = this.config.maxPages;
    if (max !== undefined && number >= max) {
      this.ctx.logger.warn(`rest: stopped after ${number} pages (REST_MAX_PAGES) although the API has more`);
      return undefined;
    }
    if (new URL(nextUrl).origin !== this.origin) {
      // REST_HEADERS (keys, tokens) must not travel to a host the user did not name.
      const message = `REST_NEXT leads from page ${number} to ${nextUrl}, outside ${this.origin} (the origin of REST_URL); not followed`;
      this.ctx.logger.error(`rest: ${message}`);
      this.ctx.report.error(this.config.resource, message);
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
    return { module: this.config.resource, url, page };
  }

  override async close(): Promise<void> {
    this.ctx.logger.info(`rest: ${this.records} records of ${this.config.resource} from ${this.pages} pages`);
  }
}
