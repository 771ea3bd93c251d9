import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  catalogCorpusText,
  catalogPairs,
  formatCatalogReport,
  normalizeMessage,
  stripAccelerators,
} from '../../src/data/catalog-corpus.js';
import { readCorpus } from '../../src/data/corpus.js';
import { listMessageCatalogs } from '../../src/data/message-catalog.js';

const fixtures = new URL('../fixtures/catalogs/', import.meta.url).pathname;
const SYSTEM_CATALOGS = '/usr/share/locale/de/LC_MESSAGES';

function readBack(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'catalog-corpus-')), 'corpus.txt');
  writeFileSync(file, text);
  return readCorpus(file);
}

describe('catalogPairs', () => {
  it('keeps translated messages of three or more words, once each, in the order of the file names', () => {
    const files = listMessageCatalogs(fixtures);
    const { pairs, report } = catalogPairs([...files].reverse());
    expect(pairs.map((p) => [p.catalog, p.source, p.target])).toEqual([
      ['app', 'Cannot open the file', 'Die Datei kann nicht geöffnet werden'],
      ['app', 'Connect as user now', 'Jetzt als Benutzer verbinden'],
      ['app', 'Set LC_ALL to C first', 'Setzen Sie zuerst LC_ALL auf C'],
      ['app', 'Show Hidden Files', 'Verborgene Dateien anzeigen'],
      ['app', 'Usage: copy the files now', 'Aufruf: die Dateien jetzt kopieren'],
      ['app', 'Open the file', 'Die Datei öffnen'],
      ['big-endian', '%s: no such user', '%s: kein solcher Benutzer'],
      ['big-endian', 'The disk is full', 'Die Festplatte ist voll'],
      ['latin1', 'All files were read', 'Alle Dateien wurden gelesen'],
      ['latin1', 'Press any key to continue', 'Drücken Sie eine beliebige Taste'],
    ]);
    expect(report).toEqual({
      catalogs: 4,
      skipped: [
        { file: join(fixtures, 'koi8.mo'), reason: expect.stringMatching(/koi8.mo: charset KOI8-R is not supported/) },
      ],
      entries: 19,
      withContext: 2,
      accelerators: 2,
      systemDependent: 0,
      plural: 1,
      untranslated: 4,
      tooShort: 2,
      duplicates: 2,
      pairs: 10,
      minWords: 3,
    });
    expect(report.plural + report.untranslated + report.tooShort + report.duplicates + report.pairs).toBe(
      report.entries,
    );
    expect(formatCatalogReport(report)).toBe(
      '4 catalogs read, 1 skipped; 19 messages -> 10 pairs (left out: 1 plural, 4 untranslated, ' +
        '2 under 3 words, 2 duplicates)\n' +
        '  2 with a context, 2 with accelerators removed\n' +
        `  skipped ${join(fixtures, 'koi8.mo')}: charset KOI8-R is not supported (UTF-8, ISO-8859-1 and ASCII are)`,
    );
  });

  it('keeps shorter messages with a lower minWords, and refuses a minWords below 1', () => {
    const { pairs, report } = catalogPairs(listMessageCatalogs(fixtures), { minWords: 1 });
    expect(report).toMatchObject({ pairs: 12, tooShort: 0 });
    expect(pairs.map((p) => p.source)).toEqual(expect.arrayContaining(['Quit', 'Save file']));
    expect(() => catalogPairs([], { minWords: 0 })).toThrow('minWords: expected an integer of at least 1, got 0');
  });

  it('skips a catalog that cannot be read and reads the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalogs-'));
    writeFileSync(join(dir, 'broken.mo'), 'not a catalog at all, only text');
    const { report } = catalogPairs([join(dir, 'broken.mo'), join(fixtures, 'latin1.mo'), join(dir, 'gone.mo')]);
    expect(report.catalogs).toBe(1);
    expect(report.skipped.map((s) => s.reason)).toEqual([
      expect.stringMatching(/broken.mo: is not a GNU message catalog/),
      expect.stringMatching(/cannot read message catalog .*gone.mo: no such file/),
    ]);
  });

  it('writes a corpus that readCorpus reads back whole, with no line skipped', () => {
    const { pairs } = catalogPairs(listMessageCatalogs(fixtures));
    const text = catalogCorpusText(pairs);
    expect(text.split('\n')[0]).toBe('Cannot open the file\tDie Datei kann nicht geöffnet werden\tcatalog:app');
    const corpus = readBack(text);
    expect(corpus.report).toMatchObject({ lines: 10, pairs: 10, skippedEmpty: 0, skippedNoTab: 0 });
    expect(corpus.pairs.map((p) => [p.source, p.target])).toEqual(pairs.map((p) => [p.source, p.target]));
  });

  it.skipIf(!existsSync(SYSTEM_CATALOGS))(
    `makes a corpus of ${SYSTEM_CATALOGS} that readCorpus reads back with no line skipped`,
    () => {
      const { pairs, report } = catalogPairs(listMessageCatalogs(SYSTEM_CATALOGS));
      console.log(formatCatalogReport(report));
      expect(report.pairs).toBeGreaterThan(1000);
      expect(report.plural + report.untranslated + report.tooShort + report.duplicates + report.pairs).toBe(
        report.entries,
      );
      const corpus = readBack(catalogCorpusText(pairs));
      expect(corpus.report).toMatchObject({
        lines: pairs.length,
        pairs: pairs.length,
        skippedEmpty: 0,
        skippedNoTab: 0,
        skippedInvalidUtf8: 0,
        skippedTooLong: 0,
      });
      expect(corpus.pairs.map((p) => [p.source, p.target])).toEqual(pairs.map((p) => [p.source, p.target]));
    },
  );
});

