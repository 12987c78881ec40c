// One HTTP exchange over keep-alive connections, the body read whole as bytes: the framework's only
// way onto the network (API calls, OAuth grants, every spider). undici's `request` rather than
// `fetch`: the same library without the WHATWG layer (streams, TextDecoder), which cost ~0.6 ms of
// CPU more per 150 KB page on the crawler's hottest call. Compressed answers are inflated here.
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { Agent, request } from 'undici';

export interface HttpRequest {
  method?: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  /** A form or JSON body, already encoded; its content-type goes in `headers`. */
  body?: string;
}

export interface HttpAnswer {
  status: number;
  /** The URL that answered, after same-origin redirects: relative links resolve against it. */
  url: string;
  /** A response header, lower-case name; undefined when absent. */
  header(name: string): string | undefined;
  /** The body, inflated; decoded only by whoever needs text (records pages are read as bytes). */
  body: Buffer;
}

/** Keep-alive for the whole run; a dead pooled connection shows up as a network error the retry policy covers. */
const agent = new Agent({ keepAliveTimeout: 10_000, connect: { timeout: 30_000 } });

const inflaters: Record<string, (data: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * Rejects on network trouble, a cut body, an unknown encoding or the timeout (which covers the whole
 * exchange, a slow body included); never on an HTTP status. Redirects are followed within the origin
 * only: the headers carry credentials, which must not travel to a host nobody named.
 */
export async function send(req: HttpRequest, timeoutMs: number): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  let url = new URL(req.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`);
  for (let hops = 0; ; hops++) {
    const answer = await exchange(url, req, signal, timeoutMs);
    const location = answer.header('location');
    if (!REDIRECTS.has(answer.status) || location === undefined || (req.method ?? 'GET') !== 'GET') return answer;
    const next = new URL(location, url);
    if (next.origin !== url.origin) throw new Error(`${url.href} redirects to ${next.href}, outside ${url.origin}; not followed`);
    if (hops >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${req.url}`);
    url = next;
  }
}

async function exchange(url: URL, req: HttpRequest, signal: AbortSignal, timeoutMs: number): Promise<HttpAnswer> {
  let res: Awaited<ReturnType<typeof request>>;
  let bytes: Buffer;
  try {
    res = await request(url, {
      method: req.method ?? 'GET',
      headers: { 'accept-encoding': 'gzip, deflate, br', ...req.headers },
      body: req.body,
      dispatcher: agent,
      signal,
    });
    bytes = Buffer.from(await res.body.arrayBuffer());
  } catch (error) {
    if (signal.aborted) throw new Error(`timed out after ${timeoutMs} ms`);
    throw error;
  }
  const headers = res.headers;
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  const encoding = header('content-encoding')?.trim().toLowerCase();
  const inflater = encoding && encoding !== 'identity' ? inflaters[encoding] : undefined;
  if (encoding && encoding !== 'identity' && !inflater) throw new Error(`unsupported content-encoding ${encoding}`);
  const body = inflater && bytes.length > 0 ? await inflater(bytes) : bytes;
  return { status: res.statusCode, url: url.href, header, body };
}
