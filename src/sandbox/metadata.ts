// GET /settings/modules and /settings/fields bodies, built from the catalog.
import { fieldId, moduleId, type DataType, type FieldSpec, type ModuleSpec } from './catalog.js';
import type { Catalog } from './org-catalog.js';
import { isoWithOffset, ORG_START_MS } from './time.js';
import type { FieldMeta, ModuleMeta } from './types.js';

const JSON_TYPE: Record<DataType, string> = {
  text: 'string', textarea: 'string', email: 'string', phone: 'string', website: 'string', autonumber: 'string',
  integer: 'integer', double: 'double', percent: 'double', currency: 'double', boolean: 'boolean', date: 'string',
  datetime: 'string', lookup: 'jsonobject', ownerlookup: 'jsonobject', picklist: 'string', multiselectpicklist: 'jsonarray',
  subform: 'jsonarray',
};

/** Zoho: rich-text fields hold up to 50,000 characters. */
const RICH_TEXT_LENGTH = 50_000;
const LENGTH: Partial<Record<DataType, number>> = { textarea: 32000, integer: 9, double: 16, currency: 16, percent: 5, boolean: 5 };

function label(api: string): string {
  return api.replace(/_/g, ' ');
}

export function moduleMeta(catalog: Catalog, spec: ModuleSpec, offset: string): ModuleMeta {
  const no = catalog.no(spec.api);
  return {
    api_name: spec.api,
    module_name: spec.moduleName,
    singular_label: spec.singular,
    plural_label: spec.plural,
    id: moduleId(no),
    api_supported: spec.supported,
    generated_type: spec.generated,
    status: 'visible',
    visibility: 1,
    viewable: true,
    creatable: spec.supported,
    editable: spec.supported,
    deletable: spec.supported,
    convertable: spec.convertable === true,
    parent_module: {},
    modified_time: spec.generated === 'custom' ? isoWithOffset(ORG_START_MS + no * 86400000, offset) : null,
    sequence_number: no,
    presence_sub_menu: spec.supported,
    isBlueprintSupported: spec.supported,
  };
}

export function allModuleMeta(catalog: Catalog, offset: string): ModuleMeta[] {
  return catalog.listed().map((m) => moduleMeta(catalog, m, offset));
}

function fieldMeta(catalog: Catalog, no: number, f: FieldSpec, k: number): FieldMeta {
  const target = f.lookup === undefined ? undefined : catalog.spec(f.lookup);
  return {
    api_name: f.api,
    field_label: f.label ?? label(f.api),
    display_label: f.label ?? label(f.api),
    data_type: f.type,
    json_type: JSON_TYPE[f.type],
    id: fieldId(no, k),
    read_only: f.readOnly === true,
    custom_field: f.custom === true,
    visible: true,
    system_mandatory: f.identity === true && k < 3,
    length: f.richText ? RICH_TEXT_LENGTH : (LENGTH[f.type] ?? 255),
    decimal_place: f.type === 'currency' || f.type === 'double' ? 2 : null,
    lookup: target
      ? { module: { api_name: target.api, id: moduleId(catalog.no(target.api)) }, display_label: label(f.api), api_name: f.api }
      : {},
    subform: f.subform ? { module: f.subform, id: moduleId(catalog.no(f.subform)) } : null,
    textarea: f.type === 'textarea' ? { type: f.richText ? 'rich_text' : 'large' } : null,
    pick_list_values: (f.picks ?? []).map((v, n) => ({ display_value: v, actual_value: v, id: fieldId(no, 500 + k * 20 + n) })),
  };
}

export function fieldsMeta(catalog: Catalog, spec: ModuleSpec): FieldMeta[] {
  const no = catalog.no(spec.api);
  return spec.fields.map((f, k) => fieldMeta(catalog, no, f, k));
}
