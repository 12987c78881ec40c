// Reading a page's JSON body: the items array at REST_ITEMS_PATH and values at dot paths, each
// checked with zod so a body of the wrong shape gives one message saying what was found.
import { z } from 'zod';
import { NonRetryableError } from '../../core/spider.js';

const itemsSchema = z.array(z.unknown());

/** A short, value-free description of JSON: what it is, and an object's keys. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 10).join(', ') + (keys.length > 10 ? ', …' : '');
    return keys.length ? `an object with keys ${shown}` : 'an empty object';
  }
  return `a ${typeof value}`;
}

/** The value at a dot path (a numeric part indexes an array), or undefined with where it stopped. */
export function valueAt(body: unknown, path: readonly string[]): { value: unknown; stoppedAt?: { path: string; found: unknown } } {
  let current = body;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    const here = path.slice(0, i).join('.') || '(the body)';
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current)) current = (current as Record<string, unknown>)[key];
    else return { value: undefined, stoppedAt: { path: here, found: current } };
  }
  return { value: current };
}

/** The items of a page; throws naming REST_ITEMS_PATH and what was there instead of an array. */
export function itemsOf(body: unknown, path: readonly string[], url: string): unknown[] {
  const { value, stoppedAt } = valueAt(body, path);
  const parsed = itemsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const setting = path.length ? `REST_ITEMS_PATH ${JSON.stringify(path.join('.'))}` : 'REST_ITEMS_PATH (empty: the body itself)';
  const found = stoppedAt ? `at ${stoppedAt.path} found ${describeJson(stoppedAt.found)}` : `found ${describeJson(value)}`;
  const arrays = arrayKeysOf(body);
  const hint = arrays.length ? `; arrays in the body: ${arrays.join(', ')}` : '';
  throw new NonRetryableError(`${setting} is not an array in the body of ${url}: ${found}; expected an array of items${hint}`);
}

/** Top-level and second-level keys whose values are arrays: the likely REST_ITEMS_PATH. */
function arrayKeysOf(body: unknown): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (Array.isArray(v)) out.push(k);
    else if (v !== null && typeof v === 'object') {
      for (const [k2, v2] of Object.entries(v)) if (Array.isArray(v2)) out.push(`${k}.${k2}`);
    }
  }
  return out.slice(0, 10);
}

/** An item as a record's data: objects as they are, anything else wrapped as {value}. */
export function recordData(item: unknown): Record<string, unknown> {
  return item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : { value: item };
}
