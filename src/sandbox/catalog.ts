// The org's modules and fields: what exists, in which order, of which type, and how each value is made.
// Metadata (GET /settings/modules, /settings/fields) and record generation both read this one table.
import type { Rng } from './prng.js';
import * as V from './values.js';

export type DataType =
  | 'text' | 'textarea' | 'email' | 'phone' | 'website' | 'autonumber' | 'integer' | 'double' | 'percent'
  | 'currency' | 'boolean' | 'date' | 'datetime' | 'lookup' | 'ownerlookup' | 'picklist' | 'multiselectpicklist' | 'subform';

export interface UserRef { name: string; id: string; email: string }
export interface LookupRef { name: string; id: string }

/** What a value generator may use; `r` is the record's revision stream (mutate() starts a new one). */
export interface GenCtx {
  r: Rng;
  i: number;
  identity: Record<string, unknown>;
  createdMs: number;
  lookup(target: string): LookupRef | null;
  user(): UserRef;
}

export interface FieldSpec {
  api: string;
  type: DataType;
  label?: string;
  custom?: boolean;
  readOnly?: boolean;
  /** Target module of a lookup. */
  lookup?: string;
  picks?: readonly string[];
  /** Probability the value is null. */
  nullRate?: number;
  /** Value generator; the default depends on the type. Identity and system fields have none. */
  gen?: (c: GenCtx) => unknown;
  /** Filled from the module's identity (stable across revisions, used by lookups and deleted entries). */
  identity?: boolean;
  /** A rich-text multi-line field (textarea): list answers cut it; actions/fetch_full_data gives it whole. */
  richText?: boolean;
  /** A subform field: the api name of the subform module holding its rows. List answers leave it out. */
  subform?: string;
}

export interface ModuleSpec {
  api: string;
  moduleName: string;
  singular: string;
  plural: string;
  generated: 'default' | 'custom' | 'subform';
  supported: boolean;
  convertable?: boolean;
  /** Only admins may list it (Notes). */
  adminOnly?: boolean;
  /** The identity field that names a record (lookups' `name`, deleted entries' `display_name`). */
  displayField?: string;
  identity?: (r: Rng, i: number) => Record<string, unknown>;
  fields: FieldSpec[];
  /** Not in GET /settings/modules, yet readable by name (a subform module: its parent's fields name it). */
  unlisted?: boolean;
}

const SYSTEM_FIELDS: FieldSpec[] = [
  { api: 'Owner', type: 'ownerlookup', label: 'Owner' },
  { api: 'Created_By', type: 'ownerlookup', readOnly: true },
  { api: 'Modified_By', type: 'ownerlookup', readOnly: true },
  { api: 'Created_Time', type: 'datetime', readOnly: true },
  { api: 'Modified_Time', type: 'datetime', readOnly: true },
];

const withSystem = (fields: FieldSpec[]): FieldSpec[] => [SYSTEM_FIELDS[0], ...fields, ...SYSTEM_FIELDS.slice(1)];

