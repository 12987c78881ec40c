// The documented differences between a record read by GET records and the same record read by COQL
// (README "Read paths"; Zoho's COQL documentation), written out from the rules alone, not from the
// crawler's code: a test that projects the records path's lines with them and finds the COQL lines
// proves the two paths differ exactly there.
import type { FieldMeta } from '../../src/sandbox/index.js';
import { ndjsonLine } from '../../src/pipelines/ndjson-line.js';

/** Field types COQL cannot select: their values are not in a COQL line. */
const NOT_SELECTABLE = new Set(['subform', 'multiselectlookup', 'fileupload', 'imageupload']);
/** Field types whose values COQL gives as {"id"} only (a record GET gives {"name","id"}, owners add "email"). */
const REFERENCES = new Set(['lookup', 'ownerlookup', 'userlookup']);

/**
 * A GET records line as COQL gives it: `$` keys dropped, lookups and owners reduced to {"id"}, the
 * fields COQL cannot select dropped, keys in field-metadata order and then id. Throws on a key that
 * none of these rules explains, so no other difference can hide behind the projection.
 */
export function asCoql(record: Record<string, unknown>, fields: readonly Pick<FieldMeta, 'api_name' | 'data_type'>[]): Record<string, unknown> {
  const byName = new Map(fields.map((f) => [f.api_name, f]));
  for (const key of Object.keys(record)) {
    if (key !== 'id' && !key.startsWith('$') && !byName.has(key)) throw new Error(`record ${String(record.id)}: key ${key} is neither a field, id nor a $-key`);
  }
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (NOT_SELECTABLE.has(f.data_type) || !(f.api_name in record) || f.api_name in out) continue;
    const value = record[f.api_name];
    out[f.api_name] = REFERENCES.has(f.data_type) && value !== null && typeof value === 'object' ? { id: (value as { id: unknown }).id } : value;
  }
  out.id = record.id;
  return out;
}

/** asCoql as the line the writer would write (the same serialisation as any object line). */
export const asCoqlLine = (line: string, fields: readonly Pick<FieldMeta, 'api_name' | 'data_type'>[]): string =>
  ndjsonLine(asCoql(JSON.parse(line) as Record<string, unknown>, fields)).replace(/\n$/, '');