describe('normalizeMessage and stripAccelerators', () => {
  it('puts a message on one line: newlines, tabs and runs of spaces become one space', () => {
    expect(normalizeMessage('\n  Usage:\tcp [OPTION]...\r\n  SOURCE\u00a0DEST\n')).toBe(
      'Usage: cp [OPTION]... SOURCE DEST',
    );
  });

  it('removes GTK accelerators only where they are clearly accelerators', () => {
    expect(stripAccelerators('Show _Hidden Files', '_Verborgene Dateien anzeigen')).toEqual([
      'Show Hidden Files',
      'Verborgene Dateien anzeigen',
    ]);
    expect(stripAccelerators('Remember password until you _logout', 'Passwort erst beim Ab_melden vergessen')).toEqual([
      'Remember password until you logout',
      'Passwort erst beim Abmelden vergessen',
    ]);
    // Identifiers and placeholders: the same letters on a side, mid-word on both sides, or several underscores.
    expect(stripAccelerators('Set LC_ALL first', 'Zuerst LC_ALL setzen')).toBeUndefined();
    expect(stripAccelerators('--groups=G_LIST groups', '--groups=G_LISTE Gruppen')).toBeUndefined();
    expect(stripAccelerators("missing 'msgid_plural' section", '»msgid_plural«-Abschnitt fehlt')).toBeUndefined();
    expect(stripAccelerators('-b BASE_DIR base directory', '-b BASIS_VERZ Basisverzeichnis')).toBeUndefined();
    expect(stripAccelerators('-U for_user', '-U für_Benutzer')).toBeUndefined();
    expect(stripAccelerators('_NET_WM_NAME is missing', '_NET_WM_NAME fehlt')).toBeUndefined();
    expect(stripAccelerators('%s_%d is bad', '%s_%d ist schlecht')).toBeUndefined();
    expect(stripAccelerators('_Open the file', 'Die Datei öffnen')).toBeUndefined();
    // Ampersands are text (AT&T, &lt;), never accelerators.
    expect(stripAccelerators('Display in AT&T syntax', 'In AT&T-Syntax anzeigen')).toBeUndefined();
  });
});
