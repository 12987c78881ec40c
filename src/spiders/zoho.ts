// The Zoho CRM spider: every API-readable module of an org, every record (all fields, converted
// Leads included), and each module's deleted-record log, through Zoho CRM API v8.
//
// Requests and chains of pages (src/core/paginator.ts), by label:
//   startRequests  token grant + GET /settings/modules → one `fields` request per module to read
//   fields         GET /settings/fields (+ actions/count) → the module's `records` chain
//   records        a chain: each page is one call per field batch, merged by id → record items; the
//                  next page follows from zoho/records-chain.ts (page_token, cap, restarts) and the
//                  engine fetches it while this page's records go through the pipelines; the first
//                  page also yields the module item and the module's `deleted` chain
//   coql           (ZOHO_READ_PATH=coql) a chain: one POST /coql per page, by keyset (zoho/coql.ts,
//                  coql-chain.ts) → record items; otherwise as `records` (module item, deleted chain,
//                  a large module in several range chains)
//   deleted        a chain: one page of GET /{module}/deleted → deleted items; next page by number,
//                  asked for once the page is committed (no prefetch: the log is a page or two)
// Each chain takes one of the engine's ZOHO_MAX_CONCURRENCY slots while it runs; its state (a
// ChainState for records) is the chain's place in the queue, so a failed page is retried by itself.
// All API calls share one TokenSource (one grant, renewed once on 401) and one Pace (the crawl-wide
// in-flight cap, lowered on 429: src/http/pace.ts). Retries of 429/5xx/cut connections happen inside the client, call by
// call, so a page whose second field batch is throttled does not re-send the first.
import { redactKnown, type Logger } from '../core/logger.js';
import { chain, type PageParse, type Paginator, type SpiderChain } from '../core/paginator.js';
import { NonRetryableError, request, Spider, StopCrawlError, type CallbackInput, type IncrementalSpec, type SpiderCallback, type SpiderOutput, type SpiderPlan, type SpiderRequest } from '../core/spider.js';
import { stemDone, type Bookmarks, type CrawlContext } from '../core/context.js';
import { JsonLineItem, type FieldInfo, type Item, type LineItem } from '../core/items.js';
import { RawEntry } from '../zoho/entries-page.js';
import { spliceable, spliceRichText } from '../zoho/rich-text-splice.js';
import { ZohoClient, type ApiAnswer } from '../zoho/client.js';
import { RetriesExhaustedError } from '../http/errors.js';
import { CreditBudgetError, CreditsExhaustedError, refusalOf, ZohoApiError, ZohoAuthError } from '../zoho/errors.js';
import { describeEstimate, RemainingCredits } from '../zoho/credit-estimate.js';
import { fieldBatches } from '../zoho/field-batches.js';
import { hasConvertedRecords, selectModules } from '../zoho/module-selection.js';
import { Pace } from '../http/pace.js';
import { BIG_MODULE_RECORDS, MIN_STEAL_PAGES, RangeBoard, rangeCount, rangesToResume, SORT_BY_CONCURRENCY, splitTime, type RangesNote, type TimeRange } from '../zoho/ranges.js';
import { ModuleRanges, type RangeReader, type RangeStep } from '../zoho/module-ranges.js';
import { ChainError, perPageFor, rangeChainState, restartPastLimit, restartStale, takePage, type ChainState, type PageOutcome } from '../zoho/records-chain.js';
import { countCall, deletedCall, fieldsCall, fullDataCall, MAX_FULL_DATA_IDS, MAX_PER_PAGE, modulesCall, recordsCall, type ApiCall } from '../zoho/requests.js';
import {
  AUTO_READ_PATH_REASON,
  COQL_MAX_ROWS,
  coqlAnswerSchema,
  coqlCall,
  coqlCallCredits,
  coqlPlanOf,
  coqlQueryError,
  coqlRecord,
  keysetOf,
  type CoqlQuery,
  type CoqlRecord,
  type CoqlRow,
  type Keyset,
} from '../zoho/coql.js';
import { CoqlKept, coqlQueryOf, takeCoqlPage, type CoqlChainState, type CoqlPageOutcome } from '../zoho/coql-chain.js';
import {
  countIn,
  entriesPageOf,
  fieldsAnswerSchema,
  modulesAnswerSchema,
  morePages,
  parseBody,
  type EntriesPage,
  type FieldMeta,
  type ZohoEntry,
} from '../zoho/schemas.js';
import { missingCredentials, type TokenSource } from '../zoho/token-source.js';
import { connect, credentialsOf, GRANT_RETRIES } from '../zoho/connect.js';
import type { SettingName, Settings } from '../settings.js';
import { planZoho } from './zoho-plan.js';

interface FieldsData extends Record<string, unknown> {
  module: string;
  explicit: boolean;
  converted: boolean;
}

interface RecordsData extends Record<string, unknown> {
  module: string;
  explicit: boolean;
  state: ChainState;
  /** Only on the module's first page: what the module item says. */
  first?: { fields: FieldInfo[]; expected?: number };
  /** Rich-text fields to complete by actions/fetch_full_data (ZOHO_FULL_RICH_TEXT). */
  rich?: string[];
  /** A range chain: its range on the module's RangeBoard (whose end a steal may move). */
  rangeId?: number;
}

type PageAnswers = Array<PromiseSettledResult<ApiAnswer | null>>;

/** A range taken over by a new chain when one finished: the module it belongs to, and the chain. */
type Stolen = { module: string; chain: SpiderChain };

interface DeletedData extends Record<string, unknown> {
  module: string;
  page: number;
  ims?: string;
  count: number;
}

/** A module's COQL chain (ZOHO_READ_PATH=coql). */
interface CoqlData extends Record<string, unknown> {
  module: string;
  explicit: boolean;
  state: CoqlChainState;
  /** Only on the module's first page: what the module item says. */
  first?: { fields: FieldInfo[]; expected?: number };
  rich?: string[];
  /** A range chain: its range on the module's RangeBoard (whose end a steal may move). */
  rangeId?: number;
}

/** A COQL page's answer, or the error that refused it (parse decides what it means). */
type CoqlAnswer = { answer: ApiAnswer } | { error: unknown };

/** A deleted page's answer, or the error that refused it (parse decides what it means). */
type DeletedAnswer = { answer: ApiAnswer } | { error: unknown };

export class ZohoSpider extends Spider {
  readonly name = 'zoho';

  /** No credentials at all is a settings problem, found before any request (exit 2). */
  static checkSettings(s: Settings): string[] {
    const missing = missingCredentials(credentialsOf(s));
    return missing ? [missing] : [];
  }

  /** `plan zoho`: the cost of a crawl, from metadata and counts (zoho-plan.ts). */
  static plan(s: Settings, logger: Logger): Promise<SpiderPlan> {
    return planZoho(s, logger);
  }

