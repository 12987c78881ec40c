// The COQL subset a crawler uses, parsed into a typed query — nothing is checked against the catalogue
// here (coql-handler.ts does that). Grammar, keywords case-insensitive:
//   select <col>[, <col>…] from <Module> where <criteria>
//     [order by <col> [asc|desc][, …]] [limit <n> | limit <offset>, <n> | limit <n> offset <m>]
// Columns are API names, bare or quoted ('X' or "X"). Criteria: =, !=, >, >=, <, <=, is [not] null,
// in (…), joined by and/or, at most two per level: "A and B and C" is a syntax error, "(A and B) and C"
// is not (Zoho's rule). Errors are Zoho's documented bodies (zoho/crm-oas v8.0/coql, see docs/sandbox.md).

export const MAX_COLUMNS = 500;
export const MAX_CRITERIA = 25;
export const DEFAULT_LIMIT = 200;
export const MAX_LIMIT = 2000;
/** OFFSET + LIMIT may reach this many records (reference §6). */
export const MAX_REACH = 100_000;

export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=';

export type Literal =
  | { kind: 'string'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; text: string; value: boolean };

export type Criterion =
  | { kind: 'compare'; column: string; op: CompareOp; value: Literal }
  | { kind: 'in'; column: string; values: Literal[] }
  | { kind: 'null'; column: string; negated: boolean };

export interface Junction {
  kind: 'and' | 'or';
  left: Expr;
  right: Expr;
}

export type Expr = Criterion | Junction;

export const isJunction = (e: Expr): e is Junction => e.kind === 'and' || e.kind === 'or';

export interface OrderKey {
  column: string;
  desc: boolean;
}

export interface CoqlQuery {
  columns: string[];
  module: string;
  where: Expr;
  orderBy: OrderKey[];
  limit: number;
  offset: number;
}

/** An error answer's body without `status`: what Zoho puts in code, details and message. */
export interface CoqlError {
  code: string;
  details: Record<string, unknown>;
  message: string;
}

export type Parsed = { ok: true; query: CoqlQuery } | { ok: false; error: CoqlError };

type TokenType = 'word' | 'ident' | 'string' | 'number' | 'punct' | 'end';

interface Token {
  type: TokenType;
  /** The word as written, the quoted text unescaped, or the punctuation. */
  text: string;
  pos: number;
}

class Fail {
  constructor(readonly error: CoqlError) {}
}

const fail = (code: string, message: string, details: Record<string, unknown> = {}): never => {
  throw new Fail({ code, details, message });
};

const PUNCT = ['!=', '>=', '<=', '=', '>', '<', ',', '(', ')', '*', ';'];
const WORD_RE = /[A-Za-z0-9_$.]/;
const NUMBER_RE = /^-?\d+(\.\d+)?$/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let k = 0;
  while (k < src.length) {
    const ch = src[k];
    if (/\s/.test(ch)) {
      k++;
      continue;
    }
    const start = k;
    if (ch === "'" || ch === '"') {
      let text = '';
      k++;
      for (;;) {
        if (k >= src.length) fail('SYNTAX_ERROR', 'error occured while parsing the query', { near: src.slice(start, start + 20) });
        if (src[k] === ch && src[k + 1] === ch) {
          text += ch;
          k += 2;
        } else if (src[k] === ch) {
          k++;
          break;
        } else text += src[k++];
      }
      out.push({ type: ch === "'" ? 'string' : 'ident', text, pos: start });
      continue;
    }
    if (ch === '-' && /\d/.test(src[k + 1] ?? '')) k++;
    if (WORD_RE.test(src[k] ?? '')) {
      while (k < src.length && WORD_RE.test(src[k])) k++;
      const text = src.slice(start, k);
      out.push({ type: NUMBER_RE.test(text) ? 'number' : 'word', text, pos: start });
      continue;
    }
    const p = PUNCT.find((s) => src.startsWith(s, k));
    if (p === undefined) return locationError(src, start, ch);
    out.push({ type: 'punct', text: p, pos: start });
    k += p.length;
  }
  out.push({ type: 'end', text: '', pos: src.length });
  return out;
}

function locationError(src: string, pos: number, near: string): never {
  const before = src.slice(0, pos).split('\n');
  return fail('SYNTAX_ERROR', 'unexpected token', { line: before.length, column: before[before.length - 1].length + 1, near });
}

const NOT_SUPPORTED_QUERY = ['update', 'delete', 'insert', 'create', 'drop', 'alter', 'truncate', 'merge', 'replace', 'with'];
/** Operators COQL has that this sandbox does not: answered as Zoho answers an operator it lacks. */
const UNSUPPORTED_OPERATORS = ['like', 'between', 'not'];