const P = {
  leadSource: ['Advertisement', 'Cold Call', 'Employee Referral', 'External Referral', 'Online Store', 'Partner', 'Web Download', 'Trade Show'],
  leadStatus: ['Attempted to Contact', 'Contact in Future', 'Contacted', 'Junk Lead', 'Lost Lead', 'Not Contacted', 'Pre-Qualified'],
  industry: ['ASP', 'Data/Telecom OEM', 'ERP', 'Government/Military', 'Large Enterprise', 'Management ISV', 'Non-management ISV', 'Service Provider'],
  rating: ['Acquired', 'Active', 'Market Failed', 'Project Cancelled', 'Shut Down'],
  salutation: ['Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Prof.'],
  interests: ['CRM', 'Analytics', 'Mail', 'Desk', 'Books', 'Projects', 'Ünïcode "quoted"', 'Commas, inside'],
  languages: ['English', 'Deutsch', 'Español', 'Русский', '日本語', 'العربية', 'Ελληνικά'],
  stage: ['Qualification', 'Needs Analysis', 'Value Proposition', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost'],
  dealType: ['New Business', 'Existing Business'],
  taskStatus: ['Not Started', 'Deferred', 'In Progress', 'Completed', 'Waiting for input'],
  priority: ['High', 'Highest', 'Low', 'Lowest', 'Normal'],
  accountType: ['Analyst', 'Competitor', 'Customer', 'Distributor', 'Integrator', 'Investor', 'Partner', 'Press', 'Prospect', 'Reseller', 'Other'],
  ownership: ['Public', 'Private', 'Subsidiary', 'Partnership', 'Government', 'Other'],
  productCategory: ['Hardware', 'Software', 'CRM Applications', 'Services'],
  tax: ['Sales Tax', 'VAT', 'GST', 'Service Tax'],
  phase: ['Planning', 'Build', 'Test', 'Go-live', 'Hypercare'],
  hobbies: ['Golf', 'Chess', 'Hiking', 'Cooking', 'Music 🎵'],
  glAccount: ['Sales-Software', 'Sales-Hardware', 'Rental-Income', 'Interest-Income'],
} as const;

function personIdentity(r: Rng): Record<string, unknown> {
  const { first, last } = V.personName(r);
  return { First_Name: first, Last_Name: last, Full_Name: V.fullName(first, last) };
}

const emailOf = (c: GenCtx): string => V.email(c.r, String(c.identity.Full_Name ?? c.identity.Account_Name ?? c.identity.Name ?? 'user'), c.i);

/** Survey-style custom text fields that push Leads past 50 fields, as real orgs do. */
const surveyFields = (n: number): FieldSpec[] =>
  Array.from({ length: n }, (_, k) => ({ api: `Survey_Answer_${k + 1}`, type: 'text' as const, custom: true, nullRate: 0.5 }));

const LEADS: ModuleSpec = {
  api: 'Leads', moduleName: 'Leads', singular: 'Lead', plural: 'Leads', generated: 'default', supported: true, convertable: true,
  displayField: 'Full_Name',
  identity: (r) => ({ ...personIdentity(r), Company: r.pick(V.COMPANIES) }),
  fields: withSystem([
    { api: 'Company', type: 'text', identity: true },
    { api: 'First_Name', type: 'text', identity: true },
    { api: 'Last_Name', type: 'text', identity: true },
    { api: 'Full_Name', type: 'text', identity: true, readOnly: true },
    { api: 'Salutation', type: 'picklist', picks: P.salutation, nullRate: 0.3 },
    { api: 'Designation', type: 'text', gen: (c) => c.r.pick(V.TITLES), nullRate: 0.2 },
    { api: 'Email', type: 'email', gen: emailOf, nullRate: 0.1 },
    { api: 'Secondary_Email', type: 'email', gen: emailOf, nullRate: 0.7 },
    { api: 'Phone', type: 'phone' },
    { api: 'Mobile', type: 'phone', nullRate: 0.4 },
    { api: 'Fax', type: 'phone', nullRate: 0.8 },
    { api: 'Website', type: 'website', gen: (c) => V.website(c.r, String(c.identity.Company)), nullRate: 0.3 },
    { api: 'Lead_Source', type: 'picklist', picks: P.leadSource },
    { api: 'Lead_Status', type: 'picklist', picks: P.leadStatus },
    { api: 'Industry', type: 'picklist', picks: P.industry, nullRate: 0.2 },
    { api: 'No_of_Employees', type: 'integer', nullRate: 0.3 },
    { api: 'Annual_Revenue', type: 'currency', nullRate: 0.3 },
    { api: 'Rating', type: 'picklist', picks: P.rating, nullRate: 0.4 },
    { api: 'Email_Opt_Out', type: 'boolean' },
    { api: 'Skype_ID', type: 'text', gen: (c) => `live:${V.slug(String(c.identity.Last_Name)) || 'user'}_${c.i}`, nullRate: 0.6 },
    { api: 'Twitter', type: 'text', gen: (c) => `@${V.slug(String(c.identity.Last_Name)) || 'x'}${c.i}`, nullRate: 0.6 },
    { api: 'Street', type: 'text', gen: (c) => c.r.pick(V.STREETS) },
    { api: 'City', type: 'text', gen: (c) => c.r.pick(V.CITIES) },
    { api: 'State', type: 'text', nullRate: 0.5 },
    { api: 'Zip_Code', type: 'text', gen: (c) => String(c.r.range(10000, 99999)) },
    { api: 'Country', type: 'text', gen: (c) => c.r.pick(V.COUNTRIES) },
    { api: 'Description', type: 'textarea', nullRate: 0.2 },
    { api: 'Last_Activity_Time', type: 'datetime', readOnly: true, nullRate: 0.3 },
    { api: 'Unsubscribed_Mode', type: 'picklist', picks: ['Consent form', 'Manual', 'Unsubscribe link', 'Zoho campaigns'], nullRate: 0.85 },
    { api: 'Unsubscribed_Time', type: 'datetime', nullRate: 0.85 },
    { api: 'Lead_Number', type: 'autonumber', readOnly: true, gen: (c) => `LEAD-${String(c.i + 1).padStart(7, '0')}` },
    { api: 'Budget', type: 'currency', custom: true, nullRate: 0.4 },
    { api: 'Score', type: 'integer', custom: true },
    { api: 'Win_Chance', type: 'percent', custom: true },
    { api: 'Preferred_Contact_Date', type: 'date', custom: true, nullRate: 0.5 },
    { api: 'Next_Call_At', type: 'datetime', custom: true, nullRate: 0.5 },
    { api: 'Product_Interest', type: 'multiselectpicklist', picks: P.interests, custom: true },
    { api: 'Languages', type: 'multiselectpicklist', picks: P.languages, custom: true },
    { api: 'Referred_By', type: 'lookup', lookup: 'Contacts', custom: true, nullRate: 0.6 },
    { api: 'Partner_Account', type: 'lookup', lookup: 'Accounts', custom: true, nullRate: 0.5 },
    { api: 'VIP', type: 'boolean', custom: true },
    { api: 'Weight_Kg', type: 'double', custom: true, nullRate: 0.7 },
    { api: 'Campaign_Note', type: 'textarea', custom: true, nullRate: 0.5 },
    ...surveyFields(14),
  ]),
};

const CONTACTS: ModuleSpec = {
  api: 'Contacts', moduleName: 'Contacts', singular: 'Contact', plural: 'Contacts', generated: 'default', supported: true,
  displayField: 'Full_Name',
  identity: personIdentity,
  fields: withSystem([
    { api: 'First_Name', type: 'text', identity: true },
    { api: 'Last_Name', type: 'text', identity: true },
    { api: 'Full_Name', type: 'text', identity: true, readOnly: true },
    { api: 'Account_Name', type: 'lookup', lookup: 'Accounts', nullRate: 0.1 },
    { api: 'Vendor_Name', type: 'lookup', lookup: 'Vendors', nullRate: 0.5 },
    { api: 'Reports_To', type: 'lookup', lookup: 'Contacts', nullRate: 0.7 },
    { api: 'Email', type: 'email', gen: emailOf },
    { api: 'Phone', type: 'phone' },
    { api: 'Mobile', type: 'phone', nullRate: 0.4 },
    { api: 'Title', type: 'text', gen: (c) => c.r.pick(V.TITLES) },
    { api: 'Department', type: 'text', nullRate: 0.5 },
    { api: 'Lead_Source', type: 'picklist', picks: P.leadSource },
    { api: 'Date_of_Birth', type: 'date', nullRate: 0.6 },
    { api: 'Mailing_Street', type: 'text', gen: (c) => c.r.pick(V.STREETS) },
    { api: 'Mailing_City', type: 'text', gen: (c) => c.r.pick(V.CITIES) },
    { api: 'Mailing_Country', type: 'text', gen: (c) => c.r.pick(V.COUNTRIES) },
    { api: 'Email_Opt_Out', type: 'boolean' },
    { api: 'Hobbies', type: 'multiselectpicklist', picks: P.hobbies, custom: true },
    { api: 'Description', type: 'textarea', nullRate: 0.3 },
    { api: 'Last_Activity_Time', type: 'datetime', readOnly: true, nullRate: 0.3 },
  ]),
};

const ACCOUNTS: ModuleSpec = {
  api: 'Accounts', moduleName: 'Accounts', singular: 'Account', plural: 'Accounts', generated: 'default', supported: true,
  displayField: 'Account_Name',
  identity: (r, i) => ({ Account_Name: `${r.pick(V.COMPANIES)} #${i + 1}` }),
  fields: withSystem([
    { api: 'Account_Name', type: 'text', identity: true },
    { api: 'Account_Number', type: 'autonumber', readOnly: true, gen: (c) => `ACC-${c.i + 1}` },
    { api: 'Account_Type', type: 'picklist', picks: P.accountType },
    { api: 'Industry', type: 'picklist', picks: P.industry },
    { api: 'Annual_Revenue', type: 'currency', nullRate: 0.2 },
    { api: 'Employees', type: 'integer' },
    { api: 'Ownership', type: 'picklist', picks: P.ownership, nullRate: 0.3 },
    { api: 'Rating', type: 'picklist', picks: P.rating, nullRate: 0.5 },
    { api: 'Phone', type: 'phone' },
    { api: 'Website', type: 'website', gen: (c) => V.website(c.r, String(c.identity.Account_Name)) },
    { api: 'Parent_Account', type: 'lookup', lookup: 'Accounts', nullRate: 0.8 },
    { api: 'Billing_City', type: 'text', gen: (c) => c.r.pick(V.CITIES) },
    { api: 'Billing_Country', type: 'text', gen: (c) => c.r.pick(V.COUNTRIES) },
    { api: 'Description', type: 'textarea', nullRate: 0.3 },
  ]),
};

const DEALS: ModuleSpec = {
  api: 'Deals', moduleName: 'Deals', singular: 'Deal', plural: 'Deals', generated: 'default', supported: true,
  displayField: 'Deal_Name',
  identity: (r, i) => ({ Deal_Name: `${r.pick(V.WORDS)} ${r.pick(V.WORDS)} deal ${i + 1}` }),
  fields: withSystem([
    { api: 'Deal_Name', type: 'text', identity: true },
    { api: 'Amount', type: 'currency' },
    { api: 'Stage', type: 'picklist', picks: P.stage },
    { api: 'Probability', type: 'percent' },
    { api: 'Expected_Revenue', type: 'currency', readOnly: true },
    { api: 'Closing_Date', type: 'date' },
    { api: 'Account_Name', type: 'lookup', lookup: 'Accounts' },
    { api: 'Contact_Name', type: 'lookup', lookup: 'Contacts', nullRate: 0.3 },
    { api: 'Type', type: 'picklist', picks: P.dealType },
    { api: 'Next_Step', type: 'text', nullRate: 0.5 },
    { api: 'Lead_Source', type: 'picklist', picks: P.leadSource, nullRate: 0.3 },
    { api: 'Description', type: 'textarea', nullRate: 0.4 },
  ]),
};

const TASKS: ModuleSpec = {
  api: 'Tasks', moduleName: 'Tasks', singular: 'Task', plural: 'Tasks', generated: 'default', supported: true,
  displayField: 'Subject',
  identity: (r) => ({ Subject: `${r.pick(['Call', 'Email', 'Send quote to', 'Visit', 'Follow up with'])} ${r.pick(V.LAST_NAMES)}` }),
  fields: withSystem([
    { api: 'Subject', type: 'text', identity: true },
    { api: 'Due_Date', type: 'date', nullRate: 0.2 },
    { api: 'Status', type: 'picklist', picks: P.taskStatus },
    { api: 'Priority', type: 'picklist', picks: P.priority },
    { api: 'What_Id', type: 'lookup', lookup: 'Accounts', nullRate: 0.3 },
    { api: 'Who_Id', type: 'lookup', lookup: 'Contacts', nullRate: 0.3 },
    { api: 'Send_Notification_Email', type: 'boolean' },
    { api: 'Closed_Time', type: 'datetime', readOnly: true, nullRate: 0.6 },
    { api: 'Description', type: 'textarea', nullRate: 0.4 },
  ]),
};

const EVENTS: ModuleSpec = {
  api: 'Events', moduleName: 'Meetings', singular: 'Meeting', plural: 'Meetings', generated: 'default', supported: true,
  displayField: 'Event_Title',
  identity: (r) => ({ Event_Title: `${r.pick(['Demo', 'Kick-off', 'Review', 'Lunch', 'Workshop'])} — ${r.pick(V.COMPANIES)}` }),
  fields: withSystem([
    { api: 'Event_Title', type: 'text', identity: true },
    { api: 'Start_DateTime', type: 'datetime' },
    { api: 'End_DateTime', type: 'datetime' },
    { api: 'All_day', type: 'boolean' },
    { api: 'Venue', type: 'text', gen: (c) => c.r.pick(V.CITIES), nullRate: 0.3 },
    { api: 'Who_Id', type: 'lookup', lookup: 'Contacts', nullRate: 0.3 },
    { api: 'Description', type: 'textarea', nullRate: 0.4 },
  ]),
};

const PRODUCTS: ModuleSpec = {
  api: 'Products', moduleName: 'Products', singular: 'Product', plural: 'Products', generated: 'default', supported: true,
  displayField: 'Product_Name',
  identity: (r, i) => ({ Product_Name: `${r.pick(V.WORDS)} ${r.pick(['Pro', 'Lite', 'Max', 'Ünï', '™'])} ${i + 1}` }),
  fields: withSystem([
    { api: 'Product_Name', type: 'text', identity: true },
    { api: 'Product_Code', type: 'text', gen: (c) => `P-${c.r.range(1000, 9999)}-${c.i}` },
    { api: 'Product_Active', type: 'boolean' },
    { api: 'Product_Category', type: 'picklist', picks: P.productCategory },
    { api: 'Unit_Price', type: 'currency' },
    { api: 'Commission_Rate', type: 'currency', nullRate: 0.5 },
    { api: 'Qty_in_Stock', type: 'double' },
    { api: 'Taxable', type: 'boolean' },
    { api: 'Tax', type: 'multiselectpicklist', picks: P.tax },
    { api: 'Description', type: 'textarea', nullRate: 0.4 },
    { api: 'Product_Details', type: 'textarea', richText: true, nullRate: 0.2, gen: (c) => V.richText(c.r) },
  ]),
};

const PROJECTS: ModuleSpec = {
  api: 'Projects_Custom', moduleName: 'Projects_Custom', singular: 'Project', plural: 'Projects', generated: 'custom', supported: true,
  displayField: 'Name',
  identity: (r, i) => ({ Name: `Project ${r.pick(V.WORDS)} ${i + 1}` }),
  fields: withSystem([
    { api: 'Name', type: 'text', identity: true },
    { api: 'Email', type: 'email', gen: emailOf, nullRate: 0.5 },
    { api: 'Budget', type: 'currency', custom: true },
    { api: 'Start_Date', type: 'date', custom: true },
    { api: 'Go_Live', type: 'datetime', custom: true, nullRate: 0.3 },
    { api: 'Phase', type: 'picklist', picks: P.phase, custom: true },
    { api: 'Labels', type: 'multiselectpicklist', picks: P.interests, custom: true },
    { api: 'Client', type: 'lookup', lookup: 'Accounts', custom: true, nullRate: 0.2 },
    { api: 'Progress', type: 'percent', custom: true },
    { api: 'Hours', type: 'double', custom: true },
    { api: 'Billable', type: 'boolean', custom: true },
    { api: 'Remarks', type: 'textarea', custom: true, nullRate: 0.3 },
  ]),
};

const NOTE_PARENTS = ['Leads', 'Contacts', 'Accounts', 'Deals'] as const;

const NOTES: ModuleSpec = {
  api: 'Notes', moduleName: 'Notes', singular: 'Note', plural: 'Notes', generated: 'default', supported: true, adminOnly: true,
  displayField: 'Note_Title',
  identity: (r) => ({ Note_Title: r.chance(0.2) ? null : `Note: ${r.pick(V.WORDS)}` }),
  fields: withSystem([
    { api: 'Note_Title', type: 'text', identity: true },
    { api: 'Note_Content', type: 'textarea' },
    {
      api: 'Parent_Id', type: 'lookup', lookup: 'Leads',
      gen: (c) => {
        const target = c.r.pick(NOTE_PARENTS);
        const ref = c.lookup(target);
        return ref && { ...ref, module: { api_name: target, id: moduleId(moduleNo(target)) } };
      },
    },
  ]),
};

const VENDORS: ModuleSpec = {
  api: 'Vendors', moduleName: 'Vendors', singular: 'Vendor', plural: 'Vendors', generated: 'default', supported: true,
  displayField: 'Vendor_Name',
  identity: (r, i) => ({ Vendor_Name: `${r.pick(V.COMPANIES)} supply ${i + 1}` }),
  fields: withSystem([
    { api: 'Vendor_Name', type: 'text', identity: true },
    { api: 'Email', type: 'email', gen: emailOf },
    { api: 'Phone', type: 'phone' },
    { api: 'Website', type: 'website', gen: (c) => V.website(c.r, String(c.identity.Vendor_Name)) },
    { api: 'GL_Account', type: 'picklist', picks: P.glAccount },
    { api: 'Description', type: 'textarea', nullRate: 0.4 },
  ]),
};

const unsupported = (api: string, label = api): ModuleSpec => ({
  api, moduleName: api, singular: label, plural: label, generated: 'default', supported: false, fields: [],
});

/** Every module, in the order GET /settings/modules lists them. The index is the module's number in ids. */
export const MODULES: readonly ModuleSpec[] = [
  unsupported('Home'), LEADS, CONTACTS, ACCOUNTS, DEALS, TASKS, EVENTS, unsupported('Reports'), unsupported('Dashboards'),
  PRODUCTS, VENDORS, NOTES, unsupported('Feeds'), PROJECTS,
];

const BY_NAME = new Map(MODULES.map((m, k) => [m.api, k]));

export function moduleNo(api: string): number {
  const k = BY_NAME.get(api);
  if (k === undefined) throw new Error(`no module ${api}`);
  return k + 1;
}

/** Zoho ids are 19-digit numeric strings; all ours share the prefix and length, so string order = numeric order. */
export const ID_PREFIX = '5725767';

export const moduleId = (no: number): string => `${ID_PREFIX}000000${String(2000 + no * 25).padStart(6, '0')}`;
export const fieldId = (no: number, k: number): string => `${ID_PREFIX}${String(no).padStart(2, '0')}00${String(3000000 + k * 7).padStart(8, '0')}`;

/** Record and deleted-entry ids: module number, then 10 digits growing with the index. */
export function recordId(no: number, slot: number, jitter: number): string {
  return `${ID_PREFIX}${String(no).padStart(2, '0')}${String(slot * 1000 + jitter).padStart(10, '0')}`;
}
