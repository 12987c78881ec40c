// One Zoho API call, done properly: a token from the shared TokenSource, a slot from the shared
// Pace, the answer classified; 401 → one shared token renewal and a retry; 429 → wait (Retry-After,
// else backoff) and lower the pace; 5xx and cut connections → retry with backoff. What is left
// (4xx the caller must decide on, or retries spent) is thrown as a typed error.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, parseRetryAfter, type BackoffPolicy } from './backoff.js';
import { apiErrorOf, NetworkError, RetriesExhaustedError, ZohoApiError, ZohoAuthError } from './errors.js';
import type { Pace } from './pace.js';
import { PageShapeError, scanEntriesPage } from './entries-page.js';
import { httpGet, type GetAnswer } from './http-get.js';
import { formatIfModifiedSince, type ApiCall } from './requests.js';
import { apiErrorSchema } from './schemas.js';
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

  constructor(private readonly opts: ClientOptions) {}

  async get(call: ApiCall): Promise<ApiAnswer> {
    const { tokens, pace, backoff, retries } = this.opts;
    let failures = 0;
    let renewals = 0;
    for (;;) {
      const token = await tokens.get();
      let outcome: ApiAnswer | Error;
      let retryAfterMs: number | undefined;
      const release = await pace.acquire();
      try {
        const sent = await this.send(token.apiBase, token.token, call);
        outcome = sent.outcome;
        retryAfterMs = sent.retryAfterMs;
      } finally {
        release();
      }
      const answered = !(outcome instanceof NetworkError) && !(outcome instanceof ZohoApiError && outcome.retryable);
      this.opts.onSent?.(answered ? call.credits : 0);
      if (!(outcome instanceof Error)) {
        pace.onSuccess();
        return outcome;
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
  private async send(apiBase: string, token: string, call: ApiCall): Promise<{ outcome: ApiAnswer | Error; retryAfterMs?: number }> {
    const headers: Record<string, string> = { authorization: `Zoho-oauthtoken ${token}`, accept: 'application/json' };
    if (call.ifModifiedSince) headers['if-modified-since'] = formatIfModifiedSince(call.ifModifiedSince);
    let res: GetAnswer;
    try {
      res = await httpGet(`${apiBase}${call.path}`, headers, this.opts.timeoutMs);
    } catch (error) {
      return { outcome: new NetworkError(call.endpoint, error) };
    }
    const { body: bytes } = res;
    if (res.status === 204 || res.status === 304) return { outcome: { status: res.status } };
    if (res.status >= 200 && res.status < 300) {
      // A 2xx with no body at all says what 204 says: nothing there (not a cut answer: that is caught in httpGet).
      if (isBlank(bytes)) return { outcome: { status: 204 } };
      try {
        return { outcome: { status: 200, body: call.entries ? scanEntriesPage(bytes) : JSON.parse(bytes.toString('utf8')) } };
      } catch (error) {
        // Valid JSON of the wrong shape is the caller's to report (it is not retried).
        if (error instanceof PageShapeError) return { outcome: { status: 200, body: error } };
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
    const error = apiErrorOf(res.status, parsed.success ? parsed.data : undefined, call.endpoint);
    return { outcome: error, retryAfterMs: error.retryable ? parseRetryAfter(res.header('retry-after')) : undefined };
  }
}

/** Only JSON whitespace (or nothing). */
function isBlank(bytes: Buffer): boolean {
  for (const c of bytes) if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  return true;
}
