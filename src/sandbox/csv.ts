// Bulk Read's CSV: one column per field (Id first); lookups and owners become their id, multi-selects
// join with ';', null is empty. Quoting per RFC 4180.

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (Array.isArray(value)) text = value.join(';');
  else if (typeof value === 'object') text = String((value as { id?: unknown }).id ?? '');
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
