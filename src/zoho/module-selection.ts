// Which modules a crawl reads: the API-readable ones (api_supported), narrowed by the whitelist.
// The original's rule holds for whitelisted names too: "even if you manually specify such a Module
// name in this list, it will be ignored if the API cannot access it" — such a module is skipped with
// a warning. A name the org does not have at all is most likely a typo: an error naming the closest.
import type { ModuleMeta } from './schemas.js';

export interface SelectedModule {
  meta: ModuleMeta;
  /** The whitelist named it: a refusal is then logged as a warning, not as routine. */
  explicit: boolean;
}

export interface Selection {
  modules: SelectedModule[];
  /** Whitelisted names the org does not have (likely typos), with a reason naming the closest modules. */
  unknown: Array<{ name: string; reason: string }>;
  /** Whitelisted modules the API cannot read (api_supported false): skipped, like the original did. */
  skipped: Array<{ name: string; reason: string }>;
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
  const none = { unknown: [], skipped: [], unsupported };
  if (!whitelist) return { modules: supported.map((meta) => ({ meta, explicit: false })), ...none };

  const selection: Selection = { modules: [], unknown: [], skipped: [], unsupported };
  const taken = new Set<string>();
  for (const name of whitelist) {
    // Exact api_name first; a unique case-insensitive match forgives "leads" for "Leads".
    const exact = all.find((m) => m.api_name === name);
    const loose = all.filter((m) => m.api_name.toLowerCase() === name.toLowerCase());
    const meta = exact ?? (loose.length === 1 ? loose[0] : undefined);
    if (!meta) {
      const near = closestNames(name, all.map((m) => m.api_name));
      selection.unknown.push({
        name,
        reason: `ZOHO_MODULE_WHITELIST names ${JSON.stringify(name)}, which is not a module of this org ` +
          `(no such api_name${near.length ? `; did you mean ${near.join(' or ')}?` : ''})`,
      });
    } else if (taken.has(meta.api_name)) {
      continue;
    } else if (!readable(meta)) {
      taken.add(meta.api_name);
      selection.skipped.push({
        name: meta.api_name,
        reason: 'named in ZOHO_MODULE_WHITELIST, but the API cannot read it (api_supported: false); ignored, as the original did',
      });
    } else {
      taken.add(meta.api_name);
      selection.modules.push({ meta, explicit: true });
    }
  }
  return selection;
}

/** Up to three names nearest to `name` by edit distance (case ignored), nearest first; only plausible ones. */
export function closestNames(name: string, names: readonly string[], most = 3): string[] {
  const want = name.toLowerCase();
  return names
    .map((n) => ({ n, d: editDistance(want, n.toLowerCase()) }))
    .filter(({ n, d }) => d <= Math.max(1, Math.floor(Math.max(n.length, want.length) / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .slice(0, most)
    .map(({ n }) => n);
}

/** Levenshtein distance: insertions, deletions and substitutions of one character each cost 1. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * Leads hide converted records unless asked (`converted=both`). Zoho documents the parameter for
 * Leads only (other `convertable` modules such as Quotes convert without hiding anything).
 */
export function hasConvertedRecords(meta: ModuleMeta): boolean {
  return meta.api_name === 'Leads';
}