class Parser {
  private k = 0;
  private criteria = 0;

  constructor(private readonly src: string, private readonly toks: Token[]) {}

  private get tok(): Token {
    return this.toks[this.k];
  }

  private atEnd(): boolean {
    return this.tok.type === 'end';
  }

  private isWord(word: string, t: Token = this.tok): boolean {
    return t.type === 'word' && t.text.toLowerCase() === word;
  }

  private isPunct(p: string, t: Token = this.tok): boolean {
    return t.type === 'punct' && t.text === p;
  }

  private unexpected(): never {
    const t = this.tok;
    if (t.type === 'end') {
      const prev = this.toks[this.k - 1];
      return fail('SYNTAX_ERROR', 'error occured while parsing the query', { near: prev ? prev.text : '' });
    }
    return locationError(this.src, t.pos, t.text);
  }

  private expectWord(word: string): void {
    if (!this.isWord(word)) this.unexpected();
    this.k++;
  }

  private expectPunct(p: string): void {
    if (!this.isPunct(p)) this.unexpected();
    this.k++;
  }

  query(): CoqlQuery {
    if (!this.isWord('select')) {
      if (NOT_SUPPORTED_QUERY.some((w) => this.isWord(w))) fail('SYNTAX_ERROR', 'given coql query not supported');
      this.unexpected();
    }
    this.k++;
    const columns = this.columns();
    if (this.atEnd()) fail('SYNTAX_ERROR', 'missing clause', { clause: 'from' });
    this.expectWord('from');
    if (this.tok.type !== 'word' && this.tok.type !== 'ident') this.unexpected();
    const module = this.tok.text;
    this.k++;
    if (!this.isWord('where')) {
      if (this.atEnd() || this.isWord('order') || this.isWord('limit')) fail('SYNTAX_ERROR', 'missing clause', { clause: 'where' });
      this.unexpected();
    }
    this.k++;
    const where = this.expr();
    const orderBy = this.isWord('order') ? this.orderBy() : [];
    const { limit, offset } = this.isWord('limit') ? this.limit() : { limit: DEFAULT_LIMIT, offset: 0 };
    if (this.isPunct(';')) this.k++;
    if (!this.atEnd()) this.unexpected();
    return { columns, module, where, orderBy, limit, offset };
  }

  private columns(): string[] {
    const out = [this.column()];
    while (this.isPunct(',')) {
      this.k++;
      out.push(this.column());
    }
    if (out.length > MAX_COLUMNS) fail('LIMIT_EXCEEDED', `at most ${MAX_COLUMNS} columns can be selected`, { by: 'select_columns', limit: MAX_COLUMNS });
    return out;
  }

  /** A column name: bare or quoted. Joins (a.b), aggregates (f(x)) and aliases are outside the subset. */
  private column(): string {
    const t = this.tok;
    if (t.type === 'string' || t.type === 'ident') {
      this.k++;
      return t.text;
    }
    if (t.type !== 'word' || RESERVED.has(t.text.toLowerCase()) || SQL_WORDS.has(t.text.toLowerCase())) this.unexpected();
    if (t.text.includes('.') || this.isPunct('(', this.toks[this.k + 1]) || this.isWord('as', this.toks[this.k + 1])) {
      fail('SYNTAX_ERROR', 'given coql query not supported');
    }
    this.k++;
    return t.text;
  }

  /** At most two criteria per level: a third and/or on the same level needs parentheses. */
  private expr(): Expr {
    const left = this.term();
    if (!this.isWord('and') && !this.isWord('or')) return left;
    const kind = this.tok.text.toLowerCase() as 'and' | 'or';
    this.k++;
    const right = this.term();
    if (this.isWord('and') || this.isWord('or')) fail('SYNTAX_ERROR', 'error occured while parsing the query', { near: this.tok.text });
    return { kind, left, right };
  }

  private term(): Expr {
    if (this.isPunct('(')) {
      this.k++;
      const inner = this.expr();
      this.expectPunct(')');
      return inner;
    }
    if (this.isWord('not')) fail('SYNTAX_ERROR', 'operator not supported', { operator: 'not' });
    return this.criterion();
  }

