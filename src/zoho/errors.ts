// What a failed Zoho call means for the crawler: each answer is classified once, here, so the
// client and the spider decide by kind instead of by scattered status/code checks.
import type { ApiErrorBody } from './schemas.js';

export type ZohoErrorKind =
  /** 401 INVALID_TOKEN / AUTHENTICATION_FAILURE: refresh the access token once and retry. */
  | 'token'
  /** 401 OAUTH_SCOPE_MISMATCH: the token lacks a scope; retrying cannot help. */
  | 'scope'
  /** 403 NO_PERMISSION / NOT_SUPPORTED: the org's permissions refuse the module. */
  | 'permission'
  /** 400 INVALID_MODULE / 404: the module does not exist (any more). */
  | 'missing'
  /** 429 TOO_MANY_REQUESTS, too many calls in flight: back off and lower the pace (clears in seconds). */
  | 'throttle'
  /** 429 TOO_MANY_REQUESTS, the org's API credits for the rolling 24 hours are spent: retrying only wastes the night. */
  | 'credits'
  /** 5xx: retry with backoff. */
  | 'server'
  /** 400 EXPIRED_VALUE / TOKEN_BOUND_DATA_MISMATCH: the page_token chain is stale; restart it. */
  | 'stale-chain'
  /** 400 PAGINATION_LIMIT_EXCEEDED / DISCRETE_PAGINATION_LIMIT_EXCEEDED: the chain reached its cap. */
  | 'page-limit'
  /** Anything else: a caller bug or an answer we do not know; not retried. */
  | 'other';

export class ZohoApiError extends Error {
  readonly kind: ZohoErrorKind;

  constructor(
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    /** Where it happened, e.g. "GET /crm/v8/Leads" (never with a token: tokens never go in URLs). */
    readonly where: string,
    readonly details?: Record<string, unknown> | null,
    /** X-API-CREDITS-REMAINING of the answer, when Zoho sent it (it does once half the credits are used). */
    readonly creditsRemaining?: number,
  ) {
    const kind = classify(status, code, creditsRemaining === 0 || saysCreditsSpent(apiMessage, details));
    super(
      `${where}: HTTP ${status} ${code}${apiMessage ? ` (${apiMessage})` : ''}` +
        `${kind === 'scope' ? `; the access token lacks the scope ${scopeFor(where)}` : ''}`,
    );
    this.name = 'ZohoApiError';
    this.kind = kind;
  }

  get retryable(): boolean {
    return this.kind === 'throttle' || this.kind === 'server';
  }
}

/** The OAuth scope an endpoint needs (reference §1), named when Zoho answers OAUTH_SCOPE_MISMATCH. */
export function scopeFor(where: string): string {
  if (where.includes('/settings/modules')) return 'ZohoCRM.settings.modules.READ';
  if (where.includes('/settings/fields')) return 'ZohoCRM.settings.fields.READ';
  // Only the plan asks for the org (its edition and licences); a crawl does not need this scope.
  if (/\/org$/.test(where)) return 'ZohoCRM.org.READ';
  return 'ZohoCRM.modules.READ (or ZohoCRM.modules.ALL)';
}

/**
 * By status first, then by code: Zoho's own API descriptions also document error bodies answered with
 * HTTP 200, where only the code tells what happened.
 */
export function classify(status: number, code: string, creditsSpent = false): ZohoErrorKind {
  if (status === 429 || code === 'TOO_MANY_REQUESTS') return creditsSpent ? 'credits' : 'throttle';
  if (status >= 500 || code === 'INTERNAL_ERROR') return 'server';
  if (code === 'OAUTH_SCOPE_MISMATCH') return 'scope';
  if (status === 401 || code === 'INVALID_TOKEN' || code === 'AUTHENTICATION_FAILURE') return 'token';
  if (status === 403 || code === 'NO_PERMISSION' || code === 'NOT_SUPPORTED') return 'permission';
  if (status === 404 || code === 'INVALID_MODULE' || code === 'INVALID_URL_PATTERN') return 'missing';
  if (code === 'EXPIRED_VALUE' || code === 'TOKEN_BOUND_DATA_MISMATCH') return 'stale-chain';
  if (code === 'PAGINATION_LIMIT_EXCEEDED' || code === 'DISCRETE_PAGINATION_LIMIT_EXCEEDED') return 'page-limit';
  return 'other';
}

/**
 * Whether a TOO_MANY_REQUESTS body speaks of the daily credits rather than of calls in flight. Zoho
 * answers both with the same code; its message (and details) name the credit or API limit when the
 * credits are spent, and the concurrency limit otherwise.
 */
export function saysCreditsSpent(message: string, details: Record<string, unknown> | null | undefined): boolean {
  const text = `${message} ${details ? JSON.stringify(details) : ''}`;
  if (/concurren/i.test(text)) return false;
  return /credit|api limit|daily|24[ -]?hours?|per day|exhausted|quota/i.test(text);
}

/** Builds the error of a non-2xx answer from its (possibly unparsable) body. */
export function apiErrorOf(status: number, body: ApiErrorBody | undefined, where: string, creditsRemaining?: number): ZohoApiError {
  const code = body?.code ?? (status === 429 ? 'TOO_MANY_REQUESTS' : `HTTP_${status}`);
  return new ZohoApiError(status, code, body?.message ?? '', where, body?.details, creditsRemaining);
}

/**
 * The org's API credits for the rolling 24 hours are spent (Zoho said so, or said 0 remain): no call
 * is sent after it, since every one would be refused until the window rolls on.
 */
export class CreditsExhaustedError extends Error {
  constructor(what: ZohoApiError | string) {
    super(
      typeof what === 'string'
        ? what
        : `Zoho's daily API credit limit is reached (${what.where}: HTTP ${what.status} ${what.code}${what.apiMessage ? `: ${what.apiMessage}` : ''})`,
    );
    this.name = 'CreditsExhaustedError';
  }
}

/**
 * The next call would spend more than ZOHO_CREDIT_BUDGET allows this crawl: a stop like spent daily
 * credits (everything kept, the run resumable), but the next crawl may go on at once, with a budget of its own.
 */
export class CreditBudgetError extends CreditsExhaustedError {
  constructor(
    readonly budget: number,
    readonly spent: number,
    next: { endpoint: string; credits: number },
  ) {
    super(
      `ZOHO_CREDIT_BUDGET of ${budget} credit(s) is reached: ${spent} spent or under way, and the next call ` +
        `(${next.endpoint}, ${next.credits} credit(s)) would pass it; expected a budget that covers the run (see \`plan zoho\`)`,
    );
    this.name = 'CreditBudgetError';
  }
}

/** Authentication cannot work with the settings given; the message names the setting to check. */
export class ZohoAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZohoAuthError';
  }
}

/**
 * Why Zoho refuses a module, when it does (403 NO_PERMISSION / NOT_SUPPORTED, e.g. Notes for a
 * non-admin, or INVALID_MODULE / 404): such a module is skipped, the original's rule. Undefined for
 * any other error.
 */
export function refusalOf(error: unknown): string | undefined {
  if (!(error instanceof ZohoApiError) || (error.kind !== 'permission' && error.kind !== 'missing')) return undefined;
  return `refused by Zoho (${error.status} ${error.code}${error.apiMessage ? `: ${error.apiMessage}` : ''})`;
}
