import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  listMessageCatalogs,
  MessageCatalogError,
  parseMessageCatalog,
  readMessageCatalog,
  type MessageCatalog,
} from '../../src/data/message-catalog.js';

const fixtures = new URL('../fixtures/catalogs/', import.meta.url).pathname;
const fixture = (name: string): string => join(fixtures, name);
const PYTHON = '/usr/bin/python3';
const REFERENCE = new URL('../../scripts/reference/gettext_catalog.py', import.meta.url).pathname;
const SYSTEM_CATALOGS = '/usr/share/locale/de/LC_MESSAGES';

/** GNUTranslations' reading of each file (scripts/reference/gettext_catalog.py). */
interface Reference {
  file: string;
  entries?: ([string, string] | [string, number, string])[];
  headerMasked?: boolean;
  error?: string;
}

function pythonCatalogs(files: string[]): Reference[] {
  const run = spawnSync(PYTHON, [REFERENCE, ...files], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Reference);
}

/** The catalog as GNUTranslations' `_catalog` keys it: `ctx\x04msgid`, and `msgid#i` for plural form i. */
function asPythonCatalog(catalog: MessageCatalog): Map<string, string> {
  const map = new Map<string, string>();
  for (const e of catalog.entries) {
    const key = e.context === undefined ? e.msgid : `${e.context}\x04${e.msgid}`;
    if (e.plural) e.plural.msgstr.forEach((form, i) => map.set(JSON.stringify([key, i]), form));
    else map.set(JSON.stringify(key), e.msgstr);
  }
  return map;
}

function referenceMap(ref: Reference): Map<string, string> {
  return new Map(
    ref.entries!.map((e) => (e.length === 3 ? [JSON.stringify([e[0], e[1]]), e[2]] : [JSON.stringify(e[0]), e[1]])),
  );
}

/** Throws unless `run` throws an Error naming `file`; returns the message. */
function errorOf(run: () => unknown, file: string): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(file);
    return (err as Error).message;
  }
  throw new Error(`${file} was read without an error`);
}

describe('parseMessageCatalog', () => {
  it('reads entries with a context, plural forms, the header and its charset (little-endian, revision 0)', () => {
    const catalog = readMessageCatalog(fixture('app.mo'));
    expect(catalog).toMatchObject({ charset: 'UTF-8', revision: 0, systemDependent: 0 });
    expect(catalog.header).toMatch(/^Project-Id-Version: fixture 1.0\n/);
    expect(catalog.entries[0]).toEqual({ msgid: '', msgstr: catalog.header });
    expect(catalog.entries).toContainEqual({
      msgid: 'Open the file',
      msgstr: 'Die Datei öffnen',
      context: 'menu',
    });
    expect(catalog.entries).toContainEqual({
      msgid: '%d file was removed',
      msgstr: '%d Datei wurde entfernt',
      plural: { msgid: '%d files were removed', msgstr: ['%d Datei wurde entfernt', '%d Dateien wurden entfernt'] },
    });
    expect(catalog.entries).toContainEqual({ msgid: 'This message is untranslated', msgstr: '' });
    expect(catalog.entries).toHaveLength(13);
  });

  it('reads a big-endian revision 1 catalog and an ISO-8859-1 one', () => {
    const big = readMessageCatalog(fixture('big-endian.mo'));
    expect(big).toMatchObject({ revision: 1, charset: 'UTF-8', systemDependent: 0 });
    expect(big.entries).toContainEqual({ msgid: 'The disk is full', msgstr: 'Die Festplatte ist voll' });
    const latin1 = readMessageCatalog(fixture('latin1.mo'));
    expect(latin1.charset).toBe('ISO-8859-1');
    expect(latin1.entries).toContainEqual({
      msgid: 'Press any key to continue',
      msgstr: 'Drücken Sie eine beliebige Taste',
    });
  });

  it('refuses a charset other than UTF-8, ISO-8859-1 and ASCII, naming the file and the charset', () => {
    const file = fixture('koi8.mo');
    const message = errorOf(() => readMessageCatalog(file), file);
    expect(message).toBe(`${file}: charset KOI8-R is not supported (UTF-8, ISO-8859-1 and ASCII are)`);
  });

  it('lists the .mo files of a folder sorted by name, and names a missing folder', () => {
    expect(listMessageCatalogs(fixtures).map((f) => f.slice(fixtures.length))).toEqual([
      'app.mo',
      'big-endian.mo',
      'koi8.mo',
      'latin1.mo',
      'untranslated.mo',
    ]);
    expect(() => listMessageCatalogs('/nonexistent')).toThrow(
      'cannot list message catalogs in /nonexistent: no such folder',
    );
  });
});

describe('parity with Python gettext.GNUTranslations', () => {
  it('gives the same entries for every fixture Python reads', () => {
    const files = ['app.mo', 'big-endian.mo', 'latin1.mo', 'untranslated.mo'].map(fixture);
    for (const ref of pythonCatalogs(files)) {
      expect(ref.error, ref.file).toBeUndefined();
      expect(asPythonCatalog(readMessageCatalog(ref.file)), ref.file).toEqual(referenceMap(ref));
    }
  });

  it.skipIf(!existsSync(SYSTEM_CATALOGS))(
    `gives the same entries for every catalog in ${SYSTEM_CATALOGS} (skipped when the folder is absent)`,
    () => {
      const files = listMessageCatalogs(SYSTEM_CATALOGS);
      expect(files.length).toBeGreaterThan(0);
      let entries = 0;
      const masked: string[] = [];
      for (const ref of pythonCatalogs(files)) {
        expect(ref.error, ref.file).toBeUndefined();
        const ours = asPythonCatalog(readMessageCatalog(ref.file));
        const theirs = referenceMap(ref);
        if (ref.headerMasked) {
          // Python could read this one only with its header's non-ASCII bytes masked: compare the rest.
          masked.push(ref.file);
          ours.delete('""');
          theirs.delete('""');
        }
        expect(ours, ref.file).toEqual(theirs);
        entries += ours.size;
      }
      console.log(
        `${files.length} catalogs, ${entries} catalog keys equal to Python's` +
          (masked.length > 0 ? ` (headers not compared: ${masked.join(', ')})` : ''),
      );
    },
  );
});

