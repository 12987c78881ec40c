// One Zoho API call, done properly: a token from the shared TokenSource, a slot from the shared
// Pace, the answer classified; 401 → one shared token renewal and a retry; 429 → wait (Retry-After,
// else backoff) and lower the pace; 5xx and cut connections → retry with backoff. What is left
// (4xx the caller must decide on, or retries spent) is thrown as a typed error.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, parseRetryAfter, type BackoffPolicy } from './backoff.js';
import { apiErrorOf, CreditsExhaustedError, NetworkError, RetriesExhaustedError, ZohoApiError, ZohoAuthError } from './errors.js';
import type { Pace } from './pace.js';
import { PageShapeError, scanEntriesPage } from './entries-page.js';
import { httpGet, type GetAnswer } from './http-get.js';
import { formatIfModifiedSince, type ApiCall } from './requests.js';
import { apiErrorSchema, errorInAnswer, type ApiErrorBody } from './schemas.js';
import type { TokenSource } from './token-source.js';

export type ApiAnswer =
  /** body: parsed JSON; for an `entries` call a ScannedPage, or the PageShapeError it failed with. */
  | { status: 200; body: unknown }
  /** No content: nothing there (empty module, no deletions). */
  | { status: 204 }
  /** Not modified since If-Modified-Since. */
  | { status: 304 };

export interface ClientOptions {
  tokens: TokenSource;
  pace: Pace;
  backoff: BackoffPolicy;
  /** Retries of one call after 429, 5xx or a cut connection. */
  retries: number;
  timeoutMs: number;
  /** Told of every call sent (retries included) and, when answered, the credits it cost. */
  onSent?: (credits: number) => void;
  log?: (level: 'warn' | 'debug', message: string) => void;
}

/** Renewals of the access token one call may trigger: more means the new tokens are refused too. */
const MAX_TOKEN_RENEWALS = 3;

export class ZohoClient {
  /** Calls answered 429, 5xx or cut, since the start (for the log). */
  readonly pushback = { throttled: 0, server: 0, network: 0, renewals: 0 };
  /** X-API-CREDITS-REMAINING of the latest answer that had it (Zoho sends it once half the credits are used). */
  creditsRemaining?: number;
  /** Set once the daily credits are known to be spent: from then on no call is sent. */
  exhausted?: CreditsExhaustedError;

  constructor(private readonly opts: ClientOptions) {}

  async get(call: ApiCall): Promise<ApiAnswer> {
    const { tokens, pace, backoff, retries } = this.opts;
    let failures = 0;
    let renewals = 0;
    for (;;) {
      if (this.exhausted) throw this.exhausted;
      const token = await tokens.get();
      let outcome: ApiAnswer | Error;
      let retryAfterMs: number | undefined;
      const release = await pace.acquire();
      try {
        // Checked again after the wait for a slot: the answer that spent the credits may have come meanwhile.
        if (this.exhausted) throw this.exhausted;
        const sent = await this.send(token.apiBase, token.token, call);
        outcome = sent.outcome;
        retryAfterMs = sent.retryAfterMs;
        if (sent.creditsRemaining !== undefined) this.creditsRemaining = sent.creditsRemaining;
      } finally {
        release();
      }
      // A 429 costs nothing, whichever limit it names.
      const answered = !(outcome instanceof NetworkError) && !(outcome instanceof ZohoApiError && (outcome.retryable || outcome.kind === 'credits'));
      this.opts.onSent?.(answered ? call.credits : 0);
      if (!(outcome instanceof Error)) {
        pace.onSuccess();
        // The answer is good; the next call would be refused, so none is sent.
        if (this.creditsRemaining === 0) this.exhausted ??= new CreditsExhaustedError(`Zoho's daily API credit limit is reached (X-API-CREDITS-REMAINING: 0 after ${call.endpoint})`);
        return outcome;
      }
      if (outcome instanceof ZohoApiError && outcome.kind === 'credits') {
        this.exhausted ??= new CreditsExhaustedError(outcome);
        throw this.exhausted;
      }
      if (outcome instanceof ZohoApiError && outcome.kind === 'token') {
        tokens.invalidate(token.token);
        this.pushback.renewals++;
        if (++renewals > MAX_TOKEN_RENEWALS) {
          throw new ZohoAuthError(`${call.endpoint}: Zoho kept refusing fresh access tokens (${outcome.code}); check ZOHO_REFRESH_TOKEN and its scopes`);
        }
        continue;
      }
      const retryable = outcome instanceof NetworkError || (outcome instanceof ZohoApiError && outcome.retryable);
      if (!retryable) throw outcome;
      if (outcome instanceof ZohoApiError && outcome.kind === 'throttle') {
        this.pushback.throttled++;
        pace.onThrottle();
      } else if (outcome instanceof ZohoApiError) {
        this.pushback.server++;
      } else {
        this.pushback.network++;
      }
      if (failures >= retries) throw new RetriesExhaustedError(failures + 1, outcome);
      const wait = backoffDelay(backoff, failures, retryAfterMs);
      failures++;
      // A 429 now and then is routine (debug); a call that keeps failing is worth a visible line.
      this.opts.log?.(failures >= 3 ? 'warn' : 'debug', `${call.endpoint}: ${outcome.message}; retry ${failures}/${retries} in ${wait} ms (pace ${pace.allowed})`);
      await sleep(wait);
    }
  }

