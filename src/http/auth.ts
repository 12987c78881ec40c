// Who the caller is, for the HTTP client: a credential is a set of headers (and, for OAuth servers
// that say where the API lives, a base URL) that the client puts on each call and drops when the
// server refuses it. Renewal is shared: a burst of 401s costs one new token, not one per call.

export interface Credential {
  headers: Record<string, string>;
  /** Where calls made with this credential go, when the authorisation server said (e.g. an api_domain). */
  baseUrl?: string;
  /** The server refused this credential: the next `current()` gives a fresh one, or the reason there is none. */
  reject(): void;
}

export interface AuthProvider {
  current(): Promise<Credential>;
  /** The error once renewed credentials keep being refused for one call. */
  refusedAfterRenewals?(where: string, last: Error): Error;
}

/** Fixed headers (an API key, a bearer token): once refused, `refused()` is the error of every later call. */
export function staticAuth(
  headers: Record<string, string>,
  refused: () => Error = () => new Error('the server refused the credentials'),
  baseUrl?: string,
): AuthProvider {
  let rejected = false;
  const credential: Credential = { headers, baseUrl, reject: () => (rejected = true) };
  return {
    current: async () => {
      if (rejected) throw refused();
      return credential;
    },
  };
}

/** A bearer-style header for a token, e.g. `Bearer x` or Zoho's `Zoho-oauthtoken x`. */
export type TokenHeaders = (token: string) => Record<string, string>;

export interface Grant {
  token: string;
  /** How long the token lives. */
  lifetimeMs: number;
  baseUrl?: string;
}

/**
 * An OAuth refresh grant (or any token that expires): obtained on first use, reused until shortly
 * before it expires or until the server refuses it, then obtained again once for all callers. A grant
 * that failed for good stands for the rest of the run: asking again would only deepen a throttle.
 */
export class RefreshingAuth implements AuthProvider {
  private held?: { credential: Credential; expiresAt: number };
  private pending?: Promise<Credential>;
  private failed?: Error;
  /** Grants obtained so far (for tests and the log). */
  grants = 0;

  constructor(
    private readonly opts: {
      /** Obtains a token; its own retries are done when it throws. */
      grant: () => Promise<Grant>;
      headers: TokenHeaders;
      refusedAfterRenewals?: (where: string, last: Error) => Error;
      now?: () => number;
    },
  ) {
    this.refusedAfterRenewals = opts.refusedAfterRenewals;
  }

  readonly refusedAfterRenewals?: (where: string, last: Error) => Error;

  async current(): Promise<Credential> {
    if (this.held && this.held.expiresAt > this.now()) return this.held.credential;
    if (this.failed) throw this.failed;
    this.held = undefined;
    this.pending ??= this.renew()
      .catch((error: unknown) => {
        this.failed = error instanceof Error ? error : new Error(String(error));
        throw this.failed;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private async renew(): Promise<Credential> {
    const grant = await this.opts.grant();
    this.grants++;
    // Renewed a little before the server would refuse it, so long calls do not start with a dying token.
    const margin = Math.min(60_000, grant.lifetimeMs / 10);
    const credential: Credential = {
      headers: this.opts.headers(grant.token),
      baseUrl: grant.baseUrl,
      // Only the first caller with this token drops it; calls that used an older one just retry with the current one.
      reject: () => {
        if (this.held?.credential === credential) this.held = undefined;
      },
    };
    this.held = { credential, expiresAt: this.now() + grant.lifetimeMs - margin };
    return credential;
  }
}
