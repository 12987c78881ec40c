// The chunk splitter: writes one stem's lines straight into files of at most `linesPerFile` lines,
// `<stem>/<stem>-<n>.<ext>` with n from 0, rotating at the limit. Each file is hashed while written
// and announced once closed, so it can be uploaded while the crawl goes on. Memory per stem is one
// small buffer, whatever the number of lines: writes wait for the file stream to drain.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { OutputFile } from '../core/context.js';

/** Lines are gathered up to this many bytes before one write: far fewer syscalls, still tiny. */
const BUFFER_BYTES = 64 * 1024;

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
  /** Called with every file once it is complete and closed. */
  onFile: (file: OutputFile) => void;
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

  /** Appends one complete line (ending with `\n`). Resolves once it is buffered within limits. */
  async write(line: string): Promise<void> {
    if (!this.current) this.current = await this.openNext();
    await this.current.write(line);
    if (this.current.lines >= this.opts.linesPerFile) await this.finishCurrent();
  }

  /** Completes the open file, if any. Nothing is created for a stem that got no lines. */
  async close(): Promise<void> {
    await this.finishCurrent();
  }

  private async openNext(): Promise<OpenChunk> {
    if (this.index === (this.opts.firstIndex ?? 0)) await mkdir(this.dir, { recursive: true });
    const name = `${this.opts.stem}-${this.index}.${this.opts.extension}`;
    this.index += 1;
    return new OpenChunk(join(this.dir, name), `${this.opts.stem}/${name}`);
  }

  private async finishCurrent(): Promise<void> {
    const chunk = this.current;
    if (!chunk) return;
    this.current = undefined;
    const done = await chunk.end();
    this.opts.onFile({ module: this.opts.module, kind: this.opts.kind, stem: this.opts.stem, path: chunk.relPath, ...done });
  }
}

class OpenChunk {
  lines = 0;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly stream: WriteStream;
  // Lines wait as strings and become one buffer per write: one allocation per 64 KiB, not per line.
  private pending: string[] = [];
  private pendingBytes = 0;
  private failure: Error | undefined;

  constructor(
    path: string,
    readonly relPath: string,
  ) {
    // 'wx': a file that already exists is never overwritten (e.g. two runs started in the same second).
    this.stream = createWriteStream(path, { flags: 'wx' });
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  async write(line: string): Promise<void> {
    // Counted in UTF-16 units, not bytes: only decides when to flush; bytes and hash are taken from
    // the flushed buffer, one hash update per 64 KiB instead of one per line.
    this.lines += 1;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= BUFFER_BYTES) await this.flush();
  }

  async end(): Promise<{ lines: number; bytes: number; sha256: string }> {
    await this.flush();
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
    if (this.pendingBytes === 0) return;
    const data = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingBytes = 0;
    this.hash.update(data);
    this.bytes += data.length;
    if (!this.stream.write(data)) await this.drained();
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
