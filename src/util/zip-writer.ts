/**
 * A writer of stored (uncompressed) zip archives, the container of `torch.save` files, as PyTorch's own writer lays
 * them out: each entry's data starts at a multiple of 64 bytes (padding in an extra field, so that a reader can map
 * storages in place), zip64 fields where a size or offset needs them (models past 4 GB), and a fixed date, so that
 * equal contents make equal files. The archive comes as a list of chunks (headers and the entries' own buffers, not
 * copied) for a file writer to write one after another; CRC-32 is zlib's, in C.
 */
import * as zlib from 'node:zlib';

/** Options of {@link storedZip}. */
export interface StoredZipOptions {
  /** The alignment of each entry's data; default 64 (PyTorch's). */
  align?: number;
  /** Zip64 fields on every entry and end record even where 32 bits would do (for tests of large archives). */
  forceZip64?: boolean;
}

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const MAX32 = 0xffffffff;
// 2000-01-01 00:00 in MS-DOS date and time fields.
const DOS_TIME = 0;
const DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;
const ZIP64_ID = 0x0001;
// PyTorch's (miniz's) padding field: 'FB'.
const PADDING_ID = 0x4246;

/** A stored zip archive of `entries` (name, data), in order, as chunks to write one after another. */
export function storedZip(
  entries: readonly (readonly [string, Uint8Array])[],
  options: StoredZipOptions = {},
): Uint8Array[] {
  const align = options.align ?? 64;
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = new TextEncoder().encode(name);
    if (nameBytes.length > 0xffff) throw new RangeError(`zip entry name too long: ${name.slice(0, 80)}...`);
    const crc = crc32(data);
    const size = data.byteLength;
    const large = options.forceZip64 === true || size >= MAX32 || offset >= MAX32;
    // The local header's zip64 field holds both sizes; the central one's whichever read 0xffffffff.
    const zip64Local = large ? 20 : 0;
    const unpadded = offset + 30 + nameBytes.length + zip64Local;
    const padding = align > 1 ? (align - ((unpadded + 4) % align)) % align : -4;
    const extraLength = zip64Local + (padding >= 0 ? 4 + padding : 0);
    const local = new DataView(new ArrayBuffer(30 + nameBytes.length + extraLength));
    local.setUint32(0, LOCAL, true);
    local.setUint16(4, large ? 45 : 20, true);
    local.setUint16(6, 0, true); // flags
    local.setUint16(8, 0, true); // stored
    local.setUint16(10, DOS_TIME, true);
    local.setUint16(12, DOS_DATE, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, large ? MAX32 : size, true);
    local.setUint32(22, large ? MAX32 : size, true);
    local.setUint16(26, nameBytes.length, true);
    local.setUint16(28, extraLength, true);
    const localBytes = new Uint8Array(local.buffer);
    localBytes.set(nameBytes, 30);
    let e = 30 + nameBytes.length;
    if (large) {
      local.setUint16(e, ZIP64_ID, true);
      local.setUint16(e + 2, 16, true);
      local.setBigUint64(e + 4, BigInt(size), true);
      local.setBigUint64(e + 12, BigInt(size), true);
      e += 20;
    }
    if (padding >= 0) {
      local.setUint16(e, PADDING_ID, true);
      local.setUint16(e + 2, padding, true);
      localBytes.fill(0x5a, e + 4, e + 4 + padding); // 'Z', as PyTorch pads
    }
    chunks.push(localBytes, data);
    central.push(centralEntry(nameBytes, crc, size, offset, large));
    offset += localBytes.length + size;
  }
  const centralOffset = offset;
  const centralSize = central.reduce((n, c) => n + c.length, 0);
  chunks.push(...central);
  const count = entries.length;
  if (options.forceZip64 === true || count >= 0xffff || centralOffset >= MAX32 || centralSize >= MAX32) {
    const end64 = new DataView(new ArrayBuffer(56 + 20));
    end64.setUint32(0, EOCD64, true);
    end64.setBigUint64(4, 44n, true); // the record's size after this field
    end64.setUint16(12, 45, true);
    end64.setUint16(14, 45, true);
    end64.setUint32(16, 0, true);
    end64.setUint32(20, 0, true);
    end64.setBigUint64(24, BigInt(count), true);
    end64.setBigUint64(32, BigInt(count), true);
    end64.setBigUint64(40, BigInt(centralSize), true);
    end64.setBigUint64(48, BigInt(centralOffset), true);
    end64.setUint32(56, EOCD64_LOCATOR, true);
    end64.setUint32(60, 0, true);
    end64.setBigUint64(64, BigInt(centralOffset + centralSize), true);
    end64.setUint32(72, 1, true);
    chunks.push(new Uint8Array(end64.buffer));
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, EOCD, true);
  end.setUint16(8, Math.min(count, 0xffff), true);
  end.setUint16(10, Math.min(count, 0xffff), true);
  end.setUint32(12, Math.min(centralSize, MAX32), true);
  end.setUint32(16, Math.min(centralOffset, MAX32), true);
  chunks.push(new Uint8Array(end.buffer));
  return chunks;
}

/** The archive's chunks as one buffer. */
export function concatChunks(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function centralEntry(name: Uint8Array, crc: number, size: number, offset: number, large: boolean): Uint8Array {
  const extraLength = large ? 4 + 24 : 0;
  const view = new DataView(new ArrayBuffer(46 + name.length + extraLength));
  view.setUint32(0, CENTRAL, true);
  view.setUint16(4, large ? 45 : 20, true); // made by
  view.setUint16(6, large ? 45 : 20, true); // needed
  view.setUint16(8, 0, true);
  view.setUint16(10, 0, true);
  view.setUint16(12, DOS_TIME, true);
  view.setUint16(14, DOS_DATE, true);
  view.setUint32(16, crc, true);
  view.setUint32(20, large ? MAX32 : size, true);
  view.setUint32(24, large ? MAX32 : size, true);
  view.setUint16(28, name.length, true);
  view.setUint16(30, extraLength, true);
  view.setUint16(32, 0, true); // comment
  view.setUint16(34, 0, true); // disk
  view.setUint16(36, 0, true); // internal attributes
  view.setUint32(38, 0, true); // external attributes
  view.setUint32(42, large ? MAX32 : offset, true);
  const bytes = new Uint8Array(view.buffer);
  bytes.set(name, 46);
  if (large) {
    const e = 46 + name.length;
    view.setUint16(e, ZIP64_ID, true);
    view.setUint16(e + 2, 24, true);
    view.setBigUint64(e + 4, BigInt(size), true);
    view.setBigUint64(e + 12, BigInt(size), true);
    view.setBigUint64(e + 20, BigInt(offset), true);
  }
  return bytes;
}

type Crc32 = (data: Uint8Array, value?: number) => number;
// zlib.crc32 came with Node 20.15 and 22.2; older Node 20 releases compute it here.
const nativeCrc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;
let table: Uint32Array | undefined;

/** CRC-32 (zip's) of `data`. */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : crc32InJs(data);
}

/** @internal CRC-32 computed here, for Node releases without zlib.crc32. */
export function crc32InJs(data: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
