// Token answers a Zoho that follows the reference may give but our sandbox does not (string or
// missing expires_in, no api_domain, extra keys, errors with non-200 statuses): a token when there is
// one, else one message naming the settings to check, never the secret. A real accounts server.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { resolveHosts } from '../../src/zoho/data-centers.js';
import { ZohoAuthError } from '../../src/zoho/errors.js';
import { TokenSource } from '../../src/zoho/token-source.js';
import { close, listen, type Answer } from './twisting-proxy.js';

describe('token answers that differ from the sandbox', () => {
  let accounts: Server | undefined;
  let answer: Answer = { status: 200, body: '{}' };
  let url = '';
  const secret = 'client-secret-never-shown-0123';
  beforeAll(async () => {
    accounts = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body);
      });
    });
    url = await listen(accounts);
  });
  afterAll(() => close(accounts));

  const source = (opts: { apiDomain?: string; now?: () => number } = {}): TokenSource =>
    new TokenSource({
      hosts: resolveHosts({ ZOHO_DATA_CENTER: 'eu', ZOHO_ACCOUNTS_URL: url, ZOHO_API_DOMAIN: opts.apiDomain }),
      credentials: { clientId: 'id', clientSecret: secret, refreshToken: 'refresh-token-never-shown' },
      backoff: { baseMs: 1, maxMs: 2 },
      grantRetries: 1,
      timeoutMs: 5000,
      now: opts.now,
    });
  const failure = (ts: TokenSource): Promise<Error> => ts.current().then(() => new Error('no error'), (e: Error) => e);

  test('expires_in as a string, no api_domain, no token_type, extra keys: a token, and the data centre\'s API domain', async () => {
    answer = { status: 200, body: JSON.stringify({ access_token: 'tok-1', expires_in: '3600', scope: 'ZohoCRM.modules.READ', extra: { a: 1 } }) };
    expect(await source().current()).toMatchObject({ headers: { authorization: 'Zoho-oauthtoken tok-1' }, baseUrl: 'https://www.zohoapis.eu' });
    expect(await source({ apiDomain: 'http://proxy.example' }).current()).toMatchObject({
      headers: { authorization: 'Zoho-oauthtoken tok-1' },
      baseUrl: 'http://proxy.example',
    });
  });

  test('an api_domain that is empty or not a URL, expires_in null or 0: still a token, with the fallbacks', async () => {
    for (const odd of [{ api_domain: '', expires_in: null }, { api_domain: 'www.zohoapis.com', expires_in: 0, token_type: null }]) {
      answer = { status: 200, body: JSON.stringify({ access_token: 'tok-2', ...odd }) };
      expect(await source().current()).toMatchObject({ headers: { authorization: 'Zoho-oauthtoken tok-2' }, baseUrl: 'https://www.zohoapis.eu' });
    }
  });

  test('expires_in_sec wins over an expires_in in milliseconds: renewed after an hour, not after 41 days', async () => {
    let now = 0;
    answer = { status: 200, body: JSON.stringify({ access_token: 'tok-3', expires_in: 3_600_000, expires_in_sec: 3600 }) };
    const ts = source({ now: () => now });
    await ts.current();
    now = 3_600_000;
    await ts.current();
    expect(ts.grants).toBe(2);
  });

  test('HTTP 400 with an OAuth error, or an HTML page: one message naming the settings, never the secret', async () => {
    answer = { status: 400, body: JSON.stringify({ error: 'invalid_client' }) };
    const bad = await failure(source());
    expect(bad).toBeInstanceOf(ZohoAuthError);
    expect(bad.message).toMatch(/^ZOHO_CLIENT_ID \/ ZOHO_CLIENT_SECRET: .*invalid_client/);
    answer = { status: 200, body: JSON.stringify({ error: 'invalid_code' }) };
    expect((await failure(source())).message).toMatch(/^ZOHO_REFRESH_TOKEN: .*invalid_code/);
    answer = { status: 403, headers: { 'content-type': 'text/html' }, body: '<html><body>Forbidden</body></html>' };
    const html = await failure(source());
    expect(html.message).toMatch(/^ZOHO_ACCOUNTS_URL \/ ZOHO_DATA_CENTER: .* answered HTTP 403 with no token/);
    for (const e of [bad, html]) expect(e.message).not.toMatch(/never-shown/);
  });

  test('Access Denied with status "failure" is the grant throttle: waited, then named', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({ error: 'Access Denied', error_description: 'You have made too many requests continuously.', status: 'failure' }),
    };
    const e = await failure(source());
    expect(e.message).toMatch(/^ZOHO_REFRESH_TOKEN: could not obtain an access token .* after 2 attempts: .*throttled/);
  });
});

