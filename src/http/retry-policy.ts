// The framework's one retry policy: how often a call is tried again, and how long to wait first —
// the server's Retry-After when it gives one, otherwise exponential backoff with jitter so that many
// callers pushed back at once do not return at once.

export interface BackoffPolicy {
  /** First wait, doubled per attempt. */
  baseMs: number;
  /** Longest computed wait. */
  maxMs: number;
  /** Longest Retry-After honoured; a larger value is treated as this (a bad header must not stall a run for hours). */
  maxRetryAfterMs?: number;
  /** 0 ≤ random() < 1; injectable for tests. */
  random?: () => number;
}

export interface RetryPolicy extends BackoffPolicy {
  /** Retries of one call after 429, 5xx or a dropped connection (0 = tried once). */
  retries: number;
}

const DEFAULT_MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Parses a Retry-After header: delay-seconds or an HTTP date. Returns milliseconds, or undefined
 * when absent or unreadable (then the caller backs off on its own).
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The wait before retry number `attempt` (0 = the first retry): "equal jitter", between half and all
 * of min(maxMs, baseMs·2^attempt), so the wait never collapses to zero yet callers spread out.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const random = policy.random ?? Math.random;
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
