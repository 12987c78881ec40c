// Aligned plain-text tables for the benchmark's console output.

export type Align = 'left' | 'right';

export interface Column {
  header: string;
  align?: Align;
}

/** Lays rows out under their headers; every column as wide as its widest cell, two spaces between. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  for (const [i, row] of rows.entries()) {
    if (row.length !== columns.length) throw new Error(`table row ${i} has ${row.length} cells; expected ${columns.length}`);
  }
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => ((columns[i].align ?? 'left') === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(columns.map((c) => c.header)), rule, ...rows.map(line)].join('\n');
}

/** 1234567 → "1,234,567"; fractions to `digits` places. */
export function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** "10k" → 10000, "1m" → 1000000, "2500" → 2500. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`size ${JSON.stringify(text)} is not a record count; expected e.g. 10k, 100k, 1m or 2500`);
  const factor = { '': 1, k: 1_000, m: 1_000_000 }[m[2].toLowerCase() as '' | 'k' | 'm'];
  const n = Math.round(Number(m[1]) * factor);
  if (n < 1) throw new Error(`size ${JSON.stringify(text)} must be at least 1 record`);
  return n;
}

/** 10000 → "10k", 1000000 → "1M". */
export function sizeLabel(n: number): string {
  if (n >= 1_000_000 && n % 1_000_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
}
