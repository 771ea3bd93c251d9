/**
 * Reads GNU gettext message catalogs (`.mo` files, as msgfmt writes them and /usr/share/locale holds them): the
 * translated messages, each an original (msgid, with its msgctxt and msgid_plural) and its translation (msgstr,
 * or one per plural form). Both byte orders (the magic 0x950412de read either way) and revisions 0 and 1 are read;
 * the system-dependent strings of revision 1 (messages holding `<PRIu64>`-style macros, expanded by the C library
 * at run time) are counted and left out, as Python's `gettext` does. Strings are decoded with the charset of the
 * header entry: UTF-8, ISO-8859-1 or ASCII; any other is refused with a {@link MessageCatalogError}.
 *
 * Every offset and length is checked against the file's size before it is used, and the strings together may
 * not hold more bytes than the file (msgfmt never shares them), so a truncated or crafted file is refused by name
 * in time and memory proportional to its size: never a read out of range, an endless loop or a huge allocation.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularFile } from '../util/files.js';

/** One message of a catalog. */
export interface CatalogEntry {
  /** The original (English) text; for a plural entry its singular. Empty only in the header entry. */
  msgid: string;
  /** The translation; for a plural entry its first form. Empty when the message is untranslated. */
  msgstr: string;
  /** The message's msgctxt, which sets apart identical msgids used in different places. */
  context?: string;
  /** A plural entry's msgid_plural and its translated forms, in the order of the catalog's Plural-Forms. */
  plural?: { msgid: string; msgstr: string[] };
}

/** The messages of one catalog file. */
export interface MessageCatalog {
  file: string;
  /** The charset its strings were decoded with, as the header names it (`UTF-8` when it names none). */
  charset: string;
  /** The format revision: 0, or 1 (which adds system-dependent strings). */
  revision: number;
  /** The header entry's text (`Project-Id-Version: ...`); empty when the catalog has no header. */
  header: string;
  /** Every message in the file's order, the header entry (empty msgid, no context) included. */
  entries: CatalogEntry[];
  /** System-dependent strings of a revision 1 file, not read. */
  systemDependent: number;
}

/** A catalog that cannot be read as one: not a .mo file, corrupt, truncated, or in an unsupported charset. */
export class MessageCatalogError extends Error {
  override name = 'MessageCatalogError';
}

/** How to read a catalog. */
export interface ReadMessageCatalogOptions {
  /** Larger files are refused; default 64 MiB (the largest Debian catalogs are under 1 MiB). */
  maxBytes?: number;
}

const MAGIC = 0x950412de;
const HEADER_BYTES = 28;
const REVISION_1_HEADER_BYTES = 48;
const DEFAULT_MAX_BYTES = 64 << 20;
const CONTEXT_SEPARATOR = 0x04;

type Decode = (bytes: Uint8Array) => string;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** The decoder for a charset named in a header, or undefined when it is not supported. */
function decoderFor(charset: string): Decode | undefined {
  const name = charset.toLowerCase();
  if (name === 'utf-8' || name === 'utf8') return (bytes) => utf8.decode(bytes);
  // Node's 'latin1' is ISO-8859-1 byte for byte (TextDecoder's 'latin1' would be windows-1252).
  if (/^(iso[-_]?8859-1|latin-?1|l1)$/.test(name)) return latin1;
  if (/^((us-)?ascii|ansi_x3\.4-1968)$/.test(name)) {
    return (bytes) => {
      if (bytes.some((b) => b >= 0x80)) throw new TypeError('a byte above 127');
      return latin1(bytes);
    };
  }
  return undefined;
}

/** The charset named by a header's `Content-Type: text/plain; charset=UTF-8`; undefined when it names none. */
function headerCharset(header: string): string | undefined {
  return /^content-type:[^\n]*?charset=\s*"?([^\s;"]+)/im.exec(header)?.[1];
}