  /** Sends once; never throws for HTTP or network trouble, returns it as the outcome. */
  private async send(apiBase: string, token: string, call: ApiCall): Promise<{ outcome: ApiAnswer | Error; retryAfterMs?: number; creditsRemaining?: number }> {
    const headers: Record<string, string> = { authorization: `Zoho-oauthtoken ${token}`, accept: 'application/json' };
    if (call.ifModifiedSince) headers['if-modified-since'] = formatIfModifiedSince(call.ifModifiedSince);
    let res: GetAnswer;
    try {
      res = await httpGet(`${apiBase}${call.path}`, headers, this.opts.timeoutMs);
    } catch (error) {
      return { outcome: new NetworkError(call.endpoint, error) };
    }
    const { body: bytes } = res;
    const creditsRemaining = creditsHeader(res.header('x-api-credits-remaining'));
    if (res.status === 204 || res.status === 304) return { outcome: { status: res.status }, creditsRemaining };
    if (res.status >= 200 && res.status < 300) {
      // A 2xx with no body at all says what 204 says: nothing there (not a cut answer: that is caught in httpGet).
      if (isBlank(bytes)) return { outcome: { status: 204 }, creditsRemaining };
      try {
        const body = call.entries ? scanEntriesPage(bytes) : JSON.parse(bytes.toString('utf8'));
        const carried = call.entries ? undefined : errorInAnswer(body);
        if (carried) return this.failed(res, carried, call, creditsRemaining);
        return { outcome: { status: 200, body }, creditsRemaining };
      } catch (error) {
        if (error instanceof PageShapeError) {
          // A 2xx holding an error body is that error; other valid JSON of the wrong shape is the caller's to report (not retried).
          const carried = errorInAnswer(JSON.parse(bytes.toString('utf8')));
          if (carried) return this.failed(res, carried, call, creditsRemaining);
          return { outcome: { status: 200, body: error }, creditsRemaining };
        }
        // A 2xx whose body is not JSON was cut short or mangled on the way: worth another try.
        return { outcome: new NetworkError(call.endpoint, new Error(`HTTP ${res.status} with an unreadable body (${bytes.length} bytes)`)) };
      }
    }
    const text = bytes.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = apiErrorSchema.safeParse(body);
    return this.failed(res, parsed.success ? parsed.data : undefined, call, creditsRemaining);
  }

  private failed(res: GetAnswer, body: ApiErrorBody | undefined, call: ApiCall, creditsRemaining: number | undefined): { outcome: ZohoApiError; retryAfterMs?: number; creditsRemaining?: number } {
    const error = apiErrorOf(res.status, body, call.endpoint, creditsRemaining);
    return { outcome: error, retryAfterMs: error.retryable ? parseRetryAfter(res.header('retry-after')) : undefined, creditsRemaining };
  }
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