  private criterion(): Criterion {
    const column = this.column();
    if (++this.criteria > MAX_CRITERIA) fail('LIMIT_EXCEEDED', `at most ${MAX_CRITERIA} criteria can be given`, { by: 'criteria', limit: MAX_CRITERIA });
    const t = this.tok;
    if (this.isWord('is')) {
      this.k++;
      const negated = this.isWord('not');
      if (negated) this.k++;
      this.expectWord('null');
      return { kind: 'null', column, negated };
    }
    if (this.isWord('in')) {
      this.k++;
      this.expectPunct('(');
      const values = [this.literal()];
      while (this.isPunct(',')) {
        this.k++;
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { kind: 'in', column, values };
    }
    const word = t.type === 'word' ? t.text.toLowerCase() : '';
    if (UNSUPPORTED_OPERATORS.includes(word)) {
      const next = this.toks[this.k + 1];
      const op = word === 'not' && next.type === 'word' ? `not ${next.text.toLowerCase()}` : word;
      fail('SYNTAX_ERROR', 'operator not supported', { operator: op });
    }
    if (t.type !== 'punct' || !COMPARE_OPS.includes(t.text as CompareOp)) this.unexpected();
    this.k++;
    return { kind: 'compare', column, op: t.text as CompareOp, value: this.literal() };
  }

  private literal(): Literal {
    const t = this.tok;
    if (t.type === 'string') {
      this.k++;
      return { kind: 'string', text: t.text };
    }
    if (t.type === 'number') {
      this.k++;
      return { kind: 'number', text: t.text };
    }
    if (this.isWord('true') || this.isWord('false')) {
      this.k++;
      return { kind: 'bool', text: t.text, value: t.text.toLowerCase() === 'true' };
    }
    return this.unexpected();
  }

  private orderBy(): OrderKey[] {
    this.k++;
    this.expectWord('by');
    const keys: OrderKey[] = [];
    do {
      if (keys.length > 0) this.k++;
      const column = this.column();
      let desc = false;
      if (this.isWord('asc') || this.isWord('desc')) {
        desc = this.isWord('desc');
        this.k++;
      }
      keys.push({ column, desc });
    } while (this.isPunct(','));
    return keys;
  }

  /** limit n | limit offset, n | limit n offset m; each value one token, checked as Zoho documents. */
  private limit(): { limit: number; offset: number } {
    this.k++;
    const first = this.valueToken();
    let limitText = first;
    let offsetText = '0';
    if (this.isPunct(',')) {
      this.k++;
      offsetText = first;
      limitText = this.valueToken();
    } else if (this.isWord('offset')) {
      this.k++;
      offsetText = this.valueToken();
    }
    if (!/^-?\d+$/.test(limitText)) fail('INVALID_QUERY', 'limit given seems to be invalid', { limit: limitText });
    const limit = Number(limitText);
    if (limit <= 0) fail('INVALID_DATA', 'limit should be greater than 0');
    if (limit > MAX_LIMIT) fail('INVALID_QUERY', 'limit given seems to be invalid', { limit: limitText });
    if (!/^\d+$/.test(offsetText)) fail('INVALID_QUERY', 'offset given seems to be invalid', { offset: offsetText });
    const offset = Number(offsetText);
    if (offset + limit > MAX_REACH) {
      fail('INVALID_QUERY', `offset given seems to be invalid: offset + limit may not exceed ${MAX_REACH}`, { offset: offsetText });
    }
    return { limit, offset };
  }

  private valueToken(): string {
    const t = this.tok;
    if (t.type === 'end' || t.type === 'punct') this.unexpected();
    this.k++;
    return t.text;
  }
}

const COMPARE_OPS: readonly CompareOp[] = ['=', '!=', '>', '>=', '<', '<='];
/** Words that end a column list or a criterion: never taken as a bare column name. */
const RESERVED = new Set(['select', 'from', 'where', 'order', 'by', 'limit', 'offset', 'and', 'or', 'is', 'not', 'null', 'in', 'asc', 'desc']);

/**
 * SQL reserved words Zoho refuses as a bare column (its COQL FAQ: `select External from Contacts` is a
 * SYNTAX_ERROR; `select 'External' …` is not). Some of them, not the whole standard: enough for a
 * crawler that names fields as they come to meet the refusal.
 */
const SQL_WORDS = new Set([
  'external', 'date', 'time', 'timestamp', 'year', 'month', 'day', 'user', 'value', 'position', 'language', 'start', 'end', 'case', 'group', 'rank',
]);

export function parseCoql(src: string): Parsed {
  try {
    return { ok: true, query: new Parser(src, tokenize(src)).query() };
  } catch (err) {
    if (err instanceof Fail) return { ok: false, error: err.error };
    throw err;
  }
}

