// The rest spider's settings, read and checked by the spider (its syntaxes are its own): the REST_*
// values in src/settings.ts are text; `restSettings` turns them into the spider's configuration, or
// into one line per problem (`NAME: problem; expected …`), which the engine reports with exit 2.
import type { Settings } from '../../settings.js';

const shown = (raw: unknown): string => JSON.stringify(String(raw));

export interface RestConfig {
  url: string;
  itemsPath: string[];
  next: RestNext;
  resource: string;
  headers: Array<[string, string]>;
  maxPages?: number;
}

/** The configuration, or the problems with the settings (none when `config` is set). */
export function restSettings(s: Settings): { config?: RestConfig; problems: string[] } {
  const problems: string[] = [];
  const check = <T>(name: string, value: string | undefined, parse: (text: string) => T): T | undefined => {
    if (value === undefined) return undefined;
    try {
      return parse(value);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return undefined;
    }
  };
  if (!s.REST_URL) problems.push('REST_URL: not set; expected the URL of the first page of the API, e.g. -s REST_URL=https://api.example.com/v1/items');
  check('REST_URL', s.REST_URL, pageUrl);
  check('REST_ITEMS_PATH', s.REST_ITEMS_PATH, dotPath);
  const next = check('REST_NEXT', s.REST_NEXT, parseRestNext);
  check('REST_RESOURCE', s.REST_RESOURCE, resourceName);
  const headers = check('REST_HEADERS', s.REST_HEADERS, parseRestHeaders) ?? [];
  if (problems.length || !s.REST_URL || !next) return { problems };
  const itemsPath = s.REST_ITEMS_PATH ? s.REST_ITEMS_PATH.split('.') : [];
  return { config: { url: s.REST_URL, itemsPath, next, resource: s.REST_RESOURCE, headers, maxPages: s.REST_MAX_PAGES }, problems };
}

/** How the rest spider finds the next page (REST_NEXT). */
export type RestNext =
  | { kind: 'none' }
  | { kind: 'link' }
  | { kind: 'json'; path: string[] }
  | { kind: 'cursor'; path: string[]; param: string }
  | { kind: 'page'; param: string };

const DOT_PATH = /^[^.\s:]+(?:\.[^.\s:]+)*$/;
const QUERY_PARAM = /^[A-Za-z0-9_.[\]-]+$/;
const REST_NEXT_EXPECTED = 'link, none, json:<dot.path>, cursor:<dot.path>:<query param> or page:<query param>';

/** Parses a REST_NEXT value; throws an Error saying what was expected. */
function parseRestNext(text: string): RestNext {
  const [head, ...rest] = text.trim().split(':');
  const kind = head.toLowerCase();
  if ((kind === 'none' || kind === 'link') && rest.length === 0) return { kind };
  if (kind === 'json' && rest.length === 1 && DOT_PATH.test(rest[0])) return { kind, path: rest[0].split('.') };
  if (kind === 'cursor' && rest.length === 2 && DOT_PATH.test(rest[0]) && QUERY_PARAM.test(rest[1])) {
    return { kind, path: rest[0].split('.'), param: rest[1] };
  }
  if (kind === 'page' && rest.length === 1 && QUERY_PARAM.test(rest[0])) return { kind, param: rest[0] };
  throw new Error(`${shown(text)} is not a paging rule; expected ${REST_NEXT_EXPECTED}`);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Splits a REST_HEADERS value (`Name: value; Name2: value2`, or one per line) into pairs. The error
 * names the bad part by its position, never its text: the value is secret.
 */
function parseRestHeaders(text: string): Array<[string, string]> {
  const parts = text.split(/[;\n]/).map((s) => s.trim());
  const out: Array<[string, string]> = [];
  parts.forEach((part, i) => {
    if (!part) return;
    const colon = part.indexOf(':');
    const name = colon > 0 ? part.slice(0, colon).trim() : '';
    const value = part.slice(colon + 1).trim();
    if (!HEADER_NAME.test(name) || !value) {
      throw new Error(
        `part ${i + 1} is not "Name: value" (not shown: the setting is secret); ` +
          'expected headers such as "Authorization: Bearer <token>; X-Api-Key: <key>"',
      );
    }
    out.push([name, value]);
  });
  return out;
}

/** An absolute http(s) URL kept exactly as written (a trailing slash can matter to an API). */
function pageUrl(text: string): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`${shown(text)} is not a URL; expected an absolute http(s) URL such as https://api.example.com/v1/items?per_page=100`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error(`${shown(text)} is not an http(s) URL; expected an absolute http(s) URL`);
  return u;
}

function dotPath(text: string): void {
  if (!DOT_PATH.test(text)) {
    throw new Error(`${shown(text)} is not a dot path; expected names joined by dots such as data or results.items (empty = the body itself)`);
  }
}

function resourceName(text: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(text) || /^\.+$/.test(text)) {
    throw new Error(`${shown(text)} is not a resource name; expected letters, digits, _ . - such as issues`);
  }
}
