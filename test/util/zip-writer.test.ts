import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/atomic.js';
import { ZipArchive } from '../../src/util/zip.js';
import { concatChunks, crc32, crc32InJs, storedZip } from '../../src/util/zip-writer.js';
import { PYTHON } from '../helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'zip-writer-'));
const ENTRIES: [string, Uint8Array][] = [
  ['archive/data.pkl', new TextEncoder().encode('pickle bytes')],
  ['archive/byteorder', new TextEncoder().encode('little')],
  ['archive/data/0', Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff)],
  ['archive/data/1', new Uint8Array(0)],
  ['archive/version', new TextEncoder().encode('3\n')],
];

/** What Python's zipfile reads from `path`: testzip's verdict (the first entry whose CRC fails), names, contents. */
function pythonReads(path: string): { bad: string | null; names: string[]; hex: string[] } {
  const script = `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
infos = z.infolist()
print(json.dumps({'bad': z.testzip(), 'names': [i.filename for i in infos], 'hex': [z.read(i).hex() for i in infos]}))`;
  const r = spawnSync(PYTHON, ['-c', script, path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { bad: string | null; names: string[]; hex: string[] };
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('stored zip archives, as torch.save writes them', () => {
  for (const forceZip64 of [false, true]) {
    it(`are read back by this package's reader and by Python's zipfile${forceZip64 ? ' (zip64 fields)' : ''}`, () => {
      const path = join(dir, `plain-${forceZip64}.zip`);
      writeFileAtomic(path, storedZip(ENTRIES, { forceZip64 }));
      const bytes = readFileSync(path);
      const archive = new ZipArchive(bytes);
      expect([...archive.entries.keys()]).toEqual(ENTRIES.map(([name]) => name));
      for (const [name, data] of ENTRIES) {
        const entry = archive.entries.get(name)!;
        expect(entry.method).toBe(0);
        expect(hex(archive.read(entry))).toBe(hex(data));
        // Each entry's data starts at a multiple of 64 bytes, as PyTorch aligns storages.
        expect(entry.dataOffset % 64).toBe(0);
      }
      const py = pythonReads(path);
      expect(py.bad).toBeNull();
      expect(py.names).toEqual(ENTRIES.map(([name]) => name));
      expect(py.hex).toEqual(ENTRIES.map(([, data]) => hex(data)));
    });
  }

  it('are the same bytes for the same entries (a fixed date), as one buffer or as chunks', () => {
    const a = concatChunks(storedZip(ENTRIES));
    const b = concatChunks(storedZip(ENTRIES));
    expect(hex(a)).toBe(hex(b));
    const path = join(dir, 'chunks.zip');
    writeFileAtomic(path, storedZip(ENTRIES));
    expect(hex(readFileSync(path))).toBe(hex(a));
  });

  it("computes zip's CRC-32, also where Node has no zlib.crc32", () => {
    const data = Uint8Array.from({ length: 4099 }, (_, i) => (i * 31 + 7) & 0xff);
    // The check value of CRC-32: "123456789" -> cbf43926.
    expect(crc32InJs(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32InJs(data)).toBe(crc32(data));
    const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
    if (native) expect(crc32(data)).toBe(native(data) >>> 0);
  });
});
