// The one "next page" function of the rest spider (like Singer's get_next_page_token): from the page
// just read and the REST_NEXT rule, the URL of the next page, or undefined when this was the last.
import { z } from 'zod';
import { NonRetryableError } from '../../core/spider.js';
import type { RestNext } from './settings.js';
import { describeJson, valueAt } from './page-body.js';
import type { FetchedPage } from './fetch-page.js';

export interface PageRead {
  page: FetchedPage;
  /** How many items the page held (page:<param> stops at an empty page). */
  itemCount: number;
}

const nextValueSchema = z.union([z.string(), z.number(), z.null(), z.undefined()]);

export function nextPageUrl(rule: RestNext, { page, itemCount }: PageRead): string | undefined {
  switch (rule.kind) {
    case 'none':
      return undefined;
    case 'link': {
      const target = linkTargets(page.header('link') ?? '', 'next')[0];
      return target === undefined ? undefined : new URL(target, page.url).href;
    }
    case 'json': {
      const value = nextValue(page, rule.path);
      return value === undefined ? undefined : new URL(value, page.url).href;
    }
    case 'cursor': {
      const value = nextValue(page, rule.path);
      return value === undefined ? undefined : withParam(page.url, rule.param, value);
    }
    case 'page':
      if (itemCount === 0) return undefined;
      return withParam(page.url, rule.param, String(pageNumberOf(page.url, rule.param) + 1));
  }
}

/** The page number a URL asks for: its `param`, or 1 when it has none (the API's first page). */
export function pageNumberOf(url: string, param: string): number {
  const raw = new URL(url).searchParams.get(param);
  if (raw === null) return 1;
  if (!/^\d+$/.test(raw)) throw new NonRetryableError(`REST_NEXT page:${param}: ${url} has ${param}=${JSON.stringify(raw)}; expected a whole page number`);
  return Number(raw);
}

/** The next-page URL or token at a path of the body; null, missing or empty mean "last page". */
function nextValue(page: FetchedPage, path: readonly string[]): string | undefined {
  const { value } = valueAt(page.body, path);
  const parsed = nextValueSchema.safeParse(value);
  if (!parsed.success) {
    throw new NonRetryableError(
      `REST_NEXT ${JSON.stringify(path.join('.'))} in the body of ${page.url} is ${describeJson(value)}; expected a string, a number, or null on the last page`,
    );
  }
  const text = parsed.data === null || parsed.data === undefined ? '' : String(parsed.data).trim();
  return text === '' ? undefined : text;
}

function withParam(url: string, param: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(param, value);
  return u.href;
}

/**
 * Targets of an RFC 8288 Link header whose rel includes `rel`, in order. Tolerant of spacing,
 * quoted or bare parameter values, several rel values, and several headers joined by commas.
 */
export function linkTargets(header: string, rel: string): string[] {
  const out: string[] = [];
  const link = /<([^>]*)>((?:[^<"]|"(?:[^"\\]|\\.)*")*)/g;
  const param = /;\s*([^\s=;,]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;,]*))?/g;
  for (const [, target, params] of header.matchAll(link)) {
    for (const [, name, rawValue] of params.matchAll(param)) {
      if (name.toLowerCase() !== 'rel' || rawValue === undefined) continue;
      const value = rawValue.trim().replace(/^"(.*)"$/s, '$1');
      if (value.toLowerCase().split(/\s+/).includes(rel)) out.push(target.trim());
    }
  }
  return out;
}