  // Crash resume (src/state/resume-plan.ts): each stem's end is yielded after its last line, stems
  // ctx.resume says are finished are not read again, and every line (record or deletion) has an id.
  override readonly resumable = true;
  override readonly shapingSettings: readonly SettingName[] = [
    'ZOHO_MODULE_WHITELIST',
    'ZOHO_MAX_RECORDS_PER_MODULE',
    'ZOHO_LAST_MODIFIED_TIME',
    'ZOHO_INCLUDE_MODULE_NAME',
    'ZOHO_FULL_RICH_TEXT',
    'ZOHO_SUBFORMS',
    'ZOHO_INCLUDE_DELETED',
    'ZOHO_INCREMENTAL',
    'ZOHO_INCREMENTAL_OVERLAP_SECS',
    'ZOHO_READ_PATH',
  ];
  override readonly incremental: IncrementalSpec;
  /** What the rest of the run costs, said if the daily credits run out. */
  private readonly remaining: RemainingCredits;
  private readonly moduleKeys = new Map<string, Buffer>();
  private readonly pace: Pace;
  /** sort_by calls in flight: never more than min(ZOHO_MAX_CONCURRENCY, 10). */
  private readonly sortedCalls: Pace;
  private tokens?: TokenSource;
  private client?: ZohoClient;
  private apiBase = '';
  /** Modules this run reads (listed or found as subforms), and those the module list calls not API-readable. */
  private readonly planned = new Set<string>();
  private readonly unreadable = new Set<string>();
  /** Subform modules: read like any module, but they have no deleted log of their own. */
  private readonly subforms = new Set<string>();
  /** Modules read in ranges, by either read path. */
  private readonly ranged: ModuleRanges<SpiderChain>;
  /** Resume: the Modified_Time of each record line the killed attempt kept, by module (for rangesToResume). */
  private readonly keptTimes = new Map<string, number[]>();
  /** Resume of COQL chains: the last stored (Modified_Time, id) of each module. */
  private readonly coqlKept = new CoqlKept();
  /** Ids a COQL chain that is not a range's has written, by module (coqlRepeat). */
  private readonly coqlSeen = new Map<string, Set<string>>();
  /** Modules COQL is not documented to read (linking modules), with why: read by GET records under ZOHO_READ_PATH=coql. */
  private readonly notByCoql = new Map<string, string>();

  readonly callbacks: Record<string, SpiderCallback> = {
    fields: (input) => this.parseFields(input),
  };

  override readonly paginators = {
    records: {
      fetch: (data) => this.fetchPage(data.state),
      parse: (settled, data) => this.parseRecords(settled, data),
      // A range chain's end, once its last page is committed: the module ends with the last of them.
      ended: (data) => (data.rangeId === undefined ? [] : this.rangeEnded(data.module)),
    } satisfies Paginator<RecordsData, PageAnswers>,
    coql: {
      fetch: (data) => this.fetchCoql(this.coqlQueryNow(data)),
      parse: (answer, data) => this.parseCoql(answer, data),
      ended: (data) => (data.rangeId === undefined ? [] : this.rangeEnded(data.module)),
    } satisfies Paginator<CoqlData, CoqlAnswer>,
    deleted: {
      fetch: (data) => this.fetchDeleted(data),
      parse: (answer, data) => this.parseDeleted(answer, data),
      // A deletions log is a page or two: each page is committed before the next call goes out.
      prefetch: false,
    } satisfies Paginator<DeletedData, DeletedAnswer>,
  };

  constructor(ctx: CrawlContext) {
    super(ctx);
    const s = ctx.settings;
    this.incremental = {
      enabled: s.ZOHO_INCREMENTAL,
      timeField: { record: 'Modified_Time', deleted: 'deleted_time' },
      overlapSecs: s.ZOHO_INCREMENTAL_OVERLAP_SECS,
      explicitSince: s.ZOHO_LAST_MODIFIED_TIME && { setting: 'ZOHO_LAST_MODIFIED_TIME', at: s.ZOHO_LAST_MODIFIED_TIME },
      frozen:
        s.ZOHO_MAX_RECORDS_PER_MODULE === undefined
          ? undefined
          : { record: 'ZOHO_MAX_RECORDS_PER_MODULE is set; a capped read is not a complete picture, so record bookmarks are not moved' },
    };
    this.remaining = new RemainingCredits(s.ZOHO_INCLUDE_DELETED);
    this.pace = new Pace(s.ZOHO_MAX_CONCURRENCY);
    // A Pace never told of throttling is a fixed cap: 429s lower the crawl's pace, not this one.
    this.sortedCalls = new Pace(Math.min(s.ZOHO_MAX_CONCURRENCY, SORT_BY_CONCURRENCY));
    this.ranged = new ModuleRanges(this.sortedCalls.max);
    // One callback or chain per API call at a time is enough to fill the pace; field batches share it.
    this.maxConcurrency = s.ZOHO_MAX_CONCURRENCY;
    // Retries of API trouble happen in the client; Crawlee retries only what slipped past it
    // (e.g. an answer of an unexpected shape), and not often.
    this.maxRequestRetries = 2;
    const worstCall = (s.ZOHO_REQUEST_RETRIES + 1) * (s.ZOHO_REQUEST_TIMEOUT_SECS + s.ZOHO_BACKOFF_MAX_MS / 1000);
    this.callbackTimeoutSecs = Math.max(600, Math.ceil(worstCall + (GRANT_RETRIES + 1) * (s.ZOHO_BACKOFF_MAX_MS / 1000 + 60)));
  }

  /** Kept by the framework, which made it before startRequests because the spider declares `incremental`. */
  private get bookmarks(): Bookmarks {
    if (!this.ctx.bookmarks) throw new Error('zoho spider: ctx.bookmarks is set by the engine');
    return this.ctx.bookmarks;
  }

  private get log() {
    return this.ctx.logger;
  }

  private get api(): ZohoClient {
    if (!this.client) throw new Error('zoho spider: the client is made in startRequests');
    return this.client;
  }

  /** Builds the token source and client; throws the missing-credentials message before any request. */
  private setup(): ZohoClient {
    const s = this.ctx.settings;
    const { tokens, client } = connect(s, {
      pace: this.pace,
      onSent: (credits, call) => this.ctx.report.apiCall(credits, call.module),
      budget: s.ZOHO_CREDIT_BUDGET,
      log: (level, message) => this.log.log(level, message),
    });
    this.tokens = tokens;
    this.client = client;
    return client;
  }

  async *startRequests(): AsyncIterable<SpiderOutput> {
    const client = this.setup();
    const s = this.ctx.settings;
    let answer: ApiAnswer;
    try {
      answer = await client.send(modulesCall());
    } catch (error) {
      if (error instanceof CreditsExhaustedError) throw this.stop(error);
      throw new Error(startFailure(error));
    }
    if (answer.status !== 200) {
      throw new Error(`GET /settings/modules answered HTTP ${answer.status} with no modules; expected the module list (check ZOHO_API_DOMAIN)`);
    }
    this.apiBase = (await this.tokens!.current()).baseUrl ?? '';
    const { modules } = parseBody(modulesAnswerSchema, answer.body, 'GET /settings/modules');
    const selection = selectModules(modules, s.ZOHO_MODULE_WHITELIST);
    for (const { name, reason } of selection.unknown) {
      this.log.error(`${name}: ${reason}; not requested`);
      this.ctx.report.error(name, `${reason}; not requested`);
    }
    for (const { name, reason } of selection.skipped) {
      this.log.warn(`${name}: ${reason}; not requested`);
      this.ctx.report.skip(name, reason);
    }
    this.log.info(
      `zoho: ${selection.modules.length} module(s) to read: ${selection.modules.map((m) => m.meta.api_name).join(', ') || '(none)'}` +
        (selection.unsupported.length ? `; not readable over the API, not requested: ${selection.unsupported.join(', ')}` : ''),
    );
    for (const name of selection.unsupported) this.unreadable.add(name);
    if (s.ZOHO_READ_PATH === 'auto') this.log.info(`zoho: ZOHO_READ_PATH=auto reads every module by records: ${AUTO_READ_PATH_REASON}`);
    for (const { meta } of selection.modules) {
      if (meta.generated_type === 'linking') this.notByCoql.set(meta.api_name, 'a linking module, which COQL does not read');
    }
    // All of them before any is planned: a parent's fields, read meanwhile, must not take a listed module for a new subform.
    for (const { meta } of selection.modules) this.planned.add(meta.api_name);
    for (const { meta, explicit } of selection.modules) yield* this.planModule(meta.api_name, explicit, hasConvertedRecords(meta));
  }

