// A third spider, as docs/extending.md walks through it: a CRM API with OAuth client-credentials
// tokens and cursor pages (`?limit=100&after=<cursor>` → `{results, paging.next.after}`). The
// framework gives it retries, Retry-After, pacing, token renewal, output, crash resume and
// incremental runs; what is left here is what is this API's own.
import { z } from 'zod';
import type { CrawlContext } from '../src/core/context.js';
import { stemDone } from '../src/core/context.js';
import { request, Spider, StopCrawlError, type CallbackInput, type SpiderCallback, type SpiderClass, type SpiderOutput } from '../src/core/spider.js';
import { addSecrets } from '../src/core/logger.js';
import { RefreshingAuth } from '../src/http/auth.js';
import { HttpClient, retryAfterOf, type Verdict } from '../src/http/client.js';
import { Pace } from '../src/http/pace.js';
import type { HttpAnswer } from '../src/http/transport.js';

const optionsSchema = z.object({
  /** e.g. https://api.example-crm.com */
  baseUrl: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  objects: z.array(z.string().regex(/^[a-z_]+$/)).min(1),
  incremental: z.boolean().default(false),
  concurrency: z.number().int().min(1).max(10).default(3),
});
export type CursorCrmOptions = z.input<typeof optionsSchema>;

const pageSchema = z.object({
  results: z.array(z.object({ id: z.string(), updatedAt: z.string() }).loose()),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
type Page = z.infer<typeof pageSchema>;
const tokenSchema = z.object({ access_token: z.string(), expires_in: z.number() });

/** The spider class for these options (a spider is constructed by the engine, with the crawl's context only). */
export function cursorCrmSpider(input: CursorCrmOptions): SpiderClass {
  const opts = optionsSchema.parse(input);
  addSecrets([opts.clientSecret]);

  return class CursorCrmSpider extends Spider {
    readonly name = 'cursor-crm';
    override readonly resumable = true;
    override readonly incremental = { enabled: opts.incremental, timeField: { record: 'updatedAt', deleted: 'archivedAt' }, overlapSecs: 60 };
    // The client retries; what still fails would only fail again.
    override maxRequestRetries = 0;
    override maxConcurrency = opts.concurrency;
    readonly callbacks: Record<string, SpiderCallback> = { page: (input) => this.page(input) };
    private readonly http: HttpClient;

    constructor(ctx: CrawlContext) {
      super(ctx);
      const auth = new RefreshingAuth({ grant: () => this.grant(), headers: (token) => ({ authorization: `Bearer ${token}` }) });
      const retry = { retries: 4, baseMs: 500, maxMs: 30_000 };
      this.http = new HttpClient({ retry, timeoutMs: 60_000, auth, pace: new Pace(opts.concurrency) });
    }

    async *startRequests(): AsyncIterable<SpiderOutput> {
      for (const object of opts.objects) {
        yield { kind: 'module', module: object };
        // A resumed run keeps what a killed one finished.
        if (stemDone(this.ctx.resume, object, 'record')) continue;
        yield request('page', this.pageUrl(object), { module: object });
      }
    }

    private pageUrl(object: string, after?: string): string {
      const url = new URL(`/crm/v3/objects/${object}`, opts.baseUrl);
      url.searchParams.set('limit', '100');
      if (after) url.searchParams.set('after', after);
      const since = this.ctx.bookmarks?.sinceFor(object, 'record');
      if (since) url.searchParams.set('updatedSince', since);
      return url.href;
    }

    private async *page({ request: req }: CallbackInput): AsyncIterable<SpiderOutput> {
      const object = String(req.userData?.module);
      const page = await this.http.call<Page>({
        what: `GET ${object}`,
        request: (credential) => ({ url: req.url, headers: { ...credential?.headers, accept: 'application/json' } }),
        judge: (answer) => judgePage(answer, object),
        onAttempt: () => this.ctx.report.api.requests++,
      });
      const books = this.ctx.bookmarks;
      for (const data of page.results) {
        if (books?.mayRepeat(object, 'record') && books.isRepeat(object, 'record', data)) continue;
        yield { kind: 'record', module: object, data };
      }
      const after = page.paging?.next?.after;
      if (after) yield request('page', this.pageUrl(object, after), { module: object });
      else yield { kind: 'end', module: object, of: 'record' };
    }

    private async grant() {
      const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret });
      const token = await new HttpClient({ retry: { retries: 2, baseMs: 500, maxMs: 5000 }, timeoutMs: 30_000 }).call({
        what: 'POST /oauth/token',
        request: () => ({
          method: 'POST',
          url: new URL('/oauth/token', opts.baseUrl).href,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        }),
        judge: (answer) => judgeJson(answer, tokenSchema, 'the token endpoint'),
      });
      addSecrets([token.access_token]);
      return { token: token.access_token, lifetimeMs: token.expires_in * 1000 };
    }
  };
}

/** What this API's answers mean: 401 renew, 429/5xx later, a spent daily quota stops the run (resumable). */
function judgePage(answer: HttpAnswer, object: string): Verdict<Page> {
  if (answer.status === 401) return { kind: 'reauth', error: new Error(`${object}: token refused`) };
  if (answer.status === 429 && answer.header('x-daily-remaining') === '0') {
    return { kind: 'fail', error: new StopCrawlError(`the API's daily quota is spent (at ${object}); run again tomorrow to continue`) };
  }
  return judgeJson(answer, pageSchema, object);
}

function judgeJson<T>(answer: HttpAnswer, schema: z.ZodType<T>, what: string): Verdict<T> {
  const error = new Error(`${what} answered HTTP ${answer.status}`);
  if (answer.status === 429 || answer.status >= 500) {
    return { kind: 'retry', reason: answer.status === 429 ? 'throttle' : 'server', error, retryAfterMs: retryAfterOf(answer) };
  }
  if (answer.status !== 200) return { kind: 'fail', error };
  let json: unknown;
  try {
    json = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return { kind: 'fail', error: new Error(`${what} answered a body that is not JSON`) };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { kind: 'done', value: parsed.data };
  return { kind: 'fail', error: new Error(`${what}: unexpected answer (${parsed.error.issues[0]?.message})`) };
}
