// One Zoho API call: the framework's HttpClient sends it (token, pace, retries, renewal); this file
// holds only what is Zoho's — which answers mean what (error bodies under 2xx, the credits header and
// the daily limit) and If-Modified-Since — and stops every call once credits are spent
// or the next one would pass the crawl's credit budget (ZOHO_CREDIT_BUDGET).
import type { AuthProvider } from '../http/auth.js';
import { HttpClient, retryAfterOf, type Verdict } from '../http/client.js';
import { NetworkError } from '../http/errors.js';
import type { Pace } from '../http/pace.js';
import type { RetryPolicy } from '../http/retry-policy.js';
import type { HttpAnswer } from '../http/transport.js';
import { apiErrorOf, CreditBudgetError, CreditsExhaustedError } from './errors.js';
import { PageShapeError, scanEntriesPage } from './entries-page.js';
import { formatIfModifiedSince, type ApiCall } from './requests.js';
import { apiErrorSchema, errorInAnswer, type ApiErrorBody } from './schemas.js';

export type ApiAnswer =
  /** body: parsed JSON; for an `entries` call a ScannedPage, or the PageShapeError it failed with. */
  | { status: 200; body: unknown }
  /** No content: nothing there (empty module, no deletions). */
  | { status: 204 }
  /** Not modified since If-Modified-Since. */
  | { status: 304 };

export interface ClientOptions {
  /** Zoho's OAuth token source (or a static token). */
  auth: AuthProvider;
  pace: Pace;
  /** Retries of one call after 429, 5xx or a cut connection, and the waits between them. */
  retry: RetryPolicy;
  timeoutMs: number;
  /** Told of every call sent (retries included) and, when answered, the credits it cost. */
  onSent?: (credits: number, call: ApiCall) => void;
  /** The most credits this client may spend (ZOHO_CREDIT_BUDGET); no call is sent that could pass it. */
  budget?: number;
  log?: (level: 'warn' | 'debug', message: string) => void;
}

export class ZohoClient {
  private readonly http: HttpClient;
  /** X-API-CREDITS-REMAINING of the latest answer that had it (Zoho sends it once half the credits are used). */
  creditsRemaining?: number;
  /** Set once the daily credits are known to be spent (or the budget reached): from then on no call is sent. */
  exhausted?: CreditsExhaustedError;
  /** Credits of answered calls plus those of calls in flight, which may yet cost theirs: what the budget is held against. */
  private committed = 0;

  constructor(private readonly opts: ClientOptions) {
    this.http = new HttpClient({ retry: opts.retry, timeoutMs: opts.timeoutMs, auth: opts.auth, pace: opts.pace, log: opts.log });
  }

  /** Calls answered 429, 5xx or cut, and token renewals, since the start (for the log). */
  get pushback(): HttpClient['pushback'] {
    return this.http.pushback;
  }

  /**
   * Sends one call (GET, or the POST of a COQL query: ApiCall.method). `slot`: a cap this call must
   * also fit under, per attempt (Zoho's sub-concurrency of complex calls: sort_by reads, COQL).
   */
  send(call: ApiCall, slot?: Pace): Promise<ApiAnswer> {
    // Whether this call's credits are held against the budget now (from its send until an answer that costs nothing).
    let held = false;
    return this.http.call<ApiAnswer>({
      what: call.endpoint,
      slot,
      request: (credential) => {
        const headers: Record<string, string> = { ...credential?.headers, accept: 'application/json' };
        if (call.ifModifiedSince) headers['if-modified-since'] = formatIfModifiedSince(call.ifModifiedSince);
        const url = `${credential?.baseUrl ?? ''}${call.path}`;
        // A COQL query is a POST of JSON, judged, retried, priced and gated like every other call.
        if (call.method === 'POST') return { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body: call.body ?? '{}' };
        return { url, headers };
      },
      judge: (answer) => this.judge(answer, call),
      gate: (when) => {
        if (this.exhausted) throw this.exhausted;
        // Held only once the call has its slot: a call still waiting for one holds nothing, so the budget is spent to the last credit.
        if (when === 'sending' && !held) held = this.hold(call);
      },
      onAttempt: (verdict) => {
        const cost = costs(verdict) ? call.credits : 0;
        // A 429 or a cut call cost nothing: its credits are free again. A charged attempt (a 401 too)
        // keeps them spent. Either way a retry holds its own.
        if (cost === 0 && held) this.committed -= call.credits;
        held = false;
        this.opts.onSent?.(cost, call);
      },
    });
  }

