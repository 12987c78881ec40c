// Which modules a crawl reads: the API-readable ones (api_supported), narrowed by the whitelist.
// A whitelisted name the org lacks, or cannot serve over the API, is reported by name and never requested.
import type { ModuleMeta } from './schemas.js';

export interface SelectedModule {
  meta: ModuleMeta;
  /** The whitelist named it: a refusal is then an error, not a quiet skip (DESIGN.md). */
  explicit: boolean;
}

export interface Selection {
  modules: SelectedModule[];
  /** Whitelisted names that cannot be read, with the reason. */
  unreadable: Array<{ name: string; reason: string }>;
  /** Modules left out because the API cannot read them (api_supported false); never requested. */
  unsupported: string[];
}

/**
 * Readable unless the list says otherwise: api_supported false is Zoho's word that the API cannot
 * read a module; a list without the key says nothing, so the module is tried (a refusal is then
 * skipped and reported like any 403/404), rather than an org's data silently left out.
 */
const readable = (m: ModuleMeta): boolean => m.api_supported !== false;

export function selectModules(listed: readonly ModuleMeta[], whitelist: readonly string[] | undefined): Selection {
  // A module listed twice is read once (the first entry wins): its stem must not get every record twice.
  const seen = new Set<string>();
  const all = listed.filter((m) => !seen.has(m.api_name) && Boolean(seen.add(m.api_name)));
  const supported = all.filter(readable);
  const unsupported = all.filter((m) => !readable(m)).map((m) => m.api_name);
  if (!whitelist) return { modules: supported.map((meta) => ({ meta, explicit: false })), unreadable: [], unsupported };

  const modules: SelectedModule[] = [];
  const unreadable: Selection['unreadable'] = [];
  const taken = new Set<string>();
  for (const name of whitelist) {
    // Exact api_name first; a unique case-insensitive match forgives "leads" for "Leads".
    const exact = all.find((m) => m.api_name === name);
    const loose = all.filter((m) => m.api_name.toLowerCase() === name.toLowerCase());
    const meta = exact ?? (loose.length === 1 ? loose[0] : undefined);
    if (!meta) {
      unreadable.push({ name, reason: `ZOHO_MODULE_WHITELIST names ${JSON.stringify(name)}, which is not a module of this org (no such api_name)` });
    } else if (!readable(meta)) {
      unreadable.push({ name: meta.api_name, reason: `ZOHO_MODULE_WHITELIST names ${JSON.stringify(name)}, which the API cannot read (api_supported: false)` });
    } else if (!taken.has(meta.api_name)) {
      taken.add(meta.api_name);
      modules.push({ meta, explicit: true });
    }
  }
  return { modules, unreadable, unsupported };
}

/**
 * Leads hide converted records unless asked (`converted=both`). Zoho documents the parameter for
 * Leads only (other `convertable` modules such as Quotes convert without hiding anything).
 */
export function hasConvertedRecords(meta: ModuleMeta): boolean {
  return meta.api_name === 'Leads';
}
