// One GET of one page of a JSON REST API, sent by the framework's HttpClient (retries, Retry-After,
// backoff). What is the rest spider's own: 429/408/5xx mean "later", any other non-2xx and a body
// that is not JSON fail the page for good, with a snippet of what came back.
import { STATUS_CODES } from 'node:http';
import { staticAuth } from '../../http/auth.js';
import { HttpClient, retryAfterOf, type Verdict } from '../../http/client.js';
import type { HttpAnswer } from '../../http/transport.js';
import { redactKnown } from '../../core/logger.js';

export interface FetchedPage {
  /** The URL that answered (after redirects): relative next links resolve against it. */
  url: string;
  status: number;
  /** A response header, lower-case name. */
  header(name: string): string | undefined;
  /** The body parsed as JSON; its shape is checked by the caller. */
  body: unknown;
}

const TIMEOUT_MS = 60_000;
/** Longest Retry-After honoured; a longer one is cut so a run cannot hang for hours on one page. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;
const SNIPPET_CHARS = 300;

/** The client of one run: `headers` (REST_HEADERS and the defaults) go on every call. */
export function restClient(headers: Record<string, string>, retries: number): HttpClient {
  return new HttpClient({
    retry: { retries, baseMs: 1000, maxMs: 60_000, maxRetryAfterMs: MAX_RETRY_AFTER_MS },
    timeoutMs: TIMEOUT_MS,
    auth: staticAuth(headers),
  });
}

/** `onAttempt` is told of every request sent, retries included. */
export function fetchPage(http: HttpClient, url: string, onAttempt?: () => void): Promise<FetchedPage> {
  const what = `GET ${url}`;
  return http.call<FetchedPage>({
    what,
    request: (credential) => ({ url, headers: { ...credential?.headers } }),
    judge: (answer) => judgePage(answer, what),
    onAttempt,
  });
}

function judgePage(res: HttpAnswer, what: string): Verdict<FetchedPage> {
  const { status } = res;
  const text = res.body.toString('utf8');
  if (status === 429 || status === 408 || status >= 500) {
    return {
      kind: 'retry',
      reason: status === 429 ? 'throttle' : 'server',
      error: new Error(`${what} answered ${status}: ${snippet(text)}`),
      retryAfterMs: retryAfterOf(res),
    };
  }
  if (status < 200 || status >= 300) return { kind: 'fail', error: new Error(`${what} answered ${status} ${STATUS_CODES[status] ?? ''}: ${snippet(text)}`) };
  let body: unknown;
  try {
    body = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    const type = res.header('content-type') ?? 'no content-type';
    return { kind: 'fail', error: new Error(`${what} answered ${status} with a body that is not JSON (${type}): ${snippet(text)}`) };
  }
  return { kind: 'done', value: { url: res.url, status, header: res.header, body } };
}

/** The start of a body for an error message, on one line, with known secrets removed. */
function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const cut = oneLine.length > SNIPPET_CHARS ? `${oneLine.slice(0, SNIPPET_CHARS)}…` : oneLine;
  return redactKnown(cut === '' ? '(empty body)' : cut);
}