  /**
   * Holds the call's credits against the budget before it is sent (its cost is known: ApiCall.credits),
   * counting calls in flight too, so that concurrent calls together cannot pass it. A call that would
   * pass it closes the gate for every call: the crawl stops as it does for spent daily credits.
   */
  private hold(call: ApiCall): boolean {
    const { budget } = this.opts;
    if (budget === undefined) return false;
    if (this.committed + call.credits > budget) throw (this.exhausted = new CreditBudgetError(budget, this.committed, call));
    this.committed += call.credits;
    return true;
  }

  private judge(res: HttpAnswer, call: ApiCall): Verdict<ApiAnswer> {
    const remaining = creditsHeader(res.header('x-api-credits-remaining'));
    if (remaining !== undefined) this.creditsRemaining = remaining;
    const verdict = this.meaning(res, call, remaining);
    // The answer is good; the next call would be refused, so none is sent.
    if (verdict.kind === 'done' && this.creditsRemaining === 0) {
      this.exhausted ??= new CreditsExhaustedError(`Zoho's daily API credit limit is reached (X-API-CREDITS-REMAINING: 0 after ${call.endpoint})`);
    }
    return verdict;
  }

  /** What the answer means; `remaining` is its X-API-CREDITS-REMAINING, which an error carries. */
  private meaning(res: HttpAnswer, call: ApiCall, remaining: number | undefined): Verdict<ApiAnswer> {
    const { body: bytes } = res;
    if (res.status === 204 || res.status === 304) return { kind: 'done', value: { status: res.status } };
    if (res.status >= 200 && res.status < 300) {
      // A 2xx with no body at all says what 204 says: nothing there (a cut answer is caught by the transport).
      if (isBlank(bytes)) return { kind: 'done', value: { status: 204 } };
      try {
        const body = call.entries ? scanEntriesPage(bytes) : JSON.parse(bytes.toString('utf8'));
        const carried = call.entries ? undefined : errorInAnswer(body);
        if (carried) return this.failed(res, carried, call, remaining);
        return { kind: 'done', value: { status: 200, body } };
      } catch (error) {
        if (error instanceof PageShapeError) {
          // A 2xx holding an error body is that error; other valid JSON of the wrong shape is the caller's to report (not retried).
          const carried = errorInAnswer(JSON.parse(bytes.toString('utf8')));
          if (carried) return this.failed(res, carried, call, remaining);
          return { kind: 'done', value: { status: 200, body: error } };
        }
        // A 2xx whose body is not JSON was cut short or mangled on the way: worth another try.
        const mangled = new Error(`HTTP ${res.status} with an unreadable body (${bytes.length} bytes)`);
        return { kind: 'retry', reason: 'server', error: new NetworkError(call.endpoint, mangled) };
      }
    }
    let body: unknown;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      body = undefined;
    }
    const parsed = apiErrorSchema.safeParse(body);
    return this.failed(res, parsed.success ? parsed.data : undefined, call, remaining);
  }

  private failed(res: HttpAnswer, body: ApiErrorBody | undefined, call: ApiCall, remaining: number | undefined): Verdict<ApiAnswer> {
    const error = apiErrorOf(res.status, body, call.endpoint, remaining);
    switch (error.kind) {
      case 'throttle':
      case 'server':
        return { kind: 'retry', reason: error.kind, error, retryAfterMs: retryAfterOf(res) };
      case 'token':
        return { kind: 'reauth', error };
      case 'credits':
        this.exhausted ??= new CreditsExhaustedError(error);
        return { kind: 'fail', error: this.exhausted };
      default:
        return { kind: 'fail', error };
    }
  }
}

/** Zoho charges an answered call, refused or not; a 429 (whichever limit it names) and a dropped call cost nothing. */
function costs(verdict: Verdict<ApiAnswer>): boolean {
  if (verdict.kind === 'retry') return false;
  return !(verdict.kind === 'fail' && verdict.error instanceof CreditsExhaustedError);
}

/** X-API-CREDITS-REMAINING as a whole number, or undefined when absent or not a number. */
function creditsHeader(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return undefined;
  return Math.max(0, Number(value));
}

/** Only JSON whitespace (or nothing). */
function isBlank(bytes: Buffer): boolean {
  for (const c of bytes) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  return true;
}
