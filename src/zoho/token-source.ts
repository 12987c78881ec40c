// Access tokens for the API: one OAuth refresh grant (self-client) against the data centre's
// accounts server, reused by every call until it nears expiry or Zoho answers 401 INVALID_TOKEN;
// then exactly one new grant, shared by every call in flight. Or a static ZOHO_CRM_AUTH_TOKEN.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { apiBaseOf, type ResolvedHosts } from './data-centers.js';
import { ZohoAuthError } from './errors.js';
import { tokenAnswerSchema, tokenFailureSchema, type TokenSuccess } from './schemas.js';
import type { z } from 'zod';

export interface AccessToken {
  token: string;
  /** Where API calls go with this token. */
  apiBase: string;
}

export interface Credentials {
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** A ready access token; used only when there is no refresh token. */
  staticToken?: string;
}

export interface TokenSourceOptions {
  hosts: ResolvedHosts;
  credentials: Credentials;
  backoff: BackoffPolicy;
  /** Attempts of one grant after 5xx, dropped connections or Zoho's grant throttle. */
  grantRetries: number;
  timeoutMs: number;
  /** Called with each new access token before it is used (the logger must learn to redact it). */
  onToken?: (token: string) => void;
  /** Told about waits and renewals; no secrets pass through it. */
  log?: (level: 'info' | 'warn' | 'debug', message: string) => void;
  now?: () => number;
}

/** Which credentials are missing, as the one message a user needs; undefined when usable. */
export function missingCredentials(c: Credentials): string | undefined {
  if (c.refreshToken) {
    const lacking = [!c.clientId && 'ZOHO_CLIENT_ID', !c.clientSecret && 'ZOHO_CLIENT_SECRET'].filter(Boolean);
    if (lacking.length) return `${lacking.join(' and ')}: not set; expected them with ZOHO_REFRESH_TOKEN (the self-client's client id and secret)`;
    return undefined;
  }
  if (c.staticToken) return undefined;
  return 'ZOHO_REFRESH_TOKEN (with ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET) or ZOHO_CRM_AUTH_TOKEN: no Zoho credentials set; expected a self-client refresh token and its client id/secret, or a ready access token';
}

class GrantThrottled extends Error {}
class GrantTransient extends Error {}

export class TokenSource {
  private current?: { token: AccessToken; expiresAt: number };
  private pending?: Promise<AccessToken>;
  private staticRejected = false;
  /**
   * A grant that failed for good (bad client, revoked token, still throttled after the waits). It
   * stands for the rest of the run: asking again would only deepen Zoho's throttle.
   */
  private failed?: ZohoAuthError;
  /** Grants obtained so far (for tests and the log). */
  grants = 0;

  constructor(private readonly opts: TokenSourceOptions) {
    const missing = missingCredentials(opts.credentials);
    if (missing) throw new ZohoAuthError(missing);
  }

