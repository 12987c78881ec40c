// A few status lines kept at the bottom of a terminal while log lines scroll above them. The logger
// writes through `stream`: each log line first erases the status block, then the block is redrawn
// under it, so progress redraws never overwrite or shred log output.
import { Writable } from 'node:stream';

export class StatusArea {
  private block: string[] = [];
  private drawn = 0;
  readonly stream: Writable;

  constructor(private readonly tty: NodeJS.WritableStream) {
    this.stream = new Writable({
      write: (chunk, _enc, done) => {
        this.tty.write(`${this.erase()}${String(chunk)}${this.draw()}`, () => done());
      },
    });
  }

  /** Replaces the status block (empty array removes it). */
  set(lines: string[]): void {
    const erase = this.erase();
    this.block = lines;
    this.tty.write(`${erase}${this.draw()}`);
  }

  private erase(): string {
    const out = this.drawn ? `\x1b[${this.drawn}A\x1b[0J` : '';
    this.drawn = 0;
    return out;
  }

  private draw(): string {
    this.drawn = this.block.length;
    return this.block.length ? `${this.block.join('\n')}\n` : '';
  }
}
