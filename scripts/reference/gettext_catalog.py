"""The reference reading of .mo files for the catalog parser's parity test: Python's gettext.GNUTranslations.
Prints one JSON object per file named on the command line: {"file", "entries"} where entries are [key, msgstr]
for a singular message and [key, index, msgstr] for each form of a plural one (GNUTranslations' _catalog, whose
keys are `msgctxt\\x04msgid` with a context), or {"file", "error"} when GNUTranslations refuses the file.

Python 3.11 decodes the header's lines as UTF-8 before it reads the charset they name, so it refuses an
ISO-8859-1 catalog whose header holds a non-ASCII byte (Debian's net-tools.mo: "Last-Translator: Ralf B\\xe4chle").
Such a file is read again with the header's non-ASCII bytes replaced by "?" (same length, so every offset holds):
"headerMasked" is then true, and the header entry is not comparable.
Run: /usr/bin/python3 scripts/reference/gettext_catalog.py FILE.mo..."""
import gettext
import io
import json
import struct
import sys


def entries(data):
    catalog = gettext.GNUTranslations(io.BytesIO(data))._catalog
    return [[k[0], k[1], v] if isinstance(k, tuple) else [k, v] for k, v in catalog.items()]


def masked_header(data):
    order = '<' if struct.unpack('<I', data[:4])[0] == 0x950412de else '>'
    count, originals, translations = struct.unpack(order + '3I', data[8:20])
    out = bytearray(data)
    for i in range(count):
        if struct.unpack(order + 'I', data[originals + 8 * i:originals + 8 * i + 4])[0] == 0:
            length, offset = struct.unpack(order + '2I', data[translations + 8 * i:translations + 8 * i + 8])
            for j in range(offset, offset + length):
                if out[j] >= 0x80:
                    out[j] = ord('?')
    return bytes(out)


for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        data = f.read()
    try:
        print(json.dumps({'file': path, 'entries': entries(data)}))
    except UnicodeDecodeError:
        try:
            print(json.dumps({'file': path, 'entries': entries(masked_header(data)), 'headerMasked': True}))
        except Exception as e:
            print(json.dumps({'file': path, 'error': repr(e)}))
    except Exception as e:
        print(json.dumps({'file': path, 'error': repr(e)}))
