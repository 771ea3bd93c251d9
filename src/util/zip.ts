/**
 * A zip reader that checks an archive before it allocates for it: the central directory is read first, every
 * entry's name, offsets and sizes are checked against the file itself, and an entry is inflated only on demand,
 * into a buffer of its declared size, which deflate's own limit (about 1032:1) and a caller's cap bound. Files
 * from the internet (checkpoints, corpora) are read with it, so a crafted archive costs no more than its checks.
 */
import { inflateSync } from 'fflate';

/** Raised for a malformed or hostile archive; the message says what is wrong, in one line. */
export class ZipError extends Error {}

/** One entry of the central directory, checked; {@link ZipArchive.read} gives its bytes. */
export interface ZipEntry {
  readonly name: string;
  /** 0 (stored) or 8 (deflated). */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Where the entry's data starts in the archive. */
  readonly dataOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
// Deflate cannot expand a byte into more than 258 bytes per 2 bits of code: 1032:1 at most, plus a little.
const MAX_DEFLATE_RATIO = 1032;

/** The entries of a zip archive held in `bytes`. */
export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  readonly #bytes: Uint8Array;

  /** Reads and checks the central directory; throws a {@link ZipError} when anything is out of place. */
  constructor(bytes: Uint8Array) {
    // A plain view: a Buffer's subarray and slice both share memory, and callers copy with slice().
    this.#bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.entries = readDirectory(this.#bytes);
  }

  /** The entry's data as stored in the archive: deflated when `entry.method` is 8. */
  raw(entry: ZipEntry): Uint8Array {
    return this.#bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  }

  /**
   * The bytes of `entry` (a view into the archive when stored, a new buffer when deflated). `maxBytes` refuses
   * an entry that would inflate to more, before anything is allocated.
   */
  read(entry: ZipEntry, maxBytes = Infinity): Uint8Array {
    if (entry.size > maxBytes) {
      throw new ZipError(`${entry.name} would take ${entry.size} bytes, more than the ${maxBytes} allowed`);
    }
    const data = this.raw(entry);
    if (entry.method === 0) return data;
    const out = new Uint8Array(entry.size);
    let inflated: Uint8Array;
    try {
      inflated = inflateSync(data, { out });
    } catch (err) {
      throw new ZipError(`${entry.name}: corrupt deflate data (${(err as Error).message})`);
    }
    if (inflated.length !== entry.size) throw new ZipError(`${entry.name}: inflates to another size than declared`);
    return inflated;
  }
}

function readDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const value = view.getBigUint64(at, true);
    if (value > BigInt(bytes.length)) throw new ZipError('a size or offset lies beyond the end of the file');
    return Number(value);
  };
  const inFile = (at: number, length: number): boolean => at >= 0 && length >= 0 && at + length <= bytes.length;

  // The end record sits in the last 22 + 65535 bytes (its comment is at most 65535 bytes long).
  let end = -1;
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
    if (u32(at) === EOCD && at + 22 + u16(at + 20) === bytes.length) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new ZipError('not a zip archive (no end of central directory record)');
  let count = u16(end + 10);
  let directorySize = u32(end + 12);
  let directoryOffset = u32(end + 16);
  if (end >= 20 && u32(end - 20) === EOCD64_LOCATOR) {
    const at = u64(end - 12);
    if (!inFile(at, 56) || u32(at) !== EOCD64) throw new ZipError('broken zip64 end record');
    count = u64(at + 32);
    directorySize = u64(at + 40);
    directoryOffset = u64(at + 48);
  }
  // Every central header takes 46 bytes at least: a count beyond that is a lie, refused before any loop.
  if (!inFile(directoryOffset, directorySize) || count * 46 > directorySize) {
    throw new ZipError('the central directory does not fit in the file');
  }

  const entries = new Map<string, ZipEntry>();
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (!inFile(at, 46) || u32(at) !== CENTRAL) throw new ZipError(`central directory entry ${i} is malformed`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    if (!inFile(at + 46, nameLength + extraLength + commentLength)) throw new ZipError(`entry ${i} is truncated`);
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    let name: string;
    try {
      name = flags & 0x800 ? utf8.decode(rawName) : latin1.decode(rawName);
    } catch {
      throw new ZipError(`entry ${i} has a name that is not UTF-8`);
    }
    // Zip64: the sizes and offset that read 0xffffffff follow in the extra field, in this order.
    for (let e = at + 46 + nameLength; e + 4 <= at + 46 + nameLength + extraLength;) {
      const id = u16(e);
      const length = u16(e + 2);
      if (e + 4 + length > at + 46 + nameLength + extraLength) throw new ZipError(`${name}: malformed extra field`);
      if (id === 0x0001) {
        let f = e + 4;
        const next = (): number => {
          if (f + 8 > e + 4 + length) throw new ZipError(`${name}: malformed zip64 field`);
          const v = u64(f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + length;
    }
    at += 46 + nameLength + extraLength + commentLength;

    checkName(name);
    if (flags & 0x1) throw new ZipError(`${name} is encrypted`);
    if (method !== 0 && method !== 8) throw new ZipError(`${name} uses compression method ${method} (0 or 8 expected)`);
    if (method === 0 && size !== compressedSize) throw new ZipError(`${name}: stored with two different sizes`);
    if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
      throw new ZipError(`${name} claims to inflate ${compressedSize} bytes into ${size}: not deflate data`);
    }
    if (!inFile(localOffset, 30) || u32(localOffset) !== LOCAL) throw new ZipError(`${name}: local header missing`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (!inFile(dataOffset, compressedSize)) throw new ZipError(`${name} reaches past the end of the file`);
    if (entries.has(name)) throw new ZipError(`${name} appears twice`);
    entries.set(name, { name, method, compressedSize, size, dataOffset });
  }
  return entries;
}

/** Relative paths only: no root, no `..`, no backslashes or NULs (entries are never written out, but never trusted). */
function checkName(name: string): void {
  const parts = name.split('/');
  if (
    name.length === 0 ||
    name.startsWith('/') ||
    /[\\\0]/.test(name) ||
    parts.some((p) => p === '..' || p === '.') ||
    parts.slice(0, -1).some((p) => p === '')
  ) {
    throw new ZipError(`entry name "${name.replace(/[^\x20-\x7e]/g, '?')}" is not a plain relative path`);
  }
}
