// One GET of one page of a JSON REST API, with the status rules the engine's retries rely on:
// 429/408/5xx ask to be retried later (honouring Retry-After), other 4xx fail the request for good.
import { redactKnown } from '../../core/logger.js';
import { NonRetryableError, RetryLaterError } from '../../core/spider.js';

export interface FetchedPage {
  /** The URL that answered (after redirects): relative next links resolve against it. */
  url: string;
  status: number;
  headers: Headers;
  /** The body parsed as JSON; its shape is checked by the caller. */
  body: unknown;
}

const TIMEOUT_MS = 60_000;
/** Longest Retry-After honoured; a longer one is cut so a run cannot hang for hours on one page. */
const MAX_RETRY_DELAY_MS = 5 * 60_000;
const SNIPPET_CHARS = 300;

export async function fetchPage(url: string, headers: Headers, retryCount: number): Promise<FetchedPage> {
  let response: Response;
  try {
    response = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    // Network errors (refused, reset, timeout) are plain errors: Crawlee retries them at once.
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new Error(`GET ${url} failed: ${cause ?? (error as Error).message}`);
  }
  const text = await response.text();
  const status = response.status;
  if (status === 429 || status === 408 || status >= 500) {
    const delayMs = retryDelayMs(response.headers.get('retry-after'), retryCount);
    throw new RetryLaterError(`GET ${url} answered ${status}; retrying in ${delayMs} ms: ${snippet(text)}`, delayMs);
  }
  if (status < 200 || status >= 300) {
    throw new NonRetryableError(`GET ${url} answered ${status} ${response.statusText}: ${snippet(text)}`);
  }
  let body: unknown;
  try {
    body = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    const type = response.headers.get('content-type') ?? 'no content-type';
    throw new NonRetryableError(`GET ${url} answered ${status} with a body that is not JSON (${type}): ${snippet(text)}`);
  }
  return { url: response.url || url, status, headers: response.headers, body };
}

/**
 * The wait before a retry: Retry-After (seconds or an HTTP date) when the server sent one, else
 * exponential backoff from 1 s; never more than MAX_RETRY_DELAY_MS.
 */
export function retryDelayMs(retryAfter: string | null, retryCount: number, now: number = Date.now()): number {
  let ms: number | undefined;
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const text = retryAfter.trim();
    if (/^\d+$/.test(text)) ms = Number(text) * 1000;
    else if (!Number.isNaN(Date.parse(text))) ms = Math.max(0, Date.parse(text) - now);
  }
  ms ??= 1000 * 2 ** Math.min(retryCount, 8);
  return Math.min(ms, MAX_RETRY_DELAY_MS);
}

/** The start of a body for an error message, on one line, with known secrets removed. */
function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const cut = oneLine.length > SNIPPET_CHARS ? `${oneLine.slice(0, SNIPPET_CHARS)}…` : oneLine;
  return redactKnown(cut === '' ? '(empty body)' : cut);
}
