// Reads one chunk file left by an earlier attempt: its size, SHA-256 and line count as the manifest
// records them, and whether every line is a whole JSON object (a file cut by a kill is not).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface ChunkScan {
  lines: number;
  bytes: number;
  sha256: string;
  /** Every line ends with `\n` and parses as a JSON object. */
  whole: boolean;
}

/**
 * Streams the file once. `onLine` gets each parsed line (only while the file is still whole).
 * Memory: one read buffer and one line.
 */
export async function scanChunk(path: string, onLine?: (value: Record<string, unknown>) => void): Promise<ChunkScan> {
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  let lines = 0;
  let whole = true;
  let rest = '';
  const take = (line: string): void => {
    lines += 1;
    if (!whole) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      whole = false;
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      whole = false;
      return;
    }
    onLine?.(value as Record<string, unknown>);
  };
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    hash.update(buffer);
    bytes += buffer.length;
    const text = rest + decoder.write(buffer);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      take(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  // A last line without its '\n' was being written when the process died.
  if (rest.length > 0) whole = false;
  return { lines, bytes, sha256: hash.digest('hex'), whole };
}