  private async *planModule(module: string, explicit: boolean, converted: boolean): AsyncIterable<SpiderOutput> {
    this.planned.add(module);
    const earlier = this.ctx.resume?.modules[module];
    if (stemDone(this.ctx.resume, module, 'record')) {
      // Read to the end by the killed attempt: its files are kept, its module item is replayed.
      this.log.info(`${module}: records finished before the run was resumed; not read again`);
      this.keptTimes.delete(module);
      this.remaining.ended(module, 'record');
      yield* this.moduleStart(module, { fields: earlier?.fields ?? [], expected: earlier?.expected });
      // Its subforms are found in its fields, which are not read again otherwise.
      if (this.ctx.settings.ZOHO_SUBFORMS && earlier?.fields?.some((f) => f.data_type === 'subform')) yield* this.subformsAgain(module);
      return;
    }
    this.remaining.planned(module);
    const data: FieldsData = { module, explicit, converted };
    yield request('fields', this.urlOf(fieldsCall(module)), data);
  }

  private async *planSubform(module: string): AsyncIterable<SpiderOutput> {
    this.subforms.add(module);
    this.remaining.planned(module);
    this.remaining.ended(module, 'deleted');
    yield* this.planModule(module, false, false);
  }

  /** A resumed run's parent read to its end: its fields again (1 credit), for the subform modules they name. */
  private async *subformsAgain(module: string): AsyncIterable<SpiderOutput> {
    let fields: FieldMeta[];
    try {
      const answer = await this.api.send(fieldsCall(module));
      fields = answer.status === 200 ? parseBody(fieldsAnswerSchema, answer.body, `GET /settings/fields?module=${module}`).fields : [];
    } catch (error) {
      if (error instanceof CreditsExhaustedError) throw this.stop(error);
      const reason = `its subform modules could not be found again on resume (${errorText(error)})`;
      this.log.error(`${module}: ${reason}`);
      this.ctx.report.error(module, reason);
      return;
    }
    yield* this.subformsOf(module, fields);
  }

  /** The subform modules a module's fields name and no one reads yet (ZOHO_SUBFORMS). */
  private async *subformsOf(parent: string, fields: readonly FieldMeta[]): AsyncIterable<SpiderOutput> {
    if (!this.ctx.settings.ZOHO_SUBFORMS) return;
    for (const f of fields) {
      const sub = f.subformModule;
      if (sub === undefined || this.planned.has(sub) || this.unreadable.has(sub)) continue;
      this.log.info(`${sub}: the rows of the subform ${parent}.${f.api_name}; read as a module of its own`);
      yield* this.planSubform(sub);
    }
  }

  private async *parseFields({ request: req }: CallbackInput): AsyncIterable<SpiderOutput> {
    const { module, explicit, converted } = req.userData as FieldsData;
    const s = this.ctx.settings;
    // Only a module the killed attempt read in ranges resumes from its kept records' times.
    if (!rangesNoteOf(this.ctx.resume?.notes[rangesKey(module)])) this.keptTimes.delete(module);
    const [fieldsResult, countResult] = await Promise.allSettled([this.api.send(fieldsCall(module)), this.api.send(countCall(module, converted))]);
    if (fieldsResult.status === 'rejected') {
      if (this.refused(module, explicit, fieldsResult.reason)) return;
      throw this.failure(fieldsResult.reason);
    }
    const fields =
      fieldsResult.value.status === 200 ? parseBody(fieldsAnswerSchema, fieldsResult.value.body, `GET /settings/fields?module=${module}`).fields : [];
    yield* this.subformsOf(module, fields);
    // A field listed twice is one field: once in the module item, once in the records calls.
    const listed = new Set<string>();
    const fieldInfo: FieldInfo[] = fields
      .filter((f) => !listed.has(f.api_name) && Boolean(listed.add(f.api_name)))
      .map((f) => ({ api_name: f.api_name, data_type: f.data_type }));
    const count = this.countOf(module, countResult);
    const cap = s.ZOHO_MAX_RECORDS_PER_MODULE;
    const baseIms = this.bookmarks.sinceFor(module, 'record');
    // actions/count is the module's total, not the changes since If-Modified-Since: no expectation then.
    const expected = count === undefined || baseIms ? undefined : Math.min(count, cap ?? Infinity);

    if (fieldInfo.length === 0) {
      // Records calls need at least one field: a module without fields has nothing to read but its deletions.
      if (count !== undefined && count > 0 && !baseIms) {
        // Records exist but cannot be asked for (the call needs field names): say so, do not pass it off as empty.
        const reason = `GET /settings/fields listed no fields, but actions/count says ${count} record(s); records cannot be requested without field names`;
        this.log.error(`${module}: ${reason}`);
        this.ctx.report.error(module, reason);
      } else {
        this.log.warn(`${module}: the field list is empty; no records requested`);
      }
      yield { kind: 'module', module, fields: [], expected };
      yield* this.endOf(module, 'record');
      yield* this.firstDeleted(module);
      return;
    }
    const toRead = Math.min(count ?? 0, cap ?? Infinity);
    const rich = s.ZOHO_FULL_RICH_TEXT ? [...new Set(fields.filter((f) => f.richText).map((f) => f.api_name))] : [];
    // `id` is sent only when the field list names it: Zoho returns it with every record anyway, and
    // the merge of field batches keys on the records' ids, not on the field list.
    const names = fieldInfo.map((f) => f.api_name);
    if (s.ZOHO_READ_PATH === 'coql') {
      const first = { fields: fieldInfo, expected };
      const coqlToRead = count === undefined || baseIms ? undefined : toRead;
      if (yield* this.readByCoql(module, explicit, fields, { since: baseIms, toRead: coqlToRead, rich, first })) return;
    }
    let order: ChainState['order'] = toRead > s.ZOHO_PAGE_TOKEN_LIMIT ? 'modified-asc' : 'default';
    if (order === 'modified-asc' && !names.includes('Modified_Time')) {
      this.log.warn(`${module}: ${toRead} records, past the page_token limit, but no Modified_Time field to page by time; reading in id order`);
      order = 'default';
    }
    const state: ChainState = {
      module,
      batches: fieldBatches(names),
      perPage: perPageFor(cap),
      converted,
      order,
      ims: baseIms,
      baseIms,
      cap,
      written: 0,
      chainRead: 0,
      pageTokenLimit: s.ZOHO_PAGE_TOKEN_LIMIT,
      pending: [],
      staleRestarts: 0,
    };
    // A page's calls: one per field batch, and the rich-text completion.
    this.remaining.sized(module, state.batches.length + (rich.length ? 1 : 0), count === undefined ? undefined : toRead, state.perPage);
    if (order === 'modified-asc') {
      this.log.info(`${module}: ${toRead} records, more than one page_token chain reaches; reading by Modified_Time in several chains`);
    }
    const first = { fields: fieldInfo, expected };
    const ranges = rangeCount(toRead, this.chainsPerModule(toRead));
    if (cap === undefined && count !== undefined && ranges > 1 && names.includes('Modified_Time')) {
      yield* this.readInRanges({ module, explicit, state: { ...state, order: 'modified-asc' }, first, ...(rich.length ? { rich } : {}) }, ranges);
      return;
    }
    yield chain<RecordsData>('records', { module, explicit, state, first, ...(rich.length ? { rich } : {}) });
  }

  /**
   * A resumed run of a module the killed attempt read in ranges, on either read path: each range
   * goes on from its newest kept record's second (zoho/ranges.ts rangesToResume), not from the
   * module's first page; `reader` makes a range's chain.
   */
  private async *resumeRanges(
    module: string,
    first: NonNullable<RecordsData['first']>,
    noted: RangesNote,
    reader: RangeReader<SpiderChain>,
  ): AsyncIterable<SpiderOutput> {
    const ranges = rangesToResume(noted, this.keptTimes.get(module) ?? []).filter((r) => r.end > r.start);
    this.keptTimes.delete(module);
    const board = new RangeBoard();
    const chains = ranges.map((range) => reader.chainOf(range, board.add(range)));
    this.ranged.start(module, board, reader, { chains: chains.length, written: 0 });
    await this.noteRanges(module);
    this.log.info(`${module}: resuming ${ranges.length} range(s) of Modified_Time after their last stored records`);
    yield* this.moduleStart(module, first);
    if (chains.length === 0) yield* this.rangeEnded(module);
    yield* chains;
  }

