// Zoho's data centres: each has its own accounts server (OAuth) and API domain. An org lives in one,
// and a refresh token only works against the accounts server of that one.
import type { Settings } from '../settings.js';

export type DataCenter = Settings['ZOHO_DATA_CENTER'];

export interface DataCenterHosts {
  accounts: string;
  apiDomain: string;
}

export const DATA_CENTER_HOSTS: Readonly<Record<DataCenter, DataCenterHosts>> = {
  us: { accounts: 'https://accounts.zoho.com', apiDomain: 'https://www.zohoapis.com' },
  eu: { accounts: 'https://accounts.zoho.eu', apiDomain: 'https://www.zohoapis.eu' },
  in: { accounts: 'https://accounts.zoho.in', apiDomain: 'https://www.zohoapis.in' },
  au: { accounts: 'https://accounts.zoho.com.au', apiDomain: 'https://www.zohoapis.com.au' },
  jp: { accounts: 'https://accounts.zoho.jp', apiDomain: 'https://www.zohoapis.jp' },
  cn: { accounts: 'https://accounts.zoho.com.cn', apiDomain: 'https://www.zohoapis.com.cn' },
  ca: { accounts: 'https://accounts.zohocloud.ca', apiDomain: 'https://www.zohoapis.ca' },
  sa: { accounts: 'https://accounts.zoho.sa', apiDomain: 'https://www.zohoapis.sa' },
  uk: { accounts: 'https://accounts.zoho.uk', apiDomain: 'https://www.zohoapis.uk' },
};

export interface ResolvedHosts {
  /** Base of the token endpoint. */
  accounts: string;
  /** The API base to use until a token answer names one; undefined when the answer decides. */
  apiDomainOverride?: string;
  /** The data centre's API domain, used when neither an override nor the token answer names one. */
  apiDomainDefault: string;
}

const trim = (url: string): string => url.replace(/\/+$/, '');

/** The hosts of the configured data centre, with ZOHO_ACCOUNTS_URL / ZOHO_API_DOMAIN winning. */
export function resolveHosts(settings: Pick<Settings, 'ZOHO_DATA_CENTER' | 'ZOHO_ACCOUNTS_URL' | 'ZOHO_API_DOMAIN'>): ResolvedHosts {
  const dc = DATA_CENTER_HOSTS[settings.ZOHO_DATA_CENTER];
  return {
    accounts: trim(settings.ZOHO_ACCOUNTS_URL ?? dc.accounts),
    apiDomainOverride: settings.ZOHO_API_DOMAIN === undefined ? undefined : trim(settings.ZOHO_API_DOMAIN),
    apiDomainDefault: dc.apiDomain,
  };
}

/**
 * The API base for calls: an explicit ZOHO_API_DOMAIN wins (sandbox/developer orgs, proxies), then the
 * token answer's api_domain (Zoho's word on where the org lives), then the data centre's default.
 */
export function apiBaseOf(hosts: ResolvedHosts, tokenApiDomain?: string): string {
  return hosts.apiDomainOverride ?? (tokenApiDomain ? trim(tokenApiDomain) : hosts.apiDomainDefault);
}
