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
 * A line item made from the JSON the source sent, kept as bytes: `data` is parsed from them only when
 * something reads it. Writing a record is then a copy of its bytes, not JSON.parse plus
 * JSON.stringify (the largest part of the crawler's CPU). Once `data` has been read it may have been
 * changed (pipelines may edit items in place), so from then on the line is written from `data`.
 */
export class JsonLineItem<K extends LineItem['kind'] = LineItem['kind']> {
  private parsed: Record<string, unknown> | undefined;

  constructor(
    readonly kind: K,
    readonly module: string,
    /** The entry's id, known without parsing. */
    readonly id: string,
    private readonly json: Buffer,
    /**
     * The bytes may hold U+2028/U+2029 raw inside strings: the same JSON value, but the writer
     * escapes them as it copies the line (some line readers split there), so that the source's bytes
     * need no copy of their own first.
     */
    readonly separators = false,
  ) {}

  get data(): Record<string, unknown> {
    return (this.parsed ??= JSON.parse(this.json.toString('utf8')) as Record<string, unknown>);
  }

  set data(value: Record<string, unknown>) {
    this.parsed = value;
  }

  /** The source's JSON while `data` was never handed out (so it still says exactly what the line holds). */
  untouchedJson(): Buffer | undefined {
    return this.parsed === undefined ? this.json : undefined;
  }
}

/** The id of a line item, without parsing a JsonLineItem. */
export const lineIdOf = (item: LineItem): string => (item instanceof JsonLineItem ? item.id : String(item.data.id));

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
