import { describe, expect, test } from '@jest/globals';
import { formatTable, mb, num, parseSize, sizeLabel } from '../../src/bench/table.js';

describe('text tables', () => {
  test('columns are as wide as their widest cell, right-aligned where asked, two spaces apart', () => {
    const text = formatTable(
      [{ header: 'org' }, { header: 'records/s', align: 'right' }],
      [
        ['10k', '52,100'],
        ['100k', '9'],
      ],
    );
    expect(text.split('\n')).toEqual(['org   records/s', '----  ---------', '10k      52,100', '100k          9']);
  });

  test('a row with the wrong number of cells is refused with the row named', () => {
    expect(() => formatTable([{ header: 'a' }, { header: 'b' }], [['1', '2'], ['3']])).toThrow('table row 1 has 1 cells; expected 2');
  });

  test('no trailing spaces after a left-aligned last column', () => {
    const text = formatTable([{ header: 'status' }], [['ok'], ['complete']]);
    for (const line of text.split('\n')) expect(line).toBe(line.trimEnd());
  });

  test('numbers, sizes and megabytes', () => {
    expect(num(1234567)).toBe('1,234,567');
    expect(num(1.005, 2)).toMatch(/^1\.0[01]$/);
    expect(num(Number.NaN)).toBe('-');
    expect(mb(150 * 1024 * 1024)).toBe('150.0 MB');
    expect(parseSize('10k')).toBe(10_000);
    expect(parseSize('1M')).toBe(1_000_000);
    expect(parseSize('2500')).toBe(2500);
    expect(parseSize('0.5k')).toBe(500);
    expect(() => parseSize('ten')).toThrow('size "ten" is not a record count; expected e.g. 10k, 100k, 1m or 2500');
    expect(sizeLabel(10_000)).toBe('10k');
    expect(sizeLabel(1_000_000)).toBe('1M');
    expect(sizeLabel(2500)).toBe('2500');
  });
});
