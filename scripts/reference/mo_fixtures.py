"""Writes the small GNU gettext message catalogs (.mo) the catalog tests read (test/fixtures/catalogs/), byte by
byte with the standard library only, as msgfmt lays them out: a 28-byte header (magic 0x950412de, revision, N,
offsets of the original and translation tables, an empty hash table), the two tables of (length, offset) and the
NUL-terminated strings, originals sorted by their bytes. Run: /usr/bin/python3 scripts/reference/mo_fixtures.py

- app.mo: little-endian, revision 0, UTF-8: a context entry, a plural entry, untranslated entries (empty, and the
  same as the msgid), one- and two-word entries, whitespace to normalize, accelerators and an identifier.
- big-endian.mo: big-endian, revision 1 (no system-dependent strings), UTF-8; repeats a pair of app.mo.
- latin1.mo: ISO-8859-1 (an ASCII header, an umlaut in a translation).
- untranslated.mo: a catalog whose every message is untranslated.
- koi8.mo: KOI8-R, a charset the parser refuses (the catalog is skipped)."""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'catalogs')


def header(charset):
    return ('Project-Id-Version: fixture 1.0\nLanguage: de\nMIME-Version: 1.0\n'
            f'Content-Type: text/plain; charset={charset}\nContent-Transfer-Encoding: 8bit\n'
            'Plural-Forms: nplurals=2; plural=(n != 1);\n')


def write_mo(name, messages, charset='UTF-8', big_endian=False, revision=0):
    """messages: (msgid bytes-or-str, msgstr bytes-or-str) pairs; str is encoded with the catalog's charset."""
    codec = {'UTF-8': 'utf-8', 'ISO-8859-1': 'latin-1', 'KOI8-R': 'koi8-r'}[charset]
    pairs = [('', header(charset))] + list(messages)
    encoded = sorted((m if isinstance(m, bytes) else m.encode(codec), s if isinstance(s, bytes) else s.encode(codec))
                     for m, s in pairs)
    e = '>' if big_endian else '<'
    n = len(encoded)
    head = 48 if revision >= 1 else 28
    originals = head
    translations = originals + 8 * n
    strings = translations + 8 * n
    table_o, table_t, data = b'', b'', b''
    for msgid, _ in encoded:
        table_o += struct.pack(e + 'II', len(msgid), strings + len(data))
        data += msgid + b'\0'
    for _, msgstr in encoded:
        table_t += struct.pack(e + 'II', len(msgstr), strings + len(data))
        data += msgstr + b'\0'
    out = struct.pack(e + 'IIIIIII', 0x950412de, revision, n, originals, translations, 0, 0)
    if revision >= 1:
        # No system-dependent segments or strings; their tables would start at the end of the file.
        end = strings + len(data)
        out += struct.pack(e + 'IIIII', 0, end, 0, end, end)
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(out + table_o + table_t + data)


os.makedirs(OUT, exist_ok=True)
write_mo('app.mo', [
    ('Cannot open the file', 'Die Datei kann nicht geöffnet werden'),
    ('menu\x04Open the file', 'Die Datei öffnen'),
    ('%d file was removed\0%d files were removed', '%d Datei wurde entfernt\0%d Dateien wurden entfernt'),
    ('This message is untranslated', ''),
    ('GNU General Public License', 'GNU General Public License'),
    ('Quit', 'Beenden'),
    ('Save file', 'Datei speichern'),
    ('Usage:\n\tcopy the\tfiles  now\n', 'Aufruf:\n\tdie  Dateien\tjetzt kopieren\n'),
    ('Show _Hidden Files', '_Verborgene Dateien anzeigen'),
    ('Set LC_ALL to C first', 'Setzen Sie zuerst LC_ALL auf C'),
    ('Connect as u_ser now', 'Jetzt als _Benutzer verbinden'),
    ('dialog\x04Cannot open the file', 'Die Datei kann nicht geöffnet werden'),
])
write_mo('big-endian.mo', [
    ('Cannot open the file', 'Die Datei kann nicht geöffnet werden'),
    ('The disk is full', 'Die Festplatte ist voll'),
    ('%s: no such user', '%s: kein solcher Benutzer'),
], big_endian=True, revision=1)
write_mo('latin1.mo', [
    ('Press any key to continue', 'Drücken Sie eine beliebige Taste'),
    ('All files were read', 'Alle Dateien wurden gelesen'),
], charset='ISO-8859-1')
write_mo('untranslated.mo', [
    ('No translation for this one', ''),
    ('Nor for this one', ''),
])
write_mo('koi8.mo', [('Hello there, world', 'Привет, мир')], charset='KOI8-R')
