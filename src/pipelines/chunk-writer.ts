// The chunk splitter: writes one stem's lines straight into files of at most `linesPerFile` lines,
// `<stem>/<stem>-<n>.<ext>` with n from 0, rotating at the limit. Each file is hashed while written
// and passed on once closed, so it can be uploaded while the crawl goes on. Memory per stem is one
// small buffer, whatever the number of lines: writes wait for the file stream to drain.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { OutputFile } from '../core/context.js';
import { copyEscapingSeparators, encodeEscapingSeparators, escapedBound, escapedLength } from './ndjson-line.js';

/** Lines are gathered up to this many bytes before one write: far fewer syscalls, still tiny. */
const BUFFER_BYTES = 64 * 1024;
/**
 * Written buffers come back here once the stream is done with them: a crawl writes gigabytes, and a
 * new buffer per flush was memory outside the heap that V8 counts towards its next collection.
 */
const spares: Buffer[] = [];
const MAX_SPARES = 32;
const takeBuffer = (): Buffer => spares.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
const giveBack = (buffer: Buffer): void => {
  if (spares.length < MAX_SPARES) spares.push(buffer);
};
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);
const NEWLINE_BYTES = Buffer.from('\n');

/** `<stem>-<n>.<ext>`: the one place the chunk naming is written down. */
export const chunkName = (stem: string, index: number, extension: string): string => `${stem}-${index}.${extension}`;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The chunk number in a file name of `stem`, or undefined when the name is not one of its chunks. */
export function chunkIndexOf(name: string, stem: string, extension: string): number | undefined {
  const m = new RegExp(`^${escapeRe(stem)}-(\\d+)\\.${escapeRe(extension)}$`).exec(name);
  return m ? Number(m[1]) : undefined;
}

export interface ChunkWriterOptions {
  runDir: string;
  /** Already reduced to [A-Za-z0-9_.-] (see safeStem). */
  stem: string;
  module: string;
  kind: string;
  extension: string;
  linesPerFile: number;
  /** Number of the first file written: after the chunks a killed attempt completed. Default 0. */
  firstIndex?: number;
  /** Called with every file once it is complete and closed; a promise it returns is awaited. */
  onFile: (file: OutputFile) => unknown;
}

export class ChunkWriter {
  private index = 0;
  private current: OpenChunk | undefined;
  private readonly dir: string;

  constructor(private readonly opts: ChunkWriterOptions) {
    this.index = opts.firstIndex ?? 0;
    this.dir = join(opts.runDir, opts.stem);
    // The stem is reduced already; this guards the invariant that no file can leave the run folder.
    if (dirname(resolve(this.dir)) !== resolve(opts.runDir)) throw new Error(`output stem ${JSON.stringify(opts.stem)} would leave the run folder`);
  }

  /**
   * Appends one line: text ending with `\n`, or JSON bytes (the `\n` is added; with `separators`,
   * U+2028/U+2029 in them are escaped as they are copied). Resolves once it is buffered within
   * limits; a line that just lands in the buffer returns nothing to wait for (no promise per line).
   */
  write(line: string | Buffer, separators = false): Promise<void> | undefined {
    const chunk = this.current;
    if (!chunk) return this.openAndWrite(line, separators);
    const flushing = typeof line === 'string' ? chunk.write(line) : chunk.writeJson(line, separators);
    if (flushing || chunk.lines >= this.opts.linesPerFile) return this.afterWrite(chunk, flushing);
    return undefined;
  }

  private async openAndWrite(line: string | Buffer, separators: boolean): Promise<void> {
    this.current = await this.openNext();
    await this.write(line, separators);
  }

  /** Appends one line given as JSON text: the `\n` is added, U+2028/U+2029 escaped (what ndjsonLine writes). */
  writeJsonText(json: string): Promise<void> | undefined {
    const chunk = this.current;
    if (!chunk) return this.openAndWriteText(json);
    const flushing = chunk.writeJsonText(json);
    if (flushing || chunk.lines >= this.opts.linesPerFile) return this.afterWrite(chunk, flushing);
    return undefined;
  }

  private async openAndWriteText(json: string): Promise<void> {
    this.current = await this.openNext();
    await this.writeJsonText(json);
  }

  private async afterWrite(chunk: OpenChunk, flushing: Promise<void> | undefined): Promise<void> {
    await flushing;
    if (chunk.lines >= this.opts.linesPerFile) await this.finishCurrent();
  }

  /** Completes the open file, if any. Nothing is created for a stem that got no lines. */
  async close(): Promise<void> {
    await this.finishCurrent();
  }

  private async openNext(): Promise<OpenChunk> {
    if (this.index === (this.opts.firstIndex ?? 0)) await mkdir(this.dir, { recursive: true });
    const name = chunkName(this.opts.stem, this.index, this.opts.extension);
    const chunk = new OpenChunk(join(this.dir, name), `${this.opts.stem}/${name}`, this.index);
    this.index += 1;
    return chunk;
  }

  private async finishCurrent(): Promise<void> {
    const chunk = this.current;
    if (!chunk) return;
    this.current = undefined;
    const done = await chunk.end();
    await this.opts.onFile({ module: this.opts.module, kind: this.opts.kind, stem: this.opts.stem, index: chunk.index, path: chunk.relPath, ...done });
  }
}

class OpenChunk {
  lines = 0;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly stream: WriteStream;
  // Lines are encoded straight into one 64 KiB buffer, handed to the stream when the next line does
  // not fit: no joined string and no copy per flush, one allocation per 64 KiB.
  private buffer = takeBuffer();
  private used = 0;
  private failure: Error | undefined;

