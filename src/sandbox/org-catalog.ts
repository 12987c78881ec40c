// One sandbox's catalogue: the fixed modules of catalog.ts, optionally widened to a minimum number of
// fields (`minFields`) and followed by generated custom modules (`extraModules`). Without options it is
// exactly MODULES, so every existing answer keeps its bytes.
import { MODULES, type DataType, type FieldSpec, type ModuleSpec } from './catalog.js';
import * as V from './values.js';

export interface CatalogOptions {
  /** Readable modules with fewer fields get `Custom_Field_1`… appended up to this many. */
  minFields?: number;
  /** Readable custom modules `Custom_Module_1`… appended after the fixed ones. */
  extraModules?: number;
  /** Deals gets a subform field, Line_Items, whose rows are the unlisted module Line_Items__s. */
  subforms?: boolean;
  /** The `minFields` custom fields are all multi-line text of mixed scripts instead of the type mix. */
  textFields?: boolean;
}

export const SUBFORM_PARENT = 'Deals';
export const SUBFORM_FIELD = 'Line_Items';
export const SUBFORM_MODULE = 'Line_Items__s';

/** Deals with its subform field before the system fields at the end. */
function withSubform(spec: ModuleSpec): ModuleSpec {
  if (spec.api !== SUBFORM_PARENT) return spec;
  const at = spec.fields.findIndex((f) => f.api === 'Created_By');
  const field: FieldSpec = { api: SUBFORM_FIELD, type: 'subform', subform: SUBFORM_MODULE, custom: true };
  return { ...spec, fields: [...spec.fields.slice(0, at), field, ...spec.fields.slice(at)] };
}

/** Ids carry the module number in two digits; the fixed catalogue uses 14 of them. */
export const MAX_EXTRA_MODULES = 50;
/** Far beyond any real module, and still cheap to generate. */
export const MAX_MIN_FIELDS = 500;

export const extraModuleName = (k: number): string => `Custom_Module_${k}`;

const PICKS = ['Alpha', 'Beta', 'Gamma', 'Delta', 'Epsilon', 'Ünïcode "quoted"', 'Commas, inside'] as const;

/** The realistic mix a custom field cycles through, with the share of nulls each carries. */
const CUSTOM_MIX: ReadonlyArray<{ type: DataType; nullRate: number; picks?: readonly string[] }> = [
  { type: 'text', nullRate: 0.2 },
  { type: 'integer', nullRate: 0 },
  { type: 'double', nullRate: 0.3 },
  { type: 'currency', nullRate: 0.1 },
  { type: 'date', nullRate: 0.4 },
  { type: 'datetime', nullRate: 0.25 },
  { type: 'picklist', nullRate: 0.15, picks: PICKS },
  { type: 'boolean', nullRate: 0 },
  { type: 'email', nullRate: 0.5 },
  { type: 'phone', nullRate: 0.35 },
];

/** Text-heavy records, as orgs full of notes and names in many scripts have them. */
const TEXT_MIX: typeof CUSTOM_MIX = [{ type: 'textarea', nullRate: 0.1 }];

/** `count` custom fields named `${prefix}${first}`…, types cycling through `types`. */
function customFields(prefix: string, first: number, count: number, types = CUSTOM_MIX): FieldSpec[] {
  return Array.from({ length: count }, (_, k) => {
    const n = first + k;
    const mix = types[(n - 1) % types.length];
    return { api: `${prefix}${n}`, type: mix.type, custom: true, nullRate: mix.nullRate, picks: mix.picks };
  });
}

const SYSTEM_HEAD: FieldSpec = { api: 'Owner', type: 'ownerlookup', label: 'Owner' };
const SYSTEM_TAIL: FieldSpec[] = [
  { api: 'Created_By', type: 'ownerlookup', readOnly: true },
  { api: 'Modified_By', type: 'ownerlookup', readOnly: true },
  { api: 'Created_Time', type: 'datetime', readOnly: true },
  { api: 'Modified_Time', type: 'datetime', readOnly: true },
];