describe('crafted and damaged catalogs', () => {
  const app = new Uint8Array(readFileSync(fixture('app.mo')));
  const words = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const patched = (at: number, value: number, source = app): Uint8Array => {
    const copy = source.slice();
    words(copy).setUint32(at, value, true);
    return copy;
  };
  const refused = (bytes: Uint8Array, pattern: RegExp): void => {
    expect(() => parseMessageCatalog(bytes, 'crafted.mo')).toThrow(MessageCatalogError);
    expect(errorOf(() => parseMessageCatalog(bytes, 'crafted.mo'), 'crafted.mo')).toMatch(pattern);
  };

  it('refuses a zero-length file, a bad magic number and an unknown revision', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    const empty = join(dir, 'empty.mo');
    writeFileSync(empty, '');
    expect(errorOf(() => readMessageCatalog(empty), empty)).toBe(`${empty}: is empty, not a message catalog`);
    refused(new TextEncoder().encode('not a catalog, just some text'), /crafted.mo: is not a GNU message catalog/);
    refused(patched(4, 0x10000), /format revision 1.0; only revisions 0 and 1 are read/);
    refused(patched(4, 2), /format revision 0.2/);
  });

  it('refuses every truncation of a catalog, by name', () => {
    for (let size = 0; size < app.length; size++) {
      expect(() => parseMessageCatalog(app.subarray(0, size), 'crafted.mo'), `${size} bytes`).toThrow(/^crafted.mo: /);
    }
  });

  it('refuses huge counts and offsets past the end at once, without allocating for them', () => {
    const start = performance.now();
    refused(patched(8, 0xffffffff), /table of originals \(4294967295 entries at offset 28\) runs past the end/);
    refused(patched(16, 0xfffffff0), /table of translations .* runs past the end/);
    const originals = words(app).getUint32(12, true);
    refused(patched(originals + 8 * 3 + 4, 0xfffffff0), /the original of entry 3 .* runs past the end of the file/);
    refused(patched(originals + 8 * 3, 0xffffffff), /the original of entry 3 \(4294967295 bytes/);
    const big = new Uint8Array(readFileSync(fixture('big-endian.mo')));
    const sysdep = big.slice();
    words(sysdep).setUint32(36, 0x40000000, false);
    refused(sysdep, /table of 1073741824 system-dependent strings runs past the end/);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('refuses strings that overlap to multiply a small file into a huge catalog', () => {
    // 100,000 entries, each pointing at the same 1 MB string: 200 GB of text from a 2.6 MB file.
    const n = 100_000;
    const strings = 28 + 16 * n;
    const bytes = new Uint8Array(strings + (1 << 20) + 1).fill(0x61);
    const view = words(bytes);
    for (const [at, v] of [
      [0, 0x950412de],
      [4, 0],
      [8, n],
      [12, 28],
      [16, 28 + 8 * n],
      [20, 0],
      [24, 0],
    ] as const)
      view.setUint32(at, v, true);
    for (let i = 0; i < 2 * n; i++) {
      view.setUint32(28 + 8 * i, 1 << 20, true);
      view.setUint32(28 + 8 * i + 4, strings, true);
    }
    const start = performance.now();
    refused(bytes, /its strings overlap/);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('refuses bytes that are not valid in the catalog charset, naming the entry', () => {
    const bad = app.slice();
    const at = Buffer.from(bad).indexOf(Buffer.from('ö'));
    bad[at + 1] = 0x41; // the second byte of ö no longer continues it
    refused(bad, /crafted.mo: the translation of entry \d+ is not valid UTF-8/);
  });

  it('refuses a file over the size limit, a device and a folder by name', () => {
    const file = fixture('app.mo');
    expect(() => readMessageCatalog(file, { maxBytes: 100 })).toThrow(
      `message catalog ${file} is 1013 bytes, more than the 100 bytes allowed`,
    );
    expect(() => readMessageCatalog('/dev/zero')).toThrow(/cannot read message catalog \/dev\/zero: it is a device/);
    expect(() => readMessageCatalog(fixtures)).toThrow(/it is a folder/);
  });

  it('survives random damage: each of 3,000 mutated catalogs is read or refused with a MessageCatalogError', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const sources = [app, new Uint8Array(readFileSync(fixture('big-endian.mo')))];
    let refusedCount = 0;
    const start = performance.now();
    for (let i = 0; i < 3000; i++) {
      const bytes = sources[i % 2]!.slice();
      for (let k = 1 + random(4); k > 0; k--) {
        // Mostly the header and tables, where a damaged word changes where everything is.
        const at = random(3) === 0 ? random(bytes.length) : random(Math.min(bytes.length, 28 + 16 * 8));
        bytes[at] = random(3) === 0 ? 0xff : random(256);
      }
      try {
        parseMessageCatalog(bytes, 'fuzzed.mo');
      } catch (err) {
        expect(err, (err as Error).stack).toBeInstanceOf(MessageCatalogError);
        expect((err as Error).message.startsWith('fuzzed.mo: ')).toBe(true);
        refusedCount++;
      }
    }
    expect(refusedCount).toBeGreaterThan(100);
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
