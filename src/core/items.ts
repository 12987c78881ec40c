// The typed items spiders yield. Pipelines switch on `kind` instead of guessing what a line is
// (the original guessed by counting keys).

/** One record of a module, exactly as the source returned it (plus `module` when asked for). */
export interface RecordItem {
  kind: 'record';
  /** The module (or resource) the record belongs to: its api_name. Decides the output stem. */
  module: string;
  data: Record<string, unknown>;
}

/** One entry of a module's deleted-record log, the full entry as the source returned it. */
export interface DeletedItem {
  kind: 'deleted';
  module: string;
  data: Record<string, unknown>;
}

/** What a field is, as recorded in the manifest's schema snapshot. */
export interface FieldInfo {
  api_name: string;
  data_type: string;
}

/** Facts about a module that are not lines: its fields and its expected record count. */
export interface ModuleItem {
  kind: 'module';
  module: string;
  fields?: FieldInfo[];
  /** The record total the source announced (Zoho's actions/count), for progress. */
  expected?: number;
}

export type Item = RecordItem | DeletedItem | ModuleItem;
/** Items that become lines of output files. */
export type LineItem = RecordItem | DeletedItem;

export const isLineItem = (item: Item): item is LineItem => item.kind === 'record' || item.kind === 'deleted';

/**
 * A control signal, not an item: the spider will yield no more lines of kind `of` for `module`, so
 * that stem is complete. The engine hands it to each pipeline's `endStem` in the stream's order (the
 * chunk writer closes the stem's last file), then records the stem as finished for crash resume.
 * Kept out of `Item` on purpose: item consumers never see a kind they do not know.
 */
export interface StemEnd {
  kind: 'end';
  module: string;
  of: LineItem['kind'];
}

/**
 * Reduces a name from outside data to `[A-Za-z0-9_.-]` so it can never leave the run folder
 * (no `/`, no `..` as a whole name, never empty).
 */
export function safeStem(name: string): string {
  let stem = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  if (/^\.+$/.test(stem) || stem === '') stem = stem.replace(/\./g, '_') || '_';
  return stem;
}

/** The output stem of a line item: `<Module>` for records, `<Module>-Deleted` for deletions. */
export function stemOf(item: Pick<LineItem, 'kind' | 'module'>): string {
  const base = safeStem(item.module);
  return item.kind === 'deleted' ? `${base}-Deleted` : base;
}
