// Zoho's side of authentication: a self-client's OAuth refresh grant against the data centre's
// accounts server (its answers, its throttle, its api_domain), or a static ZOHO_CRM_AUTH_TOKEN. The
// framework's RefreshingAuth keeps the token, renews it once for all callers, and its HttpClient retries.
import type { AuthProvider, Credential, Grant } from '../http/auth.js';
import { RefreshingAuth, staticAuth } from '../http/auth.js';
import { HttpClient, type Verdict } from '../http/client.js';
import { NetworkError, RetriesExhaustedError } from '../http/errors.js';
import type { BackoffPolicy } from '../http/retry-policy.js';
import type { HttpAnswer } from '../http/transport.js';
import { apiBaseOf, type ResolvedHosts } from './data-centers.js';
import { ZohoApiError, ZohoAuthError } from './errors.js';
import { tokenAnswerSchema, tokenFailureSchema, type TokenSuccess } from './schemas.js';
import type { z } from 'zod';

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
  return (
    'ZOHO_REFRESH_TOKEN (with ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET) or ZOHO_CRM_AUTH_TOKEN: no Zoho credentials set; ' +
    'expected a self-client refresh token and its client id/secret, or a ready access token'
  );
}

/** Zoho's token header. */
const zohoHeaders = (token: string): Record<string, string> => ({ authorization: `Zoho-oauthtoken ${token}` });

export class TokenSource implements AuthProvider {
  private readonly inner: AuthProvider;
  private readonly refreshing?: RefreshingAuth;
  private readonly accounts: HttpClient;

  constructor(private readonly opts: TokenSourceOptions) {
    const missing = missingCredentials(opts.credentials);
    if (missing) throw new ZohoAuthError(missing);
    this.accounts = new HttpClient({
      retry: { ...opts.backoff, retries: opts.grantRetries },
      timeoutMs: opts.timeoutMs,
      log: (level, message) => opts.log?.(level, message),
    });
    const { refreshToken, staticToken } = opts.credentials;
    if (refreshToken) {
      this.refreshing = new RefreshingAuth({
        grant: () => this.grant(),
        headers: zohoHeaders,
        now: opts.now,
        refusedAfterRenewals: (where, last) =>
          new ZohoAuthError(
            `${where}: Zoho kept refusing fresh access tokens (${last instanceof ZohoApiError ? last.code : last.message}); ` +
              'check ZOHO_REFRESH_TOKEN and its scopes',
          ),
      });
      this.inner = this.refreshing;
    } else {
      const refused = (): Error =>
        new ZohoAuthError(
          'ZOHO_CRM_AUTH_TOKEN: Zoho rejected the access token (expired or revoked; access tokens live one hour); ' +
            'set ZOHO_REFRESH_TOKEN with ZOHO_CLIENT_ID and ZOHO_CLIENT_SECRET so tokens are renewed',
        );
      this.inner = staticAuth(zohoHeaders(staticToken!), refused, apiBaseOf(opts.hosts));
    }
  }

  /** Grants obtained so far (for tests and the log). */
  get grants(): number {
    return this.refreshing?.grants ?? 0;
  }

  current(): Promise<Credential> {
    return this.inner.current();
  }

  get refusedAfterRenewals(): AuthProvider['refusedAfterRenewals'] {
    return this.inner.refusedAfterRenewals;
  }

  private async grant(): Promise<Grant> {
    const { hosts, credentials } = this.opts;
    const url = `${hosts.accounts}/oauth/v2/token`;
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: credentials.clientId!,
      client_secret: credentials.clientSecret!,
      refresh_token: credentials.refreshToken!,
    });
    let answer: TokenSuccess;
    try {
      answer = await this.accounts.call<TokenSuccess>({
        what: `POST ${url}`,
        request: () => ({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form.toString(),
        }),
        judge: (res) => this.judge(res, url),
      });
    } catch (error) {
      if (!(error instanceof RetriesExhaustedError)) throw error;
      const problem =
        error.last instanceof NetworkError
          ? `connection to the accounts server failed (${error.last.message}); check ZOHO_DATA_CENTER / ZOHO_ACCOUNTS_URL`
          : error.last.message;
      throw new ZohoAuthError(`ZOHO_REFRESH_TOKEN: could not obtain an access token from ${hosts.accounts} after ${error.attempts} attempts: ${problem}`);
    }
    return this.accept(answer);
  }

  private judge(res: HttpAnswer, url: string): Verdict<TokenSuccess> {
    const transient = (): Verdict<TokenSuccess> => ({ kind: 'retry', reason: 'server', error: new Error(`the accounts server answered HTTP ${res.status}`) });
    if (res.status >= 500 || res.status === 429) return transient();
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      json = undefined;
    }
    const parsed = tokenAnswerSchema.safeParse(json);
    if (!parsed.success) {
      const error = new ZohoAuthError(
        `ZOHO_ACCOUNTS_URL / ZOHO_DATA_CENTER: ${url} answered HTTP ${res.status} with no token and no OAuth error; expected Zoho's accounts server`,
      );
      return { kind: 'fail', error };
    }
    if ('error' in parsed.data) return this.failure(parsed.data);
    if (res.status !== 200) return transient();
    return { kind: 'done', value: parsed.data };
  }

  /** Turns the accounts server's `{"error":…}` (HTTP 200!) into the message naming what to check. */
  private failure(answer: z.infer<typeof tokenFailureSchema>): Verdict<TokenSuccess> {
    const error = answer.error;
    const description = (answer.error_description ?? '').slice(0, 200);
    if (/too many requests|access denied/i.test(`${error} ${description}`)) {
      const throttled = new Error(
        `the accounts server throttled the grant (${error}${description ? `: ${description}` : ''}); ` +
          'Zoho allows 10 access tokens per refresh token in 10 minutes: wait, or stop other clients using the same ZOHO_REFRESH_TOKEN',
      );
      // Zoho counts grants over a 10-minute window: the retry waits the longest backoff (the client says when).
      this.opts.log?.('warn', 'Zoho throttles access-token grants (10 per refresh token in 10 minutes)');
      return { kind: 'retry', reason: 'server', error: throttled, retryAfterMs: this.opts.backoff.maxMs };
    }
    return { kind: 'fail', error: this.refusal(error, description) };
  }

  private refusal(error: string, description: string): ZohoAuthError {
    const accounts = this.opts.hosts.accounts;
    switch (error) {
      case 'invalid_client':
        return new ZohoAuthError(
          `ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET: the accounts server ${accounts} answered invalid_client; ` +
            "check the self-client's id and secret, and that ZOHO_DATA_CENTER (or ZOHO_ACCOUNTS_URL) is the org's data centre",
        );
      case 'invalid_code':
      case 'invalid_grant':
        return new ZohoAuthError(
          `ZOHO_REFRESH_TOKEN: the accounts server ${accounts} answered ${error}; ` +
            'the refresh token is wrong, revoked or from another data centre (check ZOHO_DATA_CENTER)',
        );
      default:
        return new ZohoAuthError(
          `ZOHO_REFRESH_TOKEN / ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET: the accounts server ${accounts} answered ${error}` +
            `${description ? ` (${description})` : ''}`,
        );
    }
  }

  private accept(answer: TokenSuccess): Grant {
    this.opts.onToken?.(answer.access_token);
    const lifetimeMs = (answer.expires_in ?? 3600) * 1000;
    this.opts.log?.('debug', `obtained an access token (valid ${Math.round(lifetimeMs / 1000)} s)`);
    return { token: answer.access_token, lifetimeMs, baseUrl: apiBaseOf(this.opts.hosts, answer.api_domain) };
  }
}
