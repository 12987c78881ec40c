// Pools of realistic — and deliberately awkward — values: non-Latin scripts, quotes, tabs, newlines,
// emoji, U+2028 and backslashes, so a client that re-encodes or splits text wrongly shows it.
import type { Rng } from './prng.js';

// Math's functions held in module constants: under a vm context (jest) every global lookup goes
// through an interceptor and costs ~100x more, which the per-value hot paths here would feel.
const { min, round } = Math;

export const FIRST_NAMES = [
  'James', 'María', 'Jürgen', 'Zoë', 'Ólafur', 'Аня', 'Дмитрий', '李', '美咲', 'محمد', 'Σοφία', 'Siobhán',
  'José', 'Anaïs', 'Øyvind', 'Łukasz', 'Chloé', 'Ngozi', 'Priya', 'Kwame', 'Hana', 'Noah', 'Olivia', 'Liam',
] as const;

export const LAST_NAMES = [
  "O'Brien", 'Smith', 'Müller', 'García', 'Иванов', '王', '佐藤', 'علي', 'Παπαδόπουλος', 'Nakamura', 'Dubois',
  'Kowalski', 'Østergaard', 'Nguyễn', "D'Angelo", 'van der Berg', 'Okafor', 'Patel', 'Silva', 'Håkansson',
  'Smith-Jones', 'Ng', 'Brown', 'Johnson',
] as const;

export const COMPANIES = [
  'Acme "Rockets" Ltd', 'Zylker Inc', 'Globex, Corp', 'Müller & Söhne GmbH', '株式会社サンプル', 'ООО Ромашка',
  'شركة المثال', 'Initech\tLLC', 'Soylent 🍏 Foods', 'Umbrella Corp', 'Ναυτιλιακή Α.Ε.', 'Tyrell Corp',
  'Wayne Enterprises', 'Stark Industries', 'Hooli', 'Pied Piper', "Bob's Burgers", 'Contoso\\Backslash Ltd',
] as const;

const FRAGMENTS = [
  'Called about the "Enterprise" plan.', 'Follow up next week — prefers e-mail.', 'Met at the expo 🎉',
  'Budget: $25,000; needs approval.', 'Привет! Интересуется интеграцией.', '価格について問い合わせ。',
  'يرغب في عرض توضيحي', 'A backslash \\ and a slash /', 'Emoji: 👍🏽🚀🇮🇳', 'Tabs\tinside\ttext',
  "It's O'Brien's account", 'Ünïcödé ñ ß ø å', '<b>not html</b> & ampersand', 'null, undefined, NaN',
  'Σχόλιο στα ελληνικά', 'Zero width:\u200bjoiner', 'Comma, separated, values', '{"json":"inside text"}',
  'हिन्दी में नोट', 'עברית בטקסט', 'Line ends here.',
] as const;

/** Between fragments: the separators that break naive line-based or CSV handling. */
const SEPARATORS = [' ', '\n', '\t', '\u2028', '\r\n', ' ', '\u2029', ' '] as const;

export const CITIES = ['Chennai', 'München', 'São Paulo', 'Москва', '東京', 'القاهرة', 'Αθήνα', 'New York', 'Zürich', 'Kraków', 'Reykjavík', 'Lagos'] as const;
export const COUNTRIES = ['India', 'Germany', 'Brazil', 'Russia', 'Japan', 'Egypt', 'Greece', 'USA', 'Switzerland', 'Poland', 'Iceland', 'Nigeria'] as const;
export const STREETS = [
  '221B Baker St',
  'Königstraße 5',
  'Rua Augusta, 1200',
  'ул. Тверская, 7',
  '1-2-3 Shibuya',
  '12 "Quoted" Lane',
  'Apt 4\nFloor 2',
] as const;
export const TITLES = ['CEO', 'CTO', 'Head of Sales', 'Procurement Manager', 'Engineer', 'Directeur général', 'Einkaufsleiter', 'Менеджер'] as const;
export const WORDS = ['Alpha', 'Bravo', 'Quantum', 'Nimbus', 'Orion', 'Falcon', 'Atlas', 'Zephyr', 'Kite', 'Mosaic', 'Ember', 'Lumen'] as const;
const DOMAINS = ['example.com', 'zylker.test', 'acme.example', 'mail.example.org'] as const;