/** Parses the bytes of a .mo file; `file` names it in errors. */
export function parseMessageCatalog(bytes: Uint8Array, file: string): MessageCatalog {
  const fail = (why: string): never => {
    throw new MessageCatalogError(`${file}: ${why}`);
  };
  const size = bytes.length;
  if (size < HEADER_BYTES) {
    fail(
      size === 0
        ? 'is empty, not a message catalog'
        : `is ${size} bytes, too short for a message catalog (${HEADER_BYTES}-byte header)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  let little: boolean;
  if (view.getUint32(0, true) === MAGIC) little = true;
  else if (view.getUint32(0, false) === MAGIC) little = false;
  else {
    const magic = view.getUint32(0, true).toString(16).padStart(8, '0');
    return fail(`is not a GNU message catalog (magic 0x${magic}, expected 0x950412de in either byte order)`);
  }
  const word = (at: number): number => view.getUint32(at, little);
  const revision = word(4);
  if (revision !== 0 && revision !== 1) {
    fail(`has format revision ${revision >>> 16}.${revision & 0xffff}; only revisions 0 and 1 are read`);
  }
  const count = word(8);
  const originals = word(12);
  const translations = word(16);
  // Both tables of (length, offset) words, 8 bytes an entry, lie inside the file: this bounds the count.
  for (const [what, at] of [
    ['originals', originals],
    ['translations', translations],
  ] as const) {
    if (at + 8 * count > size) {
      fail(`its table of ${what} (${count} entries at offset ${at}) runs past the end of the file (${size} bytes)`);
    }
  }
  let systemDependent = 0;
  if (revision === 1) {
    if (size < REVISION_1_HEADER_BYTES) fail(`is ${size} bytes, too short for a revision 1 header`);
    systemDependent = word(36);
    const table = word(40);
    if (table + 4 * systemDependent > size) {
      fail(`its table of ${systemDependent} system-dependent strings runs past the end of the file`);
    }
  }

  // Where each string lies, checked before anything is decoded; the terminating NUL must fit too.
  let total = 0;
  const span = (table: number, i: number, what: string): Uint8Array => {
    const length = word(table + 8 * i);
    const offset = word(table + 8 * i + 4);
    if (offset + length >= size) {
      fail(`the ${what} of entry ${i} (${length} bytes at offset ${offset}) runs past the end of the file`);
    }
    total += length + 1;
    if (total > size) fail('its strings overlap (together they hold more bytes than the file): corrupt');
    return bytes.subarray(offset, offset + length);
  };
  const raw: { id: Uint8Array; str: Uint8Array }[] = [];
  for (let i = 0; i < count; i++) {
    raw.push({ id: span(originals, i, 'original'), str: span(translations, i, 'translation') });
  }

  const headerEntry = raw.find((r) => r.id.length === 0);
  const named = headerEntry ? headerCharset(latin1(headerEntry.str)) : undefined;
  const charset = named ?? 'UTF-8';
  const decodeWith = decoderFor(charset);
  if (!decodeWith) {
    return fail(`charset ${charset} is not supported (UTF-8, ISO-8859-1 and ASCII are)`);
  }
  let index = 0;
  const decode = (b: Uint8Array, what: string): string => {
    try {
      return decodeWith(b);
    } catch {
      return fail(`the ${what} of entry ${index} is not valid ${charset}`);
    }
  };

  const entries: CatalogEntry[] = [];
  let header = '';
  for (; index < raw.length; index++) {
    const { id, str } = raw[index]!;
    const entry = toEntry(id, str, decode);
    if (id.length === 0) header = entry.msgstr;
    entries.push(entry);
  }
  return { file, charset, revision, header, entries, systemDependent };
}

/** One entry from its raw strings: `msgctxt\x04msgid\0msgid_plural` and `form0\0form1...`. */
function toEntry(id: Uint8Array, str: Uint8Array, decode: (b: Uint8Array, what: string) => string): CatalogEntry {
  let key = id;
  let context: string | undefined;
  const separator = id.indexOf(CONTEXT_SEPARATOR);
  if (separator >= 0) {
    context = decode(id.subarray(0, separator), 'context');
    key = id.subarray(separator + 1);
  }
  const nul = key.indexOf(0);
  const entry: CatalogEntry =
    nul < 0
      ? { msgid: decode(key, 'original'), msgstr: decode(str, 'translation') }
      : { msgid: decode(key.subarray(0, nul), 'original'), msgstr: '' };
  if (context !== undefined) entry.context = context;
  if (nul >= 0) {
    const forms = decode(str, 'translation').split('\0');
    entry.msgstr = forms[0]!;
    entry.plural = { msgid: decode(key.subarray(nul + 1), 'plural original'), msgstr: forms };
  }
  return entry;
}

/** Reads a .mo file (a regular file of at most `maxBytes`); every failure is an Error naming the file. */
export function readMessageCatalog(path: string, options: ReadMessageCatalogOptions = {}): MessageCatalog {
  const bytes = readRegularFile(path, 'message catalog', options.maxBytes ?? DEFAULT_MAX_BYTES);
  return parseMessageCatalog(bytes, path);
}

/** The `*.mo` files of a folder (`/usr/share/locale/de/LC_MESSAGES`), sorted by name. */
export function listMessageCatalogs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot list message catalogs in ${dir}: ${code === 'ENOENT' ? 'no such folder' : code}`);
  }
  return names
    .filter((n) => n.endsWith('.mo'))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((n) => join(dir, n));
}