  constructor(
    path: string,
    readonly relPath: string,
    readonly index: number,
  ) {
    // 'wx': a file that already exists is never overwritten (e.g. two runs started in the same second).
    this.stream = createWriteStream(path, { flags: 'wx' });
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  /** Buffers one line; returns a promise only when the buffer had to be written out first. */
  write(line: string): Promise<void> | undefined {
    this.lines += 1;
    const room = this.buffer.length - this.used;
    // A UTF-16 unit takes at most 3 UTF-8 bytes: most lines are known to fit without being measured.
    if (line.length * 3 <= room || Buffer.byteLength(line, 'utf8') <= room) {
      this.used += this.buffer.write(line, this.used, 'utf8');
      return undefined;
    }
    return this.spill(line);
  }

  /**
   * Buffers one line given as JSON text plus the newline, U+2028/U+2029 escaped as it is encoded
   * into the buffer; a promise only when the buffer was written out first.
   */
  writeJsonText(json: string): Promise<void> | undefined {
    this.lines += 1;
    const room = this.buffer.length - this.used;
    // Escapes at most double the UTF-8 bytes, and a UTF-16 unit is at most 3 of them: most lines
    // are known to fit without being measured.
    if (json.length * 6 + 1 <= room || Buffer.byteLength(json, 'utf8') * 2 + 1 <= room) {
      this.used += encodeEscapingSeparators(json, this.buffer, this.used);
      this.buffer[this.used++] = NEWLINE;
      return undefined;
    }
    return this.spillText(json);
  }

  private async spillText(json: string): Promise<void> {
    await this.flush();
    if (Buffer.byteLength(json, 'utf8') * 2 + 1 <= this.buffer.length) {
      this.used = encodeEscapingSeparators(json, this.buffer, 0);
      this.buffer[this.used++] = NEWLINE;
      return;
    }
    const bytes = Buffer.from(json, 'utf8');
    const whole = Buffer.allocUnsafe(escapedLength(bytes) + 1);
    const n = copyEscapingSeparators(bytes, whole, 0);
    whole[n] = NEWLINE;
    await this.put(whole);
  }

  /**
   * Buffers one line given as JSON bytes plus the newline, escaping U+2028/U+2029 when `separators`
   * says they may be there; a promise only when the buffer was written out first.
   */
  writeJson(json: Buffer, separators: boolean): Promise<void> | undefined {
    this.lines += 1;
    const room = this.buffer.length - this.used;
    // The exact escaped size is counted only when the bound does not fit (near the buffer's end).
    if (!separators ? json.length + 1 <= room : escapedBound(json) + 1 <= room || escapedLength(json) + 1 <= room) {
      this.used += separators ? copyEscapingSeparators(json, this.buffer, this.used) : json.copy(this.buffer, this.used);
      this.buffer[this.used++] = NEWLINE;
      return undefined;
    }
    return this.spillJson(json, separators);
  }

  private async spillJson(json: Buffer, separators: boolean): Promise<void> {
    await this.flush();
    if ((separators ? escapedLength(json) : json.length) + 1 <= this.buffer.length) {
      this.used = separators ? copyEscapingSeparators(json, this.buffer, 0) : json.copy(this.buffer, 0);
      this.buffer[this.used++] = NEWLINE;
      return;
    }
    if (!separators) return this.put(Buffer.concat([json, NEWLINE_BYTES]));
    const whole = Buffer.allocUnsafe(escapedLength(json) + 1);
    const n = copyEscapingSeparators(json, whole, 0);
    whole[n] = NEWLINE;
    await this.put(whole.subarray(0, n + 1));
  }

  private async spill(line: string): Promise<void> {
    await this.flush();
    if (Buffer.byteLength(line, 'utf8') <= this.buffer.length) {
      this.used = this.buffer.write(line, 0, 'utf8');
      return;
    }
    await this.put(Buffer.from(line, 'utf8'));
  }

  async end(): Promise<{ lines: number; bytes: number; sha256: string }> {
    await this.flush();
    // Empty after the flush, and this file takes no more lines.
    giveBack(this.buffer);
    this.buffer = EMPTY;
    // Waits for 'close', not 'finish': the file descriptor is released before the file is announced.
    await new Promise<void>((done) => {
      if (this.stream.closed) return done();
      this.stream.once('close', () => done());
      this.stream.end();
    });
    this.check();
    return { lines: this.lines, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  private async flush(): Promise<void> {
    this.check();
    if (this.used === 0) return;
    const full = this.buffer;
    const data = full.subarray(0, this.used);
    // The stream keeps the buffer until written (then it is a spare again): the next lines go into another.
    this.buffer = takeBuffer();
    this.used = 0;
    await this.put(data, full);
  }

  /** Hashed and counted as written: one hash update per 64 KiB, not per line. `recycle` is given back once written. */
  private async put(data: Buffer, recycle?: Buffer): Promise<void> {
    this.hash.update(data);
    this.bytes += data.length;
    if (!this.stream.write(data, recycle ? () => giveBack(recycle) : undefined)) await this.drained();
    this.check();
  }

  private drained(): Promise<void> {
    return new Promise((done, fail) => {
      if (this.failure) return fail(this.failure);
      const onError = (error: Error): void => {
        this.stream.off('drain', onDrain);
        fail(error);
      };
      const onDrain = (): void => {
        this.stream.off('error', onError);
        done();
      };
      this.stream.once('drain', onDrain);
      this.stream.once('error', onError);
    });
  }

  private check(): void {
    if (this.failure) throw new Error(`cannot write ${this.relPath}: ${this.failure.message}`);
  }
}
