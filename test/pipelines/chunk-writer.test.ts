// The chunk writer's own buffering: whatever the mix of line sizes and scripts, the files hold exactly
// the lines given, rotate at the line limit, and report their true byte count and SHA-256.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputFile } from '../../src/core/context.js';
import { ChunkWriter } from '../../src/pipelines/chunk-writer.js';
import { ndjsonLine } from '../../src/pipelines/ndjson-line.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chunk-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Lines of every kind: ASCII, Latin-1, CJK and emoji (4-byte UTF-8), and lines larger than the 64 KiB buffer. */
function linesOf(n: number): string[] {
  const parts = ['plain', 'Søren Ødegaard', '山田 太郎', 'emoji 🚀', 'हिन्दी'];
  return Array.from({ length: n }, (_, i) => {
    const body = i % 97 === 5 ? parts[i % parts.length].repeat(9000) : parts[i % parts.length].repeat(1 + (i % 40));
    return `${JSON.stringify({ i, body })}\n`;
  });
}

describe('ChunkWriter', () => {
  test('writers sharing the spare buffers: interleaved stems, text lines and JSON bytes, every file exact', async () => {
    const files: OutputFile[] = [];
    const writers = ['A', 'B', 'C'].map(
      (stem) =>
        new ChunkWriter({
          runDir: dir,
          stem: `Spare${stem}`,
          module: stem,
          kind: 'record',
          extension: 'json',
          linesPerFile: 700,
          onFile: (f) => files.push(f),
        }),
    );
    const lines = linesOf(2000);
    const expected = new Map<string, string[]>();
    // Stems take turns line by line while their streams write in the background: a buffer handed to
    // one stem's stream must not be refilled by another before it is written.
    for (const [i, line] of lines.entries()) {
      const w = i % 3;
      const stem = `Spare${'ABC'[w]}`;
      expected.set(stem, [...(expected.get(stem) ?? []), line]);
      await (i % 2 ? writers[w].write(line) : writers[w].write(Buffer.from(line.slice(0, -1), 'utf8')));
    }
    await Promise.all(writers.map((w) => w.close()));
    for (const [stem, want] of expected) {
      const mine = files.filter((f) => f.stem === stem).sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true }));
      const text = (await Promise.all(mine.map((f) => readFile(join(dir, f.path), 'utf8')))).join('');
      expect(text).toBe(want.join(''));
      for (const f of mine) {
        const bytes = await readFile(join(dir, f.path));
        expect([f.path, f.bytes, f.sha256]).toEqual([f.path, bytes.length, createHash('sha256').update(bytes).digest('hex')]);
      }
    }
  });

  test('files hold exactly the lines written, with their true bytes and sha256', async () => {
    const files: OutputFile[] = [];
    const writer = new ChunkWriter({
      runDir: dir,
      stem: 'Mixed',
      module: 'Mixed',
      kind: 'record',
      extension: 'json',
      linesPerFile: 300,
      onFile: (f) => files.push(f),
    });
    const lines = linesOf(1000);
    for (const line of lines) await writer.write(line);
    await writer.close();

    expect(files.map((f) => [f.path, f.lines])).toEqual([
      ['Mixed/Mixed-0.json', 300],
      ['Mixed/Mixed-1.json', 300],
      ['Mixed/Mixed-2.json', 300],
      ['Mixed/Mixed-3.json', 100],
    ]);
    for (const [k, f] of files.entries()) {
      const expected = Buffer.from(lines.slice(k * 300, k * 300 + 300).join(''), 'utf8');
      const content = await readFile(join(dir, f.path));
      expect(content.equals(expected)).toBe(true);
      expect(f.bytes).toBe(expected.length);
      expect(f.sha256).toBe(createHash('sha256').update(expected).digest('hex'));
    }
  });

  test('JSON bytes with raw U+2028/U+2029 are written escaped, as ndjsonLine writes them, at any place in the buffer', async () => {
    const files: OutputFile[] = [];
    const onFile = (f: OutputFile): void => void files.push(f);
    const writer = new ChunkWriter({ runDir: dir, stem: 'Seps', module: 'Seps', kind: 'record', extension: 'json', linesPerFile: 10_000, onFile });
    // Sizes that land lines across the 64 KiB buffer's end, and one line far larger than the buffer.
    const values = Array.from({ length: 400 }, (_, i) => ({
      i,
      t: `\u2029a\u2028\u2028${'“x” é\u2027'.repeat(i % 50 === 7 ? 20_000 : 1 + ((i * 37) % 700))}\u2029b\u2028`,
    }));
    for (const v of values) await writer.write(Buffer.from(JSON.stringify(v), 'utf8'), true);
    await writer.close();
    const expected = values.map((v) => `${JSON.stringify(v).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}\n`).join('');
    expect(files).toHaveLength(1);
    const content = await readFile(join(dir, files[0].path));
    expect(content.toString('utf8')).toBe(expected);
    expect(files[0].bytes).toBe(content.length);
    expect(files[0].sha256).toBe(createHash('sha256').update(content).digest('hex'));
  });

  test('JSON text is written as ndjsonLine writes it: separators escaped, whatever the line size and where it lands', async () => {
    const files: OutputFile[] = [];
    const onFile = (f: OutputFile): void => void files.push(f);
    const writerOf = (stem: string) => new ChunkWriter({ runDir: dir, stem, module: stem, kind: 'record', extension: 'json', linesPerFile: 10_000, onFile });
    const writers = ['T1', 'T2'].map(writerOf);
    // Separators side by side, at the ends, next to look-alikes (U+2027, U+202A, curly quotes: also 0xE2 0x80 …).
    const values = Array.from({ length: 600 }, (_, i) => ({
      i,
      t: `${i % 3 ? '\u2028\u2029\u2028a' : ''}${'“x” é 🎉\u2027\u202a'.repeat(i % 50 === 7 ? 12_000 : 1 + ((i * 37) % 900))}${i % 5 ? 'b\u2029' : ''}`,
    }));
    // Two stems at once, one line each.
    for (let i = 0; i < values.length; i += 2) await Promise.all([0, 1].map((k) => writers[k].writeJsonText(JSON.stringify(values[i + k]))));
    for (const w of writers) await w.close();
    for (const [k, stem] of ['T1', 'T2'].entries()) {
      const file = files.find((f) => f.path.startsWith(`${stem}/`))!;
      const content = await readFile(join(dir, file.path));
      expect(content.toString('utf8') === values.filter((_, i) => i % 2 === k).map((v) => ndjsonLine(v)).join('')).toBe(true);
      expect(file.bytes).toBe(content.length);
      expect(file.sha256).toBe(createHash('sha256').update(content).digest('hex'));
    }
  });
});
