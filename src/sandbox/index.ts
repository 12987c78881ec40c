// startSandbox(): a local Zoho CRM v8 org and accounts server on one port, for tests, benchmarks and the demo.
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ApiContext } from './api-context.js';
import { CreditWindow } from './credits.js';
import { OrgDataset } from './dataset.js';
import { Faults } from './faults.js';
import { makeCredentials, OAuthServer } from './oauth.js';
import { PageTokens } from './page-token.js';
import { PRESETS } from './presets.js';
import { checkOrg, orgDailyCredits, orgDetails } from './org-handler.js';
import { makeServer } from './server.js';
import { StatsRecorder } from './stats.js';
import type { Sandbox, SandboxOptions } from './types.js';

export type * from './types.js';
export { PRESETS } from './presets.js';

export const DEFAULT_LIMITS = {
  discretePageLimit: 2000,
  pageTokenLimit: 100_000,
  grantsPerWindow: 10,
  grantWindowMs: 600_000,
  pageTokenTtlMs: 24 * 3600_000,
  tokenTtlMs: 3600_000,
  liveTokensPerRefreshToken: 15,
  coqlRowsPerAnswer: 2000,
} as const;

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const seed = opts.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new Error(`sandbox seed: ${seed} is not allowed; expected a whole number`);
  const preset = opts.preset ?? 'small';
  if (!(preset in PRESETS)) throw new Error(`sandbox preset: "${preset}" is not allowed; expected one of ${Object.keys(PRESETS).join(', ')}`);
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const faults = new Faults(opts.faults ?? {}, seed);
  const dataset = new OrgDataset({
    seed,
    preset,
    sizes: opts.sizes,
    deletedSizes: opts.deletedSizes,
    minFields: opts.minFields,
    textFields: opts.textFields,
    extraModules: opts.extraModules,
    modifiedSkew: opts.modifiedSkew,
    subforms: opts.subforms,
  });
  const credentials = makeCredentials(seed);
  const stats = new StatsRecorder();
  const org = checkOrg(opts.org);
  const credits = new CreditWindow(opts.limits?.dailyCredits ?? (opts.org ? orgDailyCredits(org) : undefined));
  let url = '';
  const oauth = new OAuthServer(
    credentials,
    {
      grantsPerWindow: limits.grantsPerWindow,
      grantWindowMs: limits.grantWindowMs,
      tokenTtlMs: limits.tokenTtlMs,
      liveTokens: limits.liveTokensPerRefreshToken,
      tokenLifetimeCalls: opts.faults?.tokenLifetimeCalls,
    },
    () => url,
  );
  const ctx: ApiContext = {
    dataset,
    admin: opts.admin ?? false,
    limits,
    org: orgDetails(org, seed),
    pageTokens: new PageTokens(createHash('sha256').update(`page-token|${seed}|${process.pid}|${Date.now()}`).digest('hex')),
    now: () => Date.now(),
  };
  const server = makeServer({ ctx, oauth, faults, credits, stats, onRequest: opts.onRequest, onResponse: opts.onResponse });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  url = `http://${shownHost}:${port}`;

  let stopped: Promise<void> | undefined;
  return {
    url,
    credentials,
    settings: () => ({
      ZOHO_ACCOUNTS_URL: url,
      ZOHO_API_DOMAIN: url,
      ZOHO_CLIENT_ID: credentials.clientId,
      ZOHO_CLIENT_SECRET: credentials.clientSecret,
      ZOHO_REFRESH_TOKEN: credentials.refreshToken,
    }),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    refillCredits: () => credits.refill(),
    dataset,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
