// page_token: an opaque, signed value carrying the query it belongs to, the next offset and its issue time.
// Self-contained, so the server keeps no per-token state.
import { createHash, createHmac } from 'node:crypto';

export interface TokenBody {
  /** Hash of the query binding (module, fields, sort, filters, per_page, If-Modified-Since). */
  b: string;
  /** Offset of the first record the token's page starts at. */
  o: number;
  /** Issue time, ms. */
  t: number;
}

export function bindingHash(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 24);
}

export class PageTokens {
  constructor(private readonly key: string) {}

  issue(binding: string, offset: number, now: number): string {
    const payload = Buffer.from(JSON.stringify({ b: binding, o: offset, t: now } satisfies TokenBody)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The token's body, or undefined when it is not one of ours (forged, truncated, garbage). */
  read(token: string): TokenBody | undefined {
    const [payload, sig, extra] = token.split('.');
    if (!payload || !sig || extra !== undefined || sig !== this.sign(payload)) return undefined;
    try {
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<TokenBody>;
      if (typeof body.b !== 'string' || !Number.isInteger(body.o) || typeof body.t !== 'number') return undefined;
      return body as TokenBody;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url').slice(0, 22);
  }
}