  get canRefresh(): boolean {
    return Boolean(this.opts.credentials.refreshToken);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** The token to use now: the current one, or the one being obtained (one grant for all callers). */
  async get(): Promise<AccessToken> {
    if (!this.canRefresh) {
      if (this.staticRejected) {
        throw new ZohoAuthError(
          'ZOHO_CRM_AUTH_TOKEN: Zoho rejected the access token (expired or revoked; access tokens live one hour); set ZOHO_REFRESH_TOKEN with ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET so tokens are renewed',
        );
      }
      const token = this.opts.credentials.staticToken!;
      return { token, apiBase: apiBaseOf(this.opts.hosts) };
    }
    if (this.current && this.current.expiresAt > this.now()) return this.current.token;
    if (this.failed) throw this.failed;
    this.current = undefined;
    this.pending ??= this.grant().catch((error: unknown) => {
      if (error instanceof ZohoAuthError) this.failed = error;
      throw error;
    }).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Zoho answered 401 to a call made with `token`. Only the first caller with that token drops it;
   * calls that used an older token just retry with the current one, so a burst of 401s costs one grant.
   */
  invalidate(token: string): void {
    if (!this.canRefresh) {
      if (token === this.opts.credentials.staticToken) this.staticRejected = true;
      return;
    }
    if (this.current?.token.token === token) this.current = undefined;
  }

  private async grant(): Promise<AccessToken> {
    const { backoff, grantRetries } = this.opts;
    let lastProblem = '';
    for (let attempt = 0; attempt <= grantRetries; attempt++) {
      try {
        const answer = await this.requestGrant();
        return this.accept(answer);
      } catch (error) {
        if (error instanceof GrantThrottled) {
          lastProblem = error.message;
          if (attempt === grantRetries) break;
          // Zoho counts grants over a 10-minute window: waiting the longest backoff gives it time.
          this.opts.log?.('warn', `Zoho throttles access-token grants; waiting ${backoff.maxMs} ms before asking again (${attempt + 1}/${grantRetries})`);
          await sleep(backoff.maxMs);
          continue;
        }
        if (error instanceof GrantTransient) {
          lastProblem = error.message;
          if (attempt === grantRetries) break;
          const wait = backoffDelay(backoff, attempt);
          this.opts.log?.('debug', `token grant failed (${error.message}); retrying in ${wait} ms`);
          await sleep(wait);
          continue;
        }
        throw error;
      }
    }
    throw new ZohoAuthError(
      `ZOHO_REFRESH_TOKEN: could not obtain an access token from ${this.opts.hosts.accounts} after ${grantRetries + 1} attempts: ${lastProblem}`,
    );
  }

  private async requestGrant(): Promise<TokenSuccess> {
    const { hosts, credentials, timeoutMs } = this.opts;
    const url = `${hosts.accounts}/oauth/v2/token`;
    const body = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: credentials.clientId!,
      client_secret: credentials.clientSecret!,
      refresh_token: credentials.refreshToken!,
    });
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (error) {
      const hint = error instanceof Error ? error.message : String(error);
      throw new GrantTransient(`connection to the accounts server failed (${hint}); check ZOHO_DATA_CENTER / ZOHO_ACCOUNTS_URL`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status >= 500 || status === 429) throw new GrantTransient(`the accounts server answered HTTP ${status}`);
    const parsed = tokenAnswerSchema.safeParse(json);
    if (!parsed.success) {
      throw new ZohoAuthError(
        `ZOHO_ACCOUNTS_URL / ZOHO_DATA_CENTER: ${url} answered HTTP ${status} with no token and no OAuth error; expected Zoho's accounts server`,
      );
    }
    if ('error' in parsed.data) throw this.failure(parsed.data);
    if (status !== 200) throw new GrantTransient(`the accounts server answered HTTP ${status}`);
    return parsed.data;
  }

  /** Turns the accounts server's `{"error":…}` (HTTP 200!) into the message naming what to check. */
  private failure(answer: z.infer<typeof tokenFailureSchema>): Error {
    const error = answer.error;
    const description = (answer.error_description ?? '').slice(0, 200);
    if (/too many requests|access denied/i.test(`${error} ${description}`)) {
      return new GrantThrottled(`the accounts server throttled the grant (${error}${description ? `: ${description}` : ''}); Zoho allows 10 access tokens per refresh token in 10 minutes: wait, or stop other clients using the same ZOHO_REFRESH_TOKEN`);
    }
    const accounts = this.opts.hosts.accounts;
    switch (error) {
      case 'invalid_client':
        return new ZohoAuthError(
          `ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET: the accounts server ${accounts} answered invalid_client; check the self-client's id and secret, and that ZOHO_DATA_CENTER (or ZOHO_ACCOUNTS_URL) is the org's data centre`,
        );
      case 'invalid_code':
      case 'invalid_grant':
        return new ZohoAuthError(
          `ZOHO_REFRESH_TOKEN: the accounts server ${accounts} answered ${error}; the refresh token is wrong, revoked or from another data centre (check ZOHO_DATA_CENTER)`,
        );
      default:
        return new ZohoAuthError(
          `ZOHO_REFRESH_TOKEN / ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET: the accounts server ${accounts} answered ${error}${description ? ` (${description})` : ''}`,
        );
    }
  }

  private accept(answer: TokenSuccess): AccessToken {
    this.opts.onToken?.(answer.access_token);
    this.grants++;
    const lifetimeMs = (answer.expires_in ?? 3600) * 1000;
    // Renew a little before Zoho would refuse it, so long calls do not start with a dying token.
    const margin = Math.min(60_000, lifetimeMs / 10);
    const token: AccessToken = { token: answer.access_token, apiBase: apiBaseOf(this.opts.hosts, answer.api_domain) };
    this.current = { token, expiresAt: this.now() + lifetimeMs - margin };
    this.opts.log?.('debug', `obtained an access token (valid ${Math.round(lifetimeMs / 1000)} s)`);
    return token;
  }
}