/** The subform module: rows of a Deal's line items, each naming its Deal in Parent_Id. */
const LINE_ITEMS: ModuleSpec = {
  api: SUBFORM_MODULE, moduleName: SUBFORM_MODULE, singular: 'Line Item', plural: 'Line Items', generated: 'subform', supported: true, unlisted: true,
  fields: [
    { api: 'Parent_Id', type: 'lookup', lookup: SUBFORM_PARENT },
    { api: 'Product', type: 'lookup', lookup: 'Products', nullRate: 0.1 },
    { api: 'Quantity', type: 'double' },
    { api: 'List_Price', type: 'currency' },
    ...SYSTEM_TAIL.slice(2),
  ],
};

/** Custom module k: 20–40 fields (system fields, a name, a lookup, the custom mix). */
function extraModule(k: number): ModuleSpec {
  const api = extraModuleName(k);
  const total = 20 + ((k * 7) % 21);
  const own: FieldSpec[] = [
    { api: 'Name', type: 'text', identity: true },
    { api: 'Account', type: 'lookup', lookup: 'Accounts', custom: true, nullRate: 0.3 },
  ];
  const fill = total - 1 - own.length - SYSTEM_TAIL.length;
  return {
    api, moduleName: api, singular: `Custom Record ${k}`, plural: `Custom Records ${k}`, generated: 'custom', supported: true,
    displayField: 'Name',
    identity: (r, i) => ({ Name: `${r.pick(V.WORDS)} ${k}-${i + 1}` }),
    fields: [SYSTEM_HEAD, ...own, ...customFields('Field_', 1, fill), ...SYSTEM_TAIL],
  };
}

function widened(spec: ModuleSpec, minFields: number, types: typeof CUSTOM_MIX): ModuleSpec {
  if (!spec.supported || spec.fields.length >= minFields) return spec;
  return { ...spec, fields: [...spec.fields, ...customFields('Custom_Field_', 1, minFields - spec.fields.length, types)] };
}

function checkCount(name: string, n: number | undefined, max: number): void {
  if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= max)) {
    throw new Error(`sandbox ${name}: ${n} is not allowed; expected a whole number from 0 to ${max}`);
  }
}

export class Catalog {
  /** In the order GET /settings/modules lists them; index + 1 is the module's number in ids. */
  readonly modules: readonly ModuleSpec[];
  private readonly byName: Map<string, number>;
  private readonly byLowerName: Map<string, number>;

  constructor(opts: CatalogOptions = {}) {
    checkCount('minFields', opts.minFields, MAX_MIN_FIELDS);
    checkCount('extraModules', opts.extraModules, MAX_EXTRA_MODULES);
    const extra = Array.from({ length: opts.extraModules ?? 0 }, (_, k) => extraModule(k + 1));
    const all = opts.subforms ? [...MODULES.map(withSubform), ...extra, LINE_ITEMS] : [...MODULES, ...extra];
    const min = opts.minFields ?? 0;
    const types = opts.textFields ? TEXT_MIX : CUSTOM_MIX;
    this.modules = min > 0 ? all.map((s) => widened(s, min, types)) : all;
    this.byName = new Map(this.modules.map((m, k) => [m.api, k]));
    this.byLowerName = new Map(this.modules.map((m, k) => [m.api.toLowerCase(), k]));
  }

  spec(api: string): ModuleSpec | undefined {
    const k = this.byName.get(api);
    return k === undefined ? undefined : this.modules[k];
  }

  /** As the API matches a module name in a URL: exactly, else case-insensitively. */
  find(name: string): ModuleSpec | undefined {
    const k = this.byName.get(name) ?? this.byLowerName.get(name.toLowerCase());
    return k === undefined ? undefined : this.modules[k];
  }

  no(api: string): number {
    const k = this.byName.get(api);
    if (k === undefined) throw new Error(`no module ${api}`);
    return k + 1;
  }

  readable(): ModuleSpec[] {
    return this.modules.filter((m) => m.supported);
  }

  /** What GET /settings/modules lists (subform modules are not). */
  listed(): ModuleSpec[] {
    return this.modules.filter((m) => !m.unlisted);
  }
}
