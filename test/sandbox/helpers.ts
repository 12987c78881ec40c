// Test helpers: a started sandbox, a real token from its accounts endpoint, and plain HTTP calls.
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export interface Client {
  sb: Sandbox;
  token: string;
  get(path: string, headers?: Record<string, string>): Promise<Answer>;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function grant(sb: Sandbox, overrides: Record<string, string> = {}): Promise<any> {
  const c = sb.credentials;
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: c.clientId,
    client_secret: c.clientSecret,
    refresh_token: c.refreshToken,
    ...overrides,
  });
  const res = await fetch(`${sb.url}/oauth/v2/token`, { method: 'POST', body });
  expect200(res.status);
  return res.json();
}

function expect200(status: number): void {
  if (status !== 200) throw new Error(`token endpoint answered ${status}`);
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export async function startClient(opts: SandboxOptions = {}): Promise<Client> {
  const sb = await startSandbox({ preset: 'tiny', ...opts });
  const token = (await grant(sb)).access_token as string;
  const auth = { Authorization: `Zoho-oauthtoken ${token}` };
  return {
    sb,
    token,
    get: async (path, headers = {}) => answer(await fetch(sb.url + withApproved(path), { headers: { ...auth, ...headers } })),
  };
}

/**
 * Records and count calls ask for records awaiting approval too (`approved=both`), as the crawler does,
 * so the answers compare with dataset.records()/count(); a path that names `approved` itself keeps it,
 * and `approved=default` sends none (Zoho's default: approved records only).
 */
export function withApproved(path: string): string {
  const url = new URL(path, 'http://x');
  const listing = /^\/crm\/v8\/[^/]+(\/actions\/count)?$/.test(url.pathname) && !url.pathname.startsWith('/crm/v8/settings');
  if (url.searchParams.get('approved') === 'default') url.searchParams.delete('approved');
  else if (listing && !url.searchParams.has('approved')) url.searchParams.set('approved', 'both');
  else return path;
  return `${url.pathname}${url.search}`;
}

/** Every record of a module through the API: page_token chain, one chain per batch of ≤ 50 fields, merged by id. */
/** Reads a module as a correct client does: every field batch, every page, rich text completed by actions/fetch_full_data. */
export async function crawlModule(c: Client, module: string, extra = ''): Promise<Map<string, Record<string, unknown>>> {
  const fields = c.sb.dataset.fields(module).map((f) => f.api_name);
  const rich = c.sb.dataset.fields(module).filter((f) => f.textarea?.type === 'rich_text').map((f) => f.api_name);
  const merged = new Map<string, Record<string, unknown>>();
  for (let k = 0; k < fields.length; k += 50) {
    const batch = fields.slice(k, k + 50).join(',');
    let token: string | null = null;
    for (;;) {
      const a: Answer = await c.get(`/crm/v8/${module}?fields=${batch}${extra}${token ? `&page_token=${token}` : ''}`);
      if (a.status === 204) break;
      if (a.status !== 200) throw new Error(`${module}: ${a.status} ${a.text}`);
      for (const rec of a.json.data) merged.set(rec.id, { ...merged.get(rec.id), ...rec });
      if (rich.length > 0 && k === 0) {
        const ids = (a.json.data as Array<{ id: string }>).map((r) => r.id).join(',');
        const full: Answer = await c.get(`/crm/v8/${module}/actions/fetch_full_data?ids=${ids}&fields=${rich.join(',')}`);
        if (full.status !== 200) throw new Error(`${module} fetch_full_data: ${full.status} ${full.text}`);
        for (const rec of full.json.data) merged.set(rec.id, { ...merged.get(rec.id), ...rec });
      }
      if (!a.json.info.more_records) break;
      token = a.json.info.next_page_token;
    }
  }
  return merged;
}

/** POST /crm/v8/coql with `body` as JSON (a string query becomes {"select_query": query}). */
export async function coql(c: Client, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const json = typeof body === 'string' ? { select_query: body } : body;
  const res = await fetch(`${c.sb.url}/crm/v8/coql`, {
    method: 'POST',
    headers: { Authorization: `Zoho-oauthtoken ${c.token}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(json),
  });
  return answer(res);
}
