// The Zoho client as the settings describe it: the data centre's hosts, the OAuth token source
// (every new access token redacted from the logs before use) and the client over a shared Pace.
// One place, so that the crawl and the plan talk to Zoho the same way.
import { addSecrets } from '../core/logger.js';
import type { Pace } from '../http/pace.js';
import type { Settings } from '../settings.js';
import { ZohoClient, type ClientOptions } from './client.js';
import { resolveHosts } from './data-centers.js';
import { TokenSource, type Credentials } from './token-source.js';

/** Grants of one access token after Zoho's grant throttle or a failed call, before giving up. */
export const GRANT_RETRIES = 3;

export function credentialsOf(s: Settings): Credentials {
  return { clientId: s.ZOHO_CLIENT_ID, clientSecret: s.ZOHO_CLIENT_SECRET, refreshToken: s.ZOHO_REFRESH_TOKEN, staticToken: s.ZOHO_CRM_AUTH_TOKEN };
}

export interface Connection {
  tokens: TokenSource;
  client: ZohoClient;
}

/** Throws the missing-credentials message before any request. */
export function connect(
  s: Settings,
  opts: { pace: Pace; log: (level: 'info' | 'warn' | 'debug', message: string) => void } & Pick<ClientOptions, 'onSent' | 'budget'>,
): Connection {
  const timeoutMs = s.ZOHO_REQUEST_TIMEOUT_SECS * 1000;
  const backoff = { baseMs: s.ZOHO_BACKOFF_BASE_MS, maxMs: s.ZOHO_BACKOFF_MAX_MS };
  const tokens = new TokenSource({
    hosts: resolveHosts(s),
    credentials: credentialsOf(s),
    backoff,
    grantRetries: GRANT_RETRIES,
    timeoutMs,
    onToken: (token) => addSecrets([token]),
    log: (level, message) => opts.log(level, `zoho auth: ${message}`),
  });
  const client = new ZohoClient({
    auth: tokens,
    pace: opts.pace,
    retry: { ...backoff, retries: s.ZOHO_REQUEST_RETRIES },
    timeoutMs,
    onSent: opts.onSent,
    budget: opts.budget,
    log: (level, message) => opts.log(level, `zoho: ${message}`),
  });
  return { tokens, client };
}
