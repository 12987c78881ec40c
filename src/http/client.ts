// One call, done properly, for any spider: a credential from the auth provider, a slot from the
// shared Pace, the answer judged by the caller (only the API knows what its answers mean); a refused
// credential → one shared renewal and a retry; throttling and server trouble → wait (Retry-After,
// else backoff) and, for throttling, lower the pace; dropped connections → retry with backoff.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthProvider, Credential } from './auth.js';
import { NetworkError, RetriesExhaustedError } from './errors.js';
import type { Pace } from './pace.js';
import { backoffDelay, parseRetryAfter, type RetryPolicy } from './retry-policy.js';
import { send, type HttpAnswer, type HttpRequest } from './transport.js';

/** What an answer means, decided by whoever knows the API. */
export type Verdict<T> =
  | { kind: 'done'; value: T }
  /** Worth another try: the server is busy (`throttle`, which lowers the pace) or failing (`server`). */
  | { kind: 'retry'; reason: 'throttle' | 'server'; error: Error; retryAfterMs?: number }
  /** The credential was refused: renew it (once for all callers) and try again. */
  | { kind: 'reauth'; error: Error }
  | { kind: 'fail'; error: Error };

export interface Call<T> {
  /** Names the call in logs and errors, e.g. "GET /crm/v8/Leads"; never holds a secret. */
  what: string;
  /** Built per attempt: the credential may have changed, and with it the base URL. */
  request(credential: Credential | undefined): HttpRequest;
  judge(answer: HttpAnswer): Verdict<T>;
  /**
   * Runs before each attempt (`queued`) and again once its slot is granted (`sending`: nothing waits
   * between this and the send); throws to send nothing more.
   */
  gate?(when: 'queued' | 'sending'): void;
  /**
   * A second cap this kind of call must also fit under, per attempt (Zoho's sub-concurrency of sort_by
   * reads): taken before the crawl's pace, so no pace slot waits on it, and never held through a backoff.
   */
  slot?: Pace;
  /** Told of every attempt's verdict (a network failure is a `retry` with a NetworkError). */
  onAttempt?(verdict: Verdict<T>): void;
}

export interface HttpClientOptions {
  retry: RetryPolicy;
  /** The whole exchange, a slow body included. */
  timeoutMs: number;
  auth?: AuthProvider;
  /** Shared by every client of the crawl, so the cap on calls in flight holds across them. */
  pace?: Pace;
  log?: (level: 'warn' | 'debug', message: string) => void;
}

/** Renewals of the credential one call may trigger: more means the renewed ones are refused too. */
const MAX_RENEWALS = 3;

export class HttpClient {
  /** Attempts answered by throttling or server errors, dropped, or refused for their credential, since the start. */
  readonly pushback = { throttled: 0, server: 0, network: 0, renewals: 0 };

  constructor(readonly opts: HttpClientOptions) {}

  /** The call's value, or its error: a `fail` verdict, retries spent (RetriesExhaustedError), or what `gate` threw. */
  async call<T>(call: Call<T>): Promise<T> {
    const { retry, pace, log } = this.opts;
    let failures = 0;
    let renewals = 0;
    for (;;) {
      call.gate?.('queued');
      const credential = await this.opts.auth?.current();
      const releaseSlot = call.slot ? await call.slot.acquire() : undefined;
      const release = pace ? await pace.acquire() : undefined;
      let verdict: Verdict<T>;
      try {
        // Checked again after the wait for a slot: what closes the gate may have come meanwhile.
        call.gate?.('sending');
        verdict = await this.attempt(call, credential);
      } finally {
        release?.();
        releaseSlot?.();
      }
      // Reported right after the slot is given back, with no await between: Pace matches the outcome to that slot.
      if (verdict.kind === 'retry' && verdict.reason === 'throttle') pace?.onThrottle();
      else if (verdict.kind === 'done') pace?.onSuccess();
      call.onAttempt?.(verdict);
      if (verdict.kind === 'done') return verdict.value;
      if (verdict.kind === 'fail') throw verdict.error;
      if (verdict.kind === 'reauth') {
        if (!credential) throw verdict.error;
        credential.reject();
        this.pushback.renewals++;
        if (++renewals > MAX_RENEWALS) throw this.opts.auth?.refusedAfterRenewals?.(call.what, verdict.error) ?? verdict.error;
        continue;
      }
      this.count(verdict);
      if (failures >= retry.retries) throw new RetriesExhaustedError(failures + 1, verdict.error);
      const wait = backoffDelay(retry, failures, verdict.retryAfterMs);
      failures++;
      // A 429 now and then is routine (debug); a call that keeps failing is worth a visible line.
      const paced = pace ? ` (pace ${pace.allowed})` : '';
      log?.(failures >= 3 ? 'warn' : 'debug', `${verdict.error.message}; retry ${failures}/${retry.retries} in ${wait} ms${paced}`);
      await sleep(wait);
    }
  }

  /** Sends once; network trouble becomes a `retry` verdict, never a throw. */
  private async attempt<T>(call: Call<T>, credential: Credential | undefined): Promise<Verdict<T>> {
    let answer: HttpAnswer;
    try {
      answer = await send(call.request(credential), this.opts.timeoutMs);
    } catch (error) {
      return { kind: 'retry', reason: 'server', error: new NetworkError(call.what, error) };
    }
    return call.judge(answer);
  }

  private count(verdict: Verdict<unknown> & { kind: 'retry' }): void {
    if (verdict.error instanceof NetworkError) this.pushback.network++;
    else if (verdict.reason === 'throttle') this.pushback.throttled++;
    else this.pushback.server++;
  }
}

/** The server's Retry-After of an answer, in milliseconds, for a `retry` verdict. */
export function retryAfterOf(answer: HttpAnswer): number | undefined {
  return parseRetryAfter(answer.header('retry-after'));
}
