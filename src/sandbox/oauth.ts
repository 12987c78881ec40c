// The accounts server: refresh-token grants (errors as HTTP 200 with `error`, as Zoho does), grant
// throttling, at most N live access tokens per refresh token, and access-token checks for API calls.
import { createHash, randomBytes } from 'node:crypto';
import { errorReply, type Reply } from './reply.js';
import type { SandboxCredentials } from './types.js';

export function makeCredentials(seed: number): SandboxCredentials {
  const h = (what: string): string => createHash('sha256').update(`zoho-sandbox|${seed}|${what}`).digest('hex');
  return {
    clientId: `1000.${h('client').slice(0, 30).toUpperCase()}`,
    clientSecret: h('secret').slice(0, 42),
    refreshToken: `1000.${h('refresh').slice(0, 32)}.${h('refresh2').slice(0, 32)}`,
  };
}

export interface OAuthLimits {
  grantsPerWindow: number;
  grantWindowMs: number;
  tokenTtlMs: number;
  liveTokens: number;
  /** undefined = unlimited. */
  tokenLifetimeCalls?: number;
}

interface AccessToken {
  issuedAt: number;
  calls: number;
  /** Killed by a newer token past the live limit, or worn out by tokenLifetimeCalls. */
  dead: boolean;
}

export type AuthResult =
  | { ok: true }
  | { ok: false; reply: Reply; expired: boolean };

const invalidToken = (unexpected: boolean): Reply => errorReply(401, 'INVALID_TOKEN', 'invalid oauth token', {}, unexpected);

export class OAuthServer {
  private readonly tokens = new Map<string, AccessToken>();
  private readonly live: string[] = [];
  private grantTimes: number[] = [];

  constructor(
    private readonly creds: SandboxCredentials,
    private readonly limits: OAuthLimits,
    private readonly apiDomain: () => string,
  ) {}

  /** POST /oauth/v2/token. Always HTTP 200; `granted` says whether a token was issued. */
  grant(params: URLSearchParams, now = Date.now()): { json: Record<string, unknown>; granted: boolean } {
    const refused = (json: Record<string, unknown>) => ({ json, granted: false });
    if (params.get('grant_type') !== 'refresh_token') return refused({ error: 'unsupported_grant_type' });
    if (params.get('client_id') !== this.creds.clientId || params.get('client_secret') !== this.creds.clientSecret) {
      return refused({ error: 'invalid_client' });
    }
    if (params.get('refresh_token') !== this.creds.refreshToken) return refused({ error: 'invalid_code' });
    this.grantTimes = this.grantTimes.filter((t) => now - t < this.limits.grantWindowMs);
    if (this.grantTimes.length >= this.limits.grantsPerWindow) {
      return refused({
        error: 'Access Denied',
        error_description: 'You have made too many requests continuously. Please try again after some time.',
        status: 'failure',
      });
    }
    this.grantTimes.push(now);
    const token = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    this.tokens.set(token, { issuedAt: now, calls: 0, dead: false });
    this.live.push(token);
    while (this.live.length > this.limits.liveTokens) {
      const oldest = this.live.shift() as string;
      const t = this.tokens.get(oldest);
      if (t) t.dead = true;
    }
    return {
      granted: true,
      json: {
        access_token: token,
        scope: 'ZohoCRM.modules.READ ZohoCRM.settings.modules.READ ZohoCRM.settings.fields.READ',
        api_domain: this.apiDomain(),
        token_type: 'Bearer',
        expires_in: Math.round(this.limits.tokenTtlMs / 1000),
      },
    };
  }

  /** Checks `Authorization: Zoho-oauthtoken <token>` and counts the call against the token. */
  authorize(header: string | string[] | undefined, now = Date.now()): AuthResult {
    const value = Array.isArray(header) ? header[0] : header;
    const m = value === undefined ? null : /^Zoho-oauthtoken (\S+)$/.exec(value.trim());
    if (!m) {
      return { ok: false, expired: false, reply: errorReply(401, 'AUTHENTICATION_FAILURE', 'Authentication failed', {}, true) };
    }
    const token = this.tokens.get(m[1]);
    // A token never issued is a client bug; one that was issued and has since died is normal life.
    if (!token) return { ok: false, expired: false, reply: invalidToken(true) };
    if (token.dead || now - token.issuedAt >= this.limits.tokenTtlMs) {
      return { ok: false, expired: true, reply: invalidToken(false) };
    }
    token.calls++;
    if (this.limits.tokenLifetimeCalls !== undefined && token.calls > this.limits.tokenLifetimeCalls) {
      token.dead = true;
      return { ok: false, expired: true, reply: invalidToken(false) };
    }
    return { ok: true };
  }
}
