// Chunk files are read for upload into buffers that are reused: each read must hold exactly its
// file, and a file that is not the size recorded is an error, not a short or padded upload.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileBodies } from '../../src/pipelines/s3-target.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-bodies-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileBodies', () => {
  test('a given-back buffer is reused for the next file that fits, holding exactly that file', async () => {
    const big = Buffer.alloc(300_000, 'a');
    const small = Buffer.from('{"id":"1"}\n'.repeat(1000));
    await writeFile(join(dir, 'big'), big);
    await writeFile(join(dir, 'small'), small);
    const bodies = new FileBodies(8 * 1024 * 1024);
    const first = await bodies.read(join(dir, 'big'), big.length, 'big');
    expect(first.subarray(0, big.length).equals(big)).toBe(true);
    bodies.giveBack(first);
    const second = await bodies.read(join(dir, 'small'), small.length, 'small');
    expect(second).toBe(first);
    expect(second.subarray(0, small.length).equals(small)).toBe(true);
    // Not given back: the next read gets a buffer of its own.
    const third = await bodies.read(join(dir, 'small'), small.length, 'small');
    expect(third).not.toBe(second);
  });

  test('a file of another size than recorded is an error naming it', async () => {
    await writeFile(join(dir, 'changed'), 'abc');
    const bodies = new FileBodies(8 * 1024 * 1024);
    await expect(bodies.read(join(dir, 'changed'), 10, 'Leads/Leads-0.json')).rejects.toThrow('Leads/Leads-0.json is 3 bytes, expected 10');
  });

  test('buffers held stay within the budget: an upload waits for one to come back', async () => {
    const big = Buffer.alloc(600_000, 'b');
    const small = Buffer.alloc(100_000, 's');
    await writeFile(join(dir, 'a'), big);
    await writeFile(join(dir, 'b'), big);
    await writeFile(join(dir, 'c'), small);
    const bodies = new FileBodies(1024 * 1024);
    const events: string[] = [];
    const first = await bodies.read(join(dir, 'a'), big.length, 'a');
    // A second 600 kB file would take the held buffers past 1 MiB: it waits…
    const second = bodies.read(join(dir, 'b'), big.length, 'b').then((buffer) => {
      events.push('second read');
      return buffer;
    });
    // …while a small one still fits beside the first.
    const third = await bodies.read(join(dir, 'c'), small.length, 'c');
    expect(third.subarray(0, small.length).equals(small)).toBe(true);
    expect(events).toEqual([]);
    events.push('first given back');
    bodies.giveBack(first);
    const got = await second;
    expect(events).toEqual(['first given back', 'second read']);
    expect(got).toBe(first);
    expect(got.subarray(0, big.length).equals(big)).toBe(true);
  });

  test('a file larger than the budget is still read when no other buffer is held', async () => {
    const huge = Buffer.alloc(300_000, 'h');
    await writeFile(join(dir, 'huge'), huge);
    const bodies = new FileBodies(100_000);
    const buffer = await bodies.read(join(dir, 'huge'), huge.length, 'huge');
    expect(buffer.subarray(0, huge.length).equals(huge)).toBe(true);
  });
});