export function personName(r: Rng): { first: string | null; last: string } {
  const first = r.chance(0.08) ? null : r.pick(FIRST_NAMES);
  return { first, last: r.pick(LAST_NAMES) };
}

export function fullName(first: string | null, last: string): string {
  return first === null ? last : `${first} ${last}`;
}

/** ASCII letters of a name for e-mail local parts; empty when the name has none (e.g. 李). */
export function slug(text: string): string {
  let hit = SLUGS.get(text);
  if (hit === undefined) {
    hit = text.normalize('NFD').toLowerCase().replace(/[^a-z0-9]/g, '');
    // Names come from small pools; the cap only guards against unbounded growth.
    if (SLUGS.size < 10000) SLUGS.set(text, hit);
  }
  return hit;
}
const SLUGS = new Map<string, string>();

export function email(r: Rng, name: string, i: number): string {
  const local = slug(name) || 'contact';
  return `${local}.${i}@${r.pick(DOMAINS)}`;
}

export function phone(r: Rng): string {
  switch (r.int(4)) {
    case 0: return `+1 555-01${r.range(10, 99)}`;
    case 1: return `+91 98${r.range(100, 999)} ${r.range(10000, 99999)}`;
    case 2: return `(555) ${r.range(100, 999)}-${r.range(1000, 9999)}`;
    default: return `+49 30 ${r.range(1000000, 9999999)}`;
  }
}

export function website(r: Rng, name: string): string {
  return `https://www.${slug(name) || 'site'}.example`;
}

/** Free text of 1–4 fragments joined by awkward separators; sometimes long enough to pass 500 chars. */
export function text(r: Rng): string {
  const n = r.range(1, 4);
  let out = r.pick(FRAGMENTS);
  for (let k = 1; k < n; k++) out += r.pick(SEPARATORS) + r.pick(FRAGMENTS);
  if (r.chance(0.03)) out += '\n' + 'Long note. '.repeat(r.range(40, 80));
  return out;
}

/** A rich-text value: HTML paragraphs of mixed scripts, often longer than a list answer carries. */
export function richText(r: Rng): string {
  const n = r.range(1, 12);
  let out = '';
  for (let k = 0; k < n; k++) out += `<p>${r.chance(0.3) ? '<b>' + r.pick(WORDS) + '</b> ' : ''}${text(r).replaceAll('\n', '<br>')}</p>`;
  return out;
}

export function shortText(r: Rng): string {
  return `${r.pick(WORDS)} ${r.pick(WORDS)}${r.chance(0.2) ? ' ' + r.pick(FRAGMENTS) : ''}`;
}

/** Money with cents, as a JSON number. */
export function money(r: Rng, max: number): number {
  return round(r.next() * max * 100) / 100;
}

/** A multi-select value: 0–3 distinct picks, in the picklist's order. */
export function multi(r: Rng, values: readonly string[]): string[] {
  const k = r.int(min(4, values.length + 1));
  if (values.length > 30) {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(r.int(values.length));
    return [...chosen].sort((a, b) => a - b).map((x) => values[x]);
  }
  // Picklists are short: a bit set draws the same numbers as a Set, and reads them back in order.
  let bits = 0;
  for (let n = 0; n < k; ) {
    const bit = 1 << r.int(values.length);
    if ((bits & bit) === 0) {
      bits |= bit;
      n++;
    }
  }
  const out: string[] = [];
  for (let x = 0; bits !== 0; x++, bits >>>= 1) if (bits & 1) out.push(values[x]);
  return out;
}
