// A one-file ZIP written as a stream: local header with the "sizes follow" flag, raw deflate, data
// descriptor, central directory. Enough for Bulk Read results; no ZIP64 (a job holds ≤ 200,000 rows).
import { crc32, createDeflateRaw } from 'node:zlib';
import { Readable } from 'node:stream';

const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const DEFLATE = 8;

/** MS-DOS time and date of a fixed instant, so the same data gives the same archive bytes. */
function dosDateTime(ms: number): { time: number; date: number } {
  const d = new Date(ms);
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

export function zipOneFile(name: string, content: Iterable<Buffer>, mtimeMs: number): Readable {
  const fileName = Buffer.from(name, 'utf8');
  const { time, date } = dosDateTime(mtimeMs);
  let crc = 0;
  let size = 0;
  let compressed = 0;

  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(FLAG_DESCRIPTOR | FLAG_UTF8, 6);
  local.writeUInt16LE(DEFLATE, 8);
  local.writeUInt16LE(time, 10);
  local.writeUInt16LE(date, 12);
  // crc and sizes stay 0 here: they follow the data in the descriptor.
  local.writeUInt16LE(fileName.length, 26);

  function* counted(): Generator<Buffer> {
    for (const chunk of content) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      yield chunk;
    }
  }

  async function* archive(): AsyncGenerator<Buffer> {
    yield Buffer.concat([local, fileName]);
    const deflater = Readable.from(counted()).pipe(createDeflateRaw());
    for await (const out of deflater as AsyncIterable<Buffer>) {
      compressed += out.length;
      yield out;
    }
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc >>> 0, 4);
    descriptor.writeUInt32LE(compressed, 8);
    descriptor.writeUInt32LE(size, 12);
    yield descriptor;

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(FLAG_DESCRIPTOR | FLAG_UTF8, 8);
    central.writeUInt16LE(DEFLATE, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressed, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(fileName.length, 28);
    // extra, comment, disk, attributes: 0; local header offset: 0.
    const centralOffset = local.length + fileName.length + compressed + descriptor.length;
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(central.length + fileName.length, 12);
    end.writeUInt32LE(centralOffset, 16);
    yield Buffer.concat([central, fileName, end]);
  }

  return Readable.from(archive());
}