  /** Keeps the module's ranges in the run marker (Checkpoint.note), awaited before records of a new range are stored. */
  private async noteRanges(module: string): Promise<void> {
    const note = this.ranged.note(module);
    if (!note || !this.ctx.checkpoint) return;
    await this.ctx.checkpoint.note(rangesKey(module), note);
  }

  override keptLine(item: LineItem): void {
    // Called while the resume is planned (ctx.resume is not set yet), so every module's times are kept
    // at first; a module read in ranges uses them when its records start (resumeRanges), any other
    // drops them when it is planned.
    if (item.kind !== 'record') return;
    if (this.ctx.settings.ZOHO_READ_PATH === 'coql') this.coqlKept.kept(item.module, item.data);
    const at = typeof item.data.Modified_Time === 'string' ? Date.parse(item.data.Modified_Time) : Number.NaN;
    if (Number.isNaN(at)) return;
    let times = this.keptTimes.get(item.module);
    if (!times) this.keptTimes.set(item.module, (times = []));
    times.push(at);
  }

  /** The answers of one page's calls as pages (null: 204/304); undefined when the module is refused (skipped). */
  private pagesOf(module: string, settled: PageAnswers, explicit: boolean, firstPage: boolean): Array<EntriesPage<RawEntry | ZohoEntry> | null> | undefined {
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) {
      if (firstPage && this.refused(module, explicit, rejected.reason)) return undefined;
      throw this.failure(rejected.reason);
    }
    return settled.map((r, i) => {
      const answer = (r as PromiseFulfilledResult<ApiAnswer | null>).value;
      if (!answer || answer.status !== 200) return null;
      return entriesPageOf(answer.body, `GET /${module} (fields batch ${i + 1})`);
    });
  }

  /** Drops the lines an earlier run already stored (incremental overlap), when there can be any. */
  private repeatOf(module: string): ((record: RawEntry | ZohoEntry) => boolean) | undefined {
    const books = this.bookmarks;
    return books.mayRepeat(module, 'record')
      ? (record: RawEntry | ZohoEntry) => books.isRepeat(module, 'record', this.lineOf(module, objectOf(record)))
      : undefined;
  }

  private take(
    state: ChainState,
    pages: ReadonlyArray<EntriesPage<RawEntry | ZohoEntry> | null>,
    repeat?: (record: RawEntry | ZohoEntry) => boolean,
  ): PageOutcome<RawEntry | ZohoEntry> {
    try {
      return takePage(state, pages, repeat);
    } catch (chainError) {
      throw this.failure(chainError);
    }
  }

  /**
   * Records with their rich text whole, when ZOHO_FULL_RICH_TEXT asks for it. The page's repeat check
   * saw the list answer's cut rich text, which no stored line holds: it is asked again of the whole
   * records, so an unchanged record of the incremental overlap is not written twice. (The chain's
   * counts, decided with the page, still hold such a record: only a capped run can tell.)
   */
  private async complete(data: { module: string; rich?: string[] }, records: Array<RawEntry | ZohoEntry>): Promise<Array<RawEntry | ZohoEntry>> {
    if (!data.rich) return records;
    const whole = await this.withFullRichText(data.module, data.rich, records);
    const repeat = this.repeatOf(data.module);
    return repeat ? whole.filter((record) => !repeat(record)) : whole;
  }

  /** A module's first outputs, before any of its records: its item, and its deleted log's chain. */
  private *moduleStart(module: string, first: { fields: FieldInfo[]; expected?: number }): Iterable<SpiderOutput> {
    yield { kind: 'module', module, fields: first.fields, expected: first.expected };
    yield* this.firstDeleted(module);
  }

  /**
   * One range chain of the module is done and its last page committed (the paginator's `ended`):
   * the stem ends with the last of them, after every range's records.
   */
  private *rangeEnded(module: string): Iterable<SpiderOutput> {
    const done = this.ranged.chainEnded(module);
    if (!done) return;
    yield* this.endOf(module, 'record');
    this.log.info(`${module}: ${done.written} record(s); ${done.steals} range(s) taken over by chains that finished early`);
  }

  /**
   * Chains a module of `records` may use at once: the crawl's concurrency, within Zoho's sub-concurrency
   * of sort_by calls. A big module gets all of them (it decides the run's wall time, and a split costs it
   * about a page in 25); a smaller one shares them with the modules whose records are still to be read:
   * where those keep every allowed call busy, a split would only cost its bound pages (the latency
   * bench's ten modules of 20,000 records at c = 10 asked 21% more calls and ran 16% slower).
   */
  private chainsPerModule(records: number): number {
    const chains = Math.min(this.ctx.settings.ZOHO_MAX_CONCURRENCY, SORT_BY_CONCURRENCY);
    if (records >= BIG_MODULE_RECORDS) return chains;
    return Math.max(1, Math.floor(chains / Math.max(1, this.remaining.recordsLeft())));
  }

  /**
   * A large module, read as `k` chains of Modified_Time ranges (zoho/ranges.ts). The first ascending
   * page (the first range's first page) and one descending page (the newest records) are fetched
   * together; they give the bounds, and their records are written here: the descending page's above
   * its lowest second, where the ranges end, the ascending page's as the first range's.
   */
  private async *readInRanges(data: RecordsData, k: number): AsyncIterable<SpiderOutput> {
    const { module, explicit, state } = data;
    const noted = rangesNoteOf(this.ctx.resume?.notes[rangesKey(module)]);
    const reader: RangeReader<SpiderChain> = {
      chainOf: (range, rangeId) => chain<RecordsData>('records', { module, explicit, state: rangeChainState(state, range), rangeId, ...richOf(data) }),
      // A page is one call per field batch.
      pageRows: MAX_PER_PAGE / state.batches.length,
      minSteal: MIN_STEAL_PAGES * MAX_PER_PAGE,
    };
    if (noted) {
      yield* this.resumeRanges(module, data.first!, noted, reader);
      return;
    }
    const [asc, desc] = await Promise.all([this.fetchPage(state), this.fetchPage({ ...state, order: 'modified-desc' })]);
    const ascPages = this.pagesOf(module, asc, explicit, true);
    const descPages = ascPages && this.pagesOf(module, desc, explicit, true);
    if (!ascPages || !descPages) return;
    const oldest = firstTime(ascPages);
    const newest = lowestTime(descPages);
    if (oldest === undefined || newest === undefined) {
      // Nothing to read (or the module emptied between the two calls): one chain, from its first page.
      yield* this.moduleStart(module, data.first!);
      yield chain<RecordsData>('records', { ...data, first: undefined, state: { ...state, order: 'default' } });
      return;
    }
    const repeat = this.repeatOf(module);
    // The newest records: all of those above the page's lowest second are on it; that second is the last range's.
    const top = this.take({ ...state, order: 'modified-desc' }, descPages, repeat).records.filter((r) => timeOf(r) > newest);
    const ranges = splitTime(oldest, newest + 1000, k);
    // The first range goes on from the ascending page (its query, its tokens); the others start at their start.
    const firstRange = this.take({ ...state, range: ranges[0] }, ascPages, repeat);
    const newestSecond = Math.floor(Math.max(...timesOf(descPages)) / 1000) * 1000;
    const topRange = { start: Math.floor(newest / 1000) * 1000 + 1000, end: newestSecond + 1000 };
    const next = firstRange.next && { at: firstRange.next.boundary?.at, written: firstRange.next.written };
    yield* this.openRanges(data, ranges, { records: firstRange.records, next }, { records: top, range: topRange }, 'read', reader, (rangeId) =>
      chain<RecordsData>('records', { module, explicit, state: firstRange.next!, rangeId, ...richOf(data) }),
    );
  }

  /**
   * A module's ranges, found by its bound pages on either read path: registered on a board and noted
   * for a resumed run before any of its records is stored, then its first outputs, the bound pages'
   * records and the range chains. The first range goes on from the ascending page when that left
   * more (`first.next`): `firstChain` makes that chain, `reader` the others.
   */
  private async *openRanges(
    data: { module: string; first?: RecordsData['first']; rich?: string[] },
    ranges: readonly TimeRange[],
    first: { records: Array<RawEntry | ZohoEntry>; next?: { at?: number; written: number } },
    top: { records: Array<RawEntry | ZohoEntry>; range: TimeRange },
    how: string,
    reader: RangeReader<SpiderChain>,
    firstChain: (rangeId: number) => SpiderChain,
  ): AsyncIterable<SpiderOutput> {
    const { module } = data;
    const board = new RangeBoard();
    const chains: SpiderChain[] = [];
    ranges.forEach((range, i) => {
      const rangeId = board.add(range);
      if (i > 0) return chains.push(reader.chainOf(range, rangeId));
      if (!first.next) return board.finished(rangeId);
      board.moved(rangeId, first.next.at, first.next.written);
      chains.push(firstChain(rangeId));
    });
    this.ranged.start(module, board, reader, { chains: chains.length, written: top.records.length + first.records.length, top: top.range });
    await this.noteRanges(module);
    const from = new Date(ranges[0].start).toISOString();
    this.log.info(`${module}: ${how} in ${ranges.length} ranges of Modified_Time from ${from}, ${chains.length} chain(s)`);
    yield* this.moduleStart(module, data.first!);
    for (const record of await this.complete(data, [...top.records, ...first.records])) yield this.recordItem(module, record);
    if (chains.length === 0) yield* this.rangeEnded(module);
    yield* chains;
  }

  private countOf(module: string, result: PromiseSettledResult<ApiAnswer>): number | undefined {
    if (result.status === 'rejected') {
      this.log.debug(`${module}: no record count (${errorText(result.reason)})`);
      return undefined;
    }
    const count = countIn(result.value);
    if (count === undefined) this.log.debug(`${module}: no record count (GET /${module}/actions/count answered in an unexpected shape)`);
    return count;
  }

  private queryOf(state: ChainState, batch: number) {
    return {
      module: state.module,
      fields: state.batches[batch],
      perPage: state.perPage,
      converted: state.converted,
      order: state.order,
      ifModifiedSince: state.ims ? new Date(state.ims) : undefined,
    };
  }

  /** One page of a records chain: its records, and the next page's state from records-chain.ts. */
  private parseRecords(settled: PageAnswers, data: RecordsData): PageParse<RecordsData> {
    const { module, explicit, state } = data;
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) {
      const error = rejected.reason;
      if (error instanceof ZohoApiError && (error.kind === 'stale-chain' || error.kind === 'page-limit')) {
        let next: ChainState;
        try {
          next = error.kind === 'stale-chain' ? restartStale(state, error.code) : restartPastLimit(state);
        } catch (chainError) {
          throw this.failure(chainError);
        }
        this.log.warn(`${module}: ${error.code}; starting a new page chain after ${state.written} records`);
        return { outputs: [], next: { ...data, state: next } };
      }
    }
    const pages = this.pagesOf(module, settled, explicit, data.first !== undefined);
    if (!pages) return { outputs: [] };
    const outcome = this.take(this.withCurrentEnd(data), pages, this.repeatOf(module));
    const next = outcome.next ? { ...data, first: undefined, state: outcome.next } : undefined;
    const stolen = this.rangeMoved(data, outcome);
    return { outputs: this.recordsOf(data, outcome, stolen), next };
  }

  /** A range chain's state with its range's end as it stands (a steal may have moved it since the page was asked for). */
  private withCurrentEnd(data: RecordsData): ChainState {
    const { state, rangeId } = data;
    if (rangeId === undefined || !state.range) return state;
    const end = this.ranged.endOf(data.module, rangeId, state.range.end);
    return end === state.range.end ? state : { ...state, range: { ...state.range, end } };
  }

  /** A records range chain's step on its module's board; a chain for a range it took over when it is done. */
  private rangeMoved(data: RecordsData, outcome: PageOutcome<RawEntry | ZohoEntry>): Stolen | undefined {
    const { next } = outcome;
    const step: RangeStep = next
      ? { reading: true, at: next.boundary?.at, written: next.written }
      : { reading: false, written: data.state.written + outcome.records.length };
    return this.rangeStep(data.module, data.rangeId, step);
  }

  /**
   * Tells the module's board where a range chain is; when it is done and calls would stand idle, half
   * of the range with the most calls left, in any module read in ranges, goes to a new chain (work
   * stealing, zoho/module-ranges.ts), counted open before this chain's end is said.
   */
  private rangeStep(module: string, rangeId: number | undefined, step: RangeStep): Stolen | undefined {
    if (rangeId === undefined) return undefined;
    const stolen = this.ranged.step(module, rangeId, step);
    if (stolen) this.log.debug(`${stolen.module}: a range chain finished early; ${new Date(stolen.range.start).toISOString()} on goes to a new chain`);
    return stolen;
  }

  /** A records page's outputs; the rich-text completion runs while the engine fetches the next page. */
  private async *recordsOf(data: RecordsData, outcome: PageOutcome<RawEntry | ZohoEntry>, stolen?: Stolen): AsyncIterable<SpiderOutput> {
    const { module, state } = data;
    const records = await this.complete(data, outcome.records);
    if (data.first) yield* this.moduleStart(module, data.first);
    for (const record of records) yield this.recordItem(module, record);
    if (outcome.next) return;
    const written = state.written + outcome.records.length;
    if (outcome.leftover > 0) {
      this.log.warn(
        `${module}: ${outcome.leftover} record(s) changed while their field batches were read and were seen in only some of them; left out of this run`,
      );
    }
    if (state.range) {
      // The module's end is the paginator's `ended` word, once this page is committed.
      if (stolen) {
        await this.noteRanges(stolen.module);
        yield stolen.chain;
      }
      return;
    }
    yield* this.endOf(module, 'record');
    this.log.info(`${module}: ${written} record(s)`);
  }

  /**
   * The page's records with their rich-text fields whole: list answers cut them, one
   * actions/fetch_full_data call gives them for the page's (≤ 200) ids. A record it does not name
   * (deleted meanwhile) keeps the list's value.
   */
  private async withFullRichText(module: string, rich: string[], records: Array<RawEntry | ZohoEntry>): Promise<Array<RawEntry | ZohoEntry>> {
    if (records.length === 0) return records;
    // One call per 200 ids, Zoho's limit: a page is at most 200 records, but the two pages that find a
    // module's time range (its oldest and newest records) are completed together.
    const full = new Map<string, RawEntry>();
    for (let from = 0; from < records.length; from += MAX_FULL_DATA_IDS) {
      for (const [id, whole] of await this.fullData(module, rich, records.slice(from, from + MAX_FULL_DATA_IDS))) full.set(id, whole);
    }
    const bytes = spliceable(rich);
    return records.map((record) => {
      const whole = full.get(record.id);
      if (!whole) return record;
      return (bytes && record instanceof RawEntry ? spliceRichText(record, whole, rich) : undefined) ?? withWholeValues(objectOf(record), whole.object(), rich);
    });
  }

  /** The whole rich-text values of ≤ 200 records, by id (actions/fetch_full_data). */
  private async fullData(module: string, rich: string[], records: Array<RawEntry | ZohoEntry>): Promise<Map<string, RawEntry>> {
    const call = fullDataCall(module, records.map((r) => r.id), rich);
    let answer: ApiAnswer;
    try {
      answer = await this.api.send(call);
    } catch (error) {
      throw this.failure(error);
    }
    const spent = (this.ctx.report.apiByPurpose.rich_text ??= { requests: 0, credits: 0 });
    spent.requests++;
    spent.credits += call.credits;
    return new Map((answer.status === 200 ? entriesPageOf(answer.body, call.endpoint).data : []).map((e) => [e.id, e]));
  }

  /**
   * A record's item. Its bytes, as Zoho sent them, are its line whenever they can be (see
   * entries-page.ts); `module` is appended to them when ZOHO_INCLUDE_MODULE_NAME asks for it. Else
   * the record is an object the writer serialises.
   */
  private recordItem(module: string, record: RawEntry | ZohoEntry): Item {
    const withModule = this.ctx.settings.ZOHO_INCLUDE_MODULE_NAME;
    if (record instanceof RawEntry && !(withModule && record.hasModuleKey)) {
      // Separators are escaped by the writer as it copies the line: no copy of the bytes here.
      const line = record.lineJson();
      return new JsonLineItem('record', module, record.id, withModule ? appendKey(line, this.moduleKeyOf(module)) : line, record.rawSeparators);
    }
    return { kind: 'record', module, data: this.lineOf(module, objectOf(record)) };
  }

  /** `,"module":"<name>"}` as bytes, once per module. */
  private moduleKeyOf(module: string): Buffer {
    let bytes = this.moduleKeys.get(module);
    if (!bytes) this.moduleKeys.set(module, (bytes = Buffer.from(`,"module":${JSON.stringify(module)}}`)));
    return bytes;
  }

  /** A record as its line holds it: `module` added when ZOHO_INCLUDE_MODULE_NAME asks for it. */
  private lineOf(module: string, record: Record<string, unknown>): Record<string, unknown> {
    return this.ctx.settings.ZOHO_INCLUDE_MODULE_NAME ? { ...record, module } : record;
  }

  /** The stem got its last line: the writer closes its file, the run marker records it finished. */
  private *endOf(module: string, of: 'record' | 'deleted'): Iterable<SpiderOutput> {
    this.remaining.ended(module, of);
    yield { kind: 'end', module, of };
  }

  /**
   * Sends the calls of one page of a chain; each field batch has its own page_token chain, and one
   * that ended is not asked again. Never rejects: the page's parse decides what a failed call means.
   */
  private fetchPage(state: ChainState): Promise<PageAnswers> {
    const calls = state.batches.map((_, i) =>
      state.tokens && state.tokens[i] === null ? null : recordsCall({ ...this.queryOf(state, i), pageToken: state.tokens?.[i] ?? undefined }),
    );
    return Promise.allSettled(calls.map((call) => (call ? this.send(call, state.order !== 'default') : Promise.resolve(null))));
  }

  /** One records call; sort_by calls wait for a place within Zoho's sub-concurrency first (reference §8). */
  private send(call: ApiCall, sorted: boolean): Promise<ApiAnswer> {
    return this.api.send(call, sorted ? this.sortedCalls : undefined);
  }

  /**
   * Reads the module by COQL; false (logged) when it stays on the records path: COQL cannot page it
   * (no Modified_Time), cannot name its fields in one SELECT (a name a query cannot hold, > 500), or
   * is not documented to read it (subform and linking modules). The whole of a large module is read in ranges (readCoqlInRanges),
   * as on the records path; any other read is one chain, and a resumed one goes on after the last
   * record it stored.
   */
  private async *readByCoql(
    module: string,
    explicit: boolean,
    fields: readonly FieldMeta[],
    o: { since?: string; toRead?: number; rich: string[]; first: NonNullable<CoqlData['first']> },
  ): AsyncGenerator<SpiderOutput, boolean> {
    const plan = coqlPlanOf(fields);
    const unread = this.subforms.has(module) ? 'a subform module, which COQL does not read' : this.notByCoql.get(module);
    const reason = unread ?? ('reason' in plan ? plan.reason : undefined);
    if (reason !== undefined || !('fields' in plan)) {
      this.log.info(`${module}: read by GET records although ZOHO_READ_PATH=coql: ${reason}`);
      return false;
    }
    const cap = this.ctx.settings.ZOHO_MAX_RECORDS_PER_MODULE;
    const kept = this.coqlKept.take(module);
    // For the estimate said when credits run out: a page costs up to 3 credits and, with rich text, 10 fetch_full_data calls.
    this.remaining.sized(module, coqlCallCredits(COQL_MAX_ROWS) + (o.rich.length ? COQL_MAX_ROWS / MAX_FULL_DATA_IDS : 0), o.toRead, COQL_MAX_ROWS);
    const state: CoqlChainState = { module, fields: plan.fields, since: o.since, cap, expected: o.toRead, written: 0 };
    const data: CoqlData = { module, explicit, state, first: o.first, ...(o.rich.length ? { rich: o.rich } : {}) };
    // A killed attempt that read the module in ranges is resumed in ranges, whatever the count says now:
    // what it stored is a prefix of each range, not of one keyset order.
    const noted = rangesNoteOf(this.ctx.resume?.notes[rangesKey(module)]);
    const k = cap === undefined && o.toRead !== undefined ? rangeCount(o.toRead, this.chainsPerModule(o.toRead), COQL_MAX_ROWS) : 1;
    if (noted || k > 1) {
      yield* this.readCoqlInRanges(data, k, noted);
      return true;
    }
    if (kept) this.log.info(`${module}: resuming the COQL chain after the ${kept.count} record(s) already stored`);
    yield chain<CoqlData>('coql', { ...data, state: { ...state, written: kept?.count ?? 0, after: kept?.after } });
    return true;
  }

  /**
   * A module of more rows than one COQL call gives, read as `k` chains of Modified_Time ranges, as
   * readInRanges does on the records path: the first ascending page (the first range's first page)
   * and one descending page are asked together; they give the bounds, and the descending page's rows
   * above its lowest second are written here (the ranges end at that second's end). Bounded so, a
   * record changed while the crawl runs moves past every range and is not read twice (a single
   * keyset chain meets it again at its new Modified_Time: coqlRepeat drops it there).
   */
  private async *readCoqlInRanges(data: CoqlData, k: number, noted?: RangesNote): AsyncIterable<SpiderOutput> {
    const { module, explicit } = data;
    // A range chain asks 2,000 rows a call: how many its range holds is not known.
    const state: CoqlChainState = { ...data.state, expected: undefined };
    const rangeChain = (rangeId: number, from: CoqlChainState): SpiderChain =>
      chain<CoqlData>('coql', { module, explicit, state: from, rangeId, ...richOf(data) });
    const reader: RangeReader<SpiderChain> = {
      chainOf: (range, rangeId) => rangeChain(rangeId, { ...state, range }),
      pageRows: COQL_MAX_ROWS,
      minSteal: MIN_STEAL_PAGES * COQL_MAX_ROWS,
    };
    if (noted) {
      yield* this.resumeRanges(module, data.first!, noted, reader);
      return;
    }
    const ascQuery = coqlQueryOf(state);
    const descQuery = { ...ascQuery, newestFirst: true };
    const [asc, desc] = await Promise.all([this.fetchCoql(ascQuery), this.fetchCoql(descQuery)]);
    const ascPage = this.coqlPageOf(asc, data, ascQuery);
    const descPage = ascPage && this.coqlPageOf(desc, data, descQuery);
    if (!ascPage || !descPage) return;
    if (ascPage.rows.length === 0 || descPage.rows.length === 0) {
      // Emptied between the count and these calls: one chain, from the start.
      yield* this.moduleStart(module, data.first!);
      yield chain<CoqlData>('coql', { ...data, first: undefined });
      return;
    }
    const times = descPage.rows.map((row) => this.keysetOf(row).at);
    const lowest = Math.min(...times);
    const repeat = this.repeatOf(module);
    let top = descPage.rows.filter((_, i) => times[i] > lowest).map((row) => coqlRecord(row, state.fields));
    if (repeat) top = top.filter((r) => !repeat(r));
    const ranges = splitTime(this.keysetOf(ascPage.rows[0]).at, lowest + 1000, k);
    const firstRange = this.takeCoql({ ...state, range: ranges[0] }, ascPage, repeat);
    const topRange = { start: lowest + 1000, end: Math.max(...times) + 1000 };
    const next = firstRange.next && { at: firstRange.next.after?.at, written: firstRange.next.written };
    yield* this.openRanges(data, ranges, { records: firstRange.records, next }, { records: top, range: topRange }, 'read by COQL', reader, (rangeId) =>
      rangeChain(rangeId, firstRange.next!),
    );
  }

  /** The query of a COQL chain's next page, with its range's end as it stands (a steal may have moved it earlier). */
  private coqlQueryNow(data: CoqlData): CoqlQuery {
    const { state, rangeId } = data;
    if (rangeId === undefined || !state.range) return coqlQueryOf(state);
    const end = this.ranged.endOf(data.module, rangeId, state.range.end);
    return coqlQueryOf(end === state.range.end ? state : { ...state, range: { ...state.range, end } });
  }

  /** One COQL call, within Zoho's sub-concurrency of complex calls (reference §8), as sort_by reads are. */
  private fetchCoql(query: CoqlQuery): Promise<CoqlAnswer> {
    return this.send(coqlCall(query), true).then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    );
  }

  /** A COQL answer's rows; undefined when the module is refused (skipped, on its first page only). */
  private coqlPageOf(result: CoqlAnswer, data: CoqlData, query: CoqlQuery): { rows: CoqlRow[]; more: boolean } | undefined {
    const { module, explicit } = data;
    if ('error' in result) {
      // A query Zoho could not run is the crawler's to fix: said once, naming the module and what was wrong.
      const refusedQuery = coqlQueryError(result.error, query);
      if (refusedQuery) throw this.failure(refusedQuery);
      if (data.first && this.refused(module, explicit, result.error)) return undefined;
      throw this.failure(result.error);
    }
    const { answer } = result;
    // 204: no rows (an empty module, or nothing changed since `since`).
    if (answer.status !== 200) return { rows: [], more: false };
    const page = parseBody(coqlAnswerSchema, answer.body, `POST /coql (${module})`);
    return { rows: page.data, more: page.info.more_records };
  }

  private keysetOf(row: CoqlRow): Keyset {
    try {
      return keysetOf(row);
    } catch (error) {
      throw this.failure(error);
    }
  }

  private takeCoql(state: CoqlChainState, page: { rows: CoqlRow[]; more: boolean }, repeat?: (r: CoqlRecord) => boolean, end?: number): CoqlPageOutcome {
    try {
      return takeCoqlPage(state, page.rows, page.more, repeat, end);
    } catch (error) {
      throw this.failure(error);
    }
  }

  /** One page of a COQL chain: its records and the next page's state (coql-chain.ts). */
  private parseCoql(result: CoqlAnswer, data: CoqlData): PageParse<CoqlData> {
    const { module, state, rangeId } = data;
    const query = this.coqlQueryNow(data);
    const page = this.coqlPageOf(result, data, query);
    if (!page) return { outputs: [] };
    const outcome = this.takeCoql(state, page, this.coqlRepeat(data), query.range?.end);
    const next = outcome.next ? { ...data, first: undefined, state: outcome.next } : undefined;
    const step: RangeStep = outcome.next
      ? { reading: true, at: outcome.next.after?.at, written: outcome.next.written }
      : { reading: false, written: state.written + outcome.records.length };
    const stolen = this.rangeStep(module, rangeId, step);
    return { outputs: this.coqlOutputs(data, outcome.records, outcome.next === undefined, stolen), next };
  }

  /**
   * What a COQL page drops: the overlap an earlier run stored (incremental) and, on a chain that is not
   * a range's (nothing bounds it above), a record met again at a newer Modified_Time after a change
   * while the chain read: its first version is in the run, the newer one is the next run's.
   */
  private coqlRepeat(data: CoqlData): ((record: CoqlRecord) => boolean) | undefined {
    const repeat = this.repeatOf(data.module);
    if (data.rangeId !== undefined) return repeat;
    let seen = this.coqlSeen.get(data.module);
    if (!seen) this.coqlSeen.set(data.module, (seen = new Set()));
    const ids = seen;
    return (record) => {
      if (ids.has(record.id) || repeat?.(record)) return true;
      ids.add(record.id);
      return false;
    };
  }

  /** A COQL page's outputs; the rich-text completion runs while the engine fetches the next page. */
  private async *coqlOutputs(data: CoqlData, found: CoqlRecord[], last: boolean, stolen?: Stolen): AsyncIterable<SpiderOutput> {
    const { module } = data;
    const records = await this.complete(data, found);
    if (data.first) yield* this.moduleStart(module, data.first);
    for (const record of records) yield this.recordItem(module, record);
    if (!last) return;
    if (data.state.range) {
      // The module's end is the paginator's `ended` word, once this page is committed.
      if (stolen) {
        await this.noteRanges(stolen.module);
        yield stolen.chain;
      }
      return;
    }
    this.coqlSeen.delete(module);
    yield* this.endOf(module, 'record');
    const written = data.state.written + found.length;
    this.log.info(`${module}: ${written} record(s) by COQL`);
    // Fewer rows than actions/count (converted=both, approved=both) counts: what COQL leaves out is not documented
    // (converted Leads and records awaiting approval are UNVERIFIED), so it is said rather than passed off as the module.
    const expected = data.state.expected;
    if (expected !== undefined && written < expected) {
      this.log.warn(`${module}: COQL gave ${written} record(s) where actions/count says ${expected}; deleted meanwhile, or not returned by COQL`);
    }
  }

  private *firstDeleted(module: string): Iterable<SpiderChain> {
    if (!this.ctx.settings.ZOHO_INCLUDE_DELETED || this.subforms.has(module)) return;
    if (stemDone(this.ctx.resume, module, 'deleted')) {
      this.log.info(`${module}: deleted records finished before the run was resumed; not read again`);
      this.remaining.ended(module, 'deleted');
      return;
    }
    const ims = this.bookmarks.sinceFor(module, 'deleted');
    const data: DeletedData = { module, page: 1, ims, count: 0 };
    yield chain('deleted', data);
  }

  private fetchDeleted({ module, page, ims }: DeletedData): Promise<DeletedAnswer> {
    return this.api.send(deletedCall(module, page, ims ? new Date(ims) : undefined)).then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    );
  }

  /** One page of a deleted chain: its entries, and the next page while Zoho says there are more. */
  private parseDeleted(result: DeletedAnswer, data: DeletedData): PageParse<DeletedData> {
    const { module, page } = data;
    if ('error' in result) {
      const { error } = result;
      if (error instanceof ZohoApiError && (error.kind === 'permission' || error.kind === 'missing')) {
        const reason = `deleted records refused: ${error.status} ${error.code}`;
        this.log.warn(`${module}: ${reason}; skipped`);
        this.ctx.report.skip(`${module}-Deleted`, reason);
        return { outputs: [] };
      }
      throw this.failure(error);
    }
    const { answer } = result;
    if (answer.status !== 200) {
      this.log.info(`${module}: ${data.count} deleted record(s)`);
      return { outputs: [...this.endOf(module, 'deleted')] };
    }
    const body = entriesPageOf(answer.body, `GET /${module}/deleted`);
    const books = this.bookmarks;
    const fresh = books.mayRepeat(module, 'deleted') ? body.data.filter((entry) => !books.isRepeat(module, 'deleted', entry.object())) : body.data;
    const outputs: SpiderOutput[] = fresh.map((entry) => new JsonLineItem('deleted', module, entry.id, entry.line()));
    const count = data.count + fresh.length;
    // An empty page ends the log even if it claims more: asking page after page of nothing would never stop.
    if (body.data.length > 0 && morePages(body, 'number', MAX_PER_PAGE)) return { outputs, next: { ...data, page: page + 1, count } };
    this.log.info(`${module}: ${count} deleted record(s)`);
    outputs.push(...this.endOf(module, 'deleted'));
    return { outputs };
  }

  /**
   * A module the org refuses (403 NO_PERMISSION/NOT_SUPPORTED, e.g. Notes for non-admins) or no
   * longer has (INVALID_MODULE, 404) is skipped with a warning, and the run stays complete: the
   * original's rule, which holds for a whitelisted module too. Returns false for any other error.
   */
  private refused(module: string, explicit: boolean, error: unknown): boolean {
    const refusal = refusalOf(error);
    if (refusal === undefined) return false;
    const reason = `${explicit ? 'named in ZOHO_MODULE_WHITELIST, but ' : ''}${refusal}`;
    this.log.warn(`${module}: skipped, ${reason}`);
    this.ctx.report.skip(module, reason);
    this.remaining.dropped(module);
    return true;
  }

  override onRequestFailed(req: SpiderRequest, error: Error): void {
    const module = String(req.userData?.module ?? req.label);
    this.ctx.report.error(module, redactKnown(`${req.label}: ${error.message}`));
  }

  override onChainFailed(failed: SpiderChain, error: Error): void {
    const module = String(failed.state.module ?? failed.label);
    this.ctx.report.error(module, redactKnown(`${failed.label}: ${error.message}`));
  }

  override async close(): Promise<void> {
    if (!this.client) return;
    // Said now that every running callback has finished: the estimate counts all they stored.
    if (this.client.exhausted) this.ctx.report.stoppedBy = this.stopMessage(this.client.exhausted);
    const p = this.client.pushback;
    this.log.info(
      `zoho: ${this.ctx.report.api.requests} API call(s), ${this.ctx.report.api.credits} credit(s); ` +
        `pushback: ${p.throttled} throttled, ${p.server} server errors, ${p.network} cut connections, ${p.renewals} token renewals; ` +
        `${this.tokens?.grants ?? 0} token grant(s); at most ${this.pace.peak} call(s) in flight; credits by module: ${this.creditsByModule()}`,
    );
  }

  /** "Leads 12, Contacts 4", most expensive first: where a run's credits went. */
  private creditsByModule(): string {
    const spent = Object.entries(this.ctx.report.apiByModule).sort(([a, x], [b, y]) => y.credits - x.credits || a.localeCompare(b));
    return spent.map(([module, { credits }]) => `${module} ${credits}`).join(', ') || '(none)';
  }

  /** The stop of the run once Zoho's daily credits are spent: the engine keeps what was fetched and the run resumable. */
  private stop(error: CreditsExhaustedError): StopCrawlError {
    return new StopCrawlError(this.stopMessage(error));
  }

  private stopMessage(error: CreditsExhaustedError): string {
    // A budget passes with the invocation, the daily credits only with Zoho's rolling window.
    const when = error instanceof CreditBudgetError
      ? 'with a fresh ZOHO_CREDIT_BUDGET'
      : 'once the org has credits again (Zoho counts them over a rolling 24 hours)';
    return (
      `${error.message}; everything fetched is kept and run ${this.ctx.runId} stays resumable: ` +
      `\`npm run crawl zoho\` continues it ${when}; ` +
      `the rest needs ${describeEstimate(this.remaining.estimate((module) => this.ctx.stored?.(module, 'record') ?? 0))}`
    );
  }

  /** Errors the client already retried (or that retrying cannot fix) end the request at once; spent credits stop the run. */
  private failure(error: unknown): Error {
    return error instanceof CreditsExhaustedError ? this.stop(error) : failure(error);
  }

  /** A request's URL in the queue: the API URL of its (first) call; never a token. */
  private urlOf(call: ApiCall): string {
    return `${this.apiBase || 'https://zoho.invalid'}${call.path}`;
  }
}

