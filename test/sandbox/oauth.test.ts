// The accounts server and the Authorization header, over HTTP.
import { describe, test, expect, afterEach } from '@jest/globals';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { grant } from './helpers.js';

let sb: Sandbox | undefined;
afterEach(async () => {
  await sb?.stop();
  sb = undefined;
});

const call = (s: Sandbox, token?: string, header?: string) =>
  fetch(`${s.url}/crm/v8/settings/modules`, {
    headers: header !== undefined ? { Authorization: header } : token ? { Authorization: `Zoho-oauthtoken ${token}` } : {},
  });

describe('POST /oauth/v2/token', () => {
  test('a refresh grant answers access_token, api_domain (the sandbox URL), Bearer, 3600', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    const t = await grant(sb);
    expect(t).toEqual({
      access_token: expect.stringMatching(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/),
      api_domain: sb.url,
      token_type: 'Bearer',
      expires_in: 3600,
      scope: expect.any(String),
    });
    expect(sb.stats()).toMatchObject({ grants: 1, total: 0, credits: 0 });
    expect(sb.settings()).toEqual({
      ZOHO_ACCOUNTS_URL: sb.url, ZOHO_API_DOMAIN: sb.url, ZOHO_CLIENT_ID: sb.credentials.clientId,
      ZOHO_CLIENT_SECRET: sb.credentials.clientSecret, ZOHO_REFRESH_TOKEN: sb.credentials.refreshToken,
    });
  });

  test('parameters in the query string are accepted too', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    const c = sb.credentials;
    const q = new URLSearchParams({ grant_type: 'refresh_token', client_id: c.clientId, client_secret: c.clientSecret, refresh_token: c.refreshToken });
    const res = await fetch(`${sb.url}/oauth/v2/token?${q}`, { method: 'POST' });
    expect(((await res.json()) as any).access_token).toEqual(expect.any(String));
  });

  test('a wrong client secret → HTTP 200 {"error":"invalid_client"}', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    expect(await grant(sb, { client_secret: 'nope' })).toEqual({ error: 'invalid_client' });
    expect(await grant(sb, { client_id: 'nope' })).toEqual({ error: 'invalid_client' });
  });

  test('a wrong refresh token → HTTP 200 {"error":"invalid_code"}', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    expect(await grant(sb, { refresh_token: '1000.x.y' })).toEqual({ error: 'invalid_code' });
    expect(sb.stats()).toMatchObject({ grants: 0, grantsRefused: 1 });
  });

  test('the 11th grant within 10 minutes → HTTP 200 Access Denied (throttled)', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    for (let k = 0; k < 10; k++) expect((await grant(sb)).access_token).toEqual(expect.any(String));
    const denied = await grant(sb);
    expect(denied).toEqual({ error: 'Access Denied', error_description: expect.stringContaining('too many requests continuously'), status: 'failure' });
    expect(sb.stats().grants).toBe(10);
  });

  test('a 16th live token kills the oldest: 401 INVALID_TOKEN, not unexpected', async () => {
    sb = await startSandbox({ preset: 'tiny', limits: { grantsPerWindow: 100 } });
    const tokens: string[] = [];
    for (let k = 0; k < 16; k++) tokens.push((await grant(sb)).access_token);
    const oldest = await call(sb, tokens[0]);
    expect(oldest.status).toBe(401);
    expect(((await oldest.json()) as any).code).toBe('INVALID_TOKEN');
    expect((await call(sb, tokens[1])).status).toBe(200);
    expect((await call(sb, tokens[15])).status).toBe(200);
    expect(sb.stats().unexpected4xx).toEqual([]);
  });
});

describe('Authorization header', () => {
  test('no header → 401 AUTHENTICATION_FAILURE, unexpected', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    const res = await call(sb);
    expect(res.status).toBe(401);
    expect((await res.json()) as any).toEqual({ code: 'AUTHENTICATION_FAILURE', details: {}, message: 'Authentication failed', status: 'error' });
    expect(sb.stats().unexpected4xx).toEqual([{ method: 'GET', path: '/crm/v8/settings/modules', status: 401, code: 'AUTHENTICATION_FAILURE' }]);
  });

  test('a Bearer header instead of Zoho-oauthtoken → 401 AUTHENTICATION_FAILURE, unexpected', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    const token = (await grant(sb)).access_token;
    const res = await call(sb, undefined, `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe('AUTHENTICATION_FAILURE');
    expect(sb.stats().unexpected4xx).toHaveLength(1);
  });

  test('a token never issued → 401 INVALID_TOKEN, unexpected', async () => {
    sb = await startSandbox({ preset: 'tiny' });
    const res = await call(sb, '1000.deadbeef.deadbeef');
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe('INVALID_TOKEN');
    expect(sb.stats().unexpected4xx.map((u) => u.code)).toEqual(['INVALID_TOKEN']);
  });

  test('an access token past its life → 401 INVALID_TOKEN, counted as expired, not unexpected', async () => {
    sb = await startSandbox({ preset: 'tiny', limits: { tokenTtlMs: 0 } });
    const t = await grant(sb);
    expect(t.expires_in).toBe(0);
    const res = await call(sb, t.access_token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as any).code).toBe('INVALID_TOKEN');
    expect(sb.stats()).toMatchObject({ unexpected4xx: [], injected: { expired401: 1 } });
  });
});