/** The message of a failure in startRequests: auth and the module list must say what to check. */
function startFailure(error: unknown): string {
  if (error instanceof ZohoAuthError) return error.message;
  if (error instanceof ZohoApiError) {
    if (error.kind === 'scope') {
      const scopes = 'ZohoCRM.settings.modules.READ, ZohoCRM.settings.fields.READ and ZohoCRM.modules.READ';
      return `${error.message}; the token lacks a scope: the self-client needs ${scopes}`;
    }
    if (error.kind === 'token') return `${error.message}; check ZOHO_REFRESH_TOKEN / ZOHO_CRM_AUTH_TOKEN`;
    return `listing modules failed: ${error.message}; check ZOHO_API_DOMAIN / ZOHO_DATA_CENTER`;
  }
  if (error instanceof RetriesExhaustedError) return `listing modules failed: ${error.message}; check ZOHO_API_DOMAIN / ZOHO_DATA_CENTER and the network`;
  return `listing modules failed: ${errorText(error)}`;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Errors the client already retried (or that retrying cannot fix) end the request at once. */
function failure(error: unknown): Error {
  if (error instanceof RetriesExhaustedError || error instanceof ZohoApiError || error instanceof ZohoAuthError || error instanceof ChainError) {
    return new NonRetryableError(error.message);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The run-marker note of a module read in ranges. */
const rangesKey = (module: string): string => `zoho.ranges:${module}`;

/** A note as the killed attempt wrote it, or undefined when it is not one (then the stem is read again whole). */
function rangesNoteOf(value: unknown): RangesNote | undefined {
  const isRange = (r: unknown): r is TimeRange =>
    typeof r === 'object' && r !== null && Number.isFinite((r as TimeRange).start) && Number.isFinite((r as TimeRange).end);
  if (typeof value !== 'object' || value === null) return undefined;
  const { ranges, top } = value as Partial<RangesNote>;
  if (!Array.isArray(ranges) || !ranges.every(isRange) || (top !== undefined && !isRange(top))) return undefined;
  return { ranges, ...(top ? { top } : {}) };
}

/** Epoch ms of a record's Modified_Time (NaN when unreadable). */
const modifiedTime = (record: RawEntry | ZohoEntry): number => (typeof record.Modified_Time === 'string' ? Date.parse(record.Modified_Time) : Number.NaN);

/** A record's Modified_Time, which a read by ranges cannot do without. */
function timeOf(record: RawEntry | ZohoEntry): number {
  const at = modifiedTime(record);
  if (Number.isNaN(at)) throw failure(new ChainError(`record ${record.id} has no readable Modified_Time; cannot read the module by time ranges`));
  return at;
}

/** The lowest Modified_Time on an ascending first page: the oldest record of the module (within If-Modified-Since). */
function firstTime(pages: ReadonlyArray<EntriesPage<RawEntry | ZohoEntry> | null>): number | undefined {
  const times = timesOf(pages);
  return times.length ? Math.min(...times) : undefined;
}

/** The lowest Modified_Time on a page (the last record of a descending page). */
function lowestTime(pages: ReadonlyArray<EntriesPage<RawEntry | ZohoEntry> | null>): number | undefined {
  const times = timesOf(pages);
  return times.length ? Math.min(...times) : undefined;
}

function timesOf(pages: ReadonlyArray<EntriesPage<RawEntry | ZohoEntry> | null>): number[] {
  for (const page of pages) {
    const times = (page?.data ?? []).map(modifiedTime).filter((t) => !Number.isNaN(t));
    if (times.length) return times;
  }
  return [];
}

/** The rich-text fields a chain completes, as its data carries them. */
const richOf = (data: { rich?: string[] }): { rich?: string[] } => (data.rich ? { rich: data.rich } : {});

/** A page entry as an object. */
const objectOf = (entry: RawEntry | ZohoEntry): ZohoEntry => (entry instanceof RawEntry ? entry.object() : entry);

/** The record with `whole`'s rich-text values, as objects: where the byte splice cannot say the same line. */
function withWholeValues(out: ZohoEntry, whole: Record<string, unknown>, rich: readonly string[]): ZohoEntry {
  for (const f of rich) if (f in whole) out[f] = whole[f];
  return out;
}

/** An object's JSON bytes with one more key: `suffix` is `,"key":value}` and replaces the closing brace. */
function appendKey(json: Buffer, suffix: Buffer): Buffer {
  const out = Buffer.allocUnsafe(json.length - 1 + suffix.length);
  json.copy(out, 0, 0, json.length - 1);
  suffix.copy(out, json.length - 1);
  return out;
}
