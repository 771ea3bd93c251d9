import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { formatReport, parseCorpus, readCorpus } from '../../src/data/corpus.js';

const fixture = new URL('../fixtures/deu-small.txt', import.meta.url).pathname;

describe('readCorpus', () => {
  it('reads pairs and counts the lines it skips: empty, without a tab, not UTF-8', () => {
    const { pairs, report } = readCorpus(fixture);
    expect(pairs.map((p) => [p.line, p.source, p.target])).toEqual([
      [0, 'Go.', 'Geh.'],
      [1, 'Hi.', 'Hallo!'],
      [4, "Tom's here.", 'Tom ist hier.'],
      [6, 'I see the dog.', 'Ich sehe den Hund.'],
      [7, 'We are ready.', 'Wir sind bereit.'],
    ]);
    expect(report).toMatchObject({ lines: 8, pairs: 5, skippedEmpty: 1, skippedNoTab: 1, skippedInvalidUtf8: 1 });
    expect(formatReport(report)).toMatch(
      /deu-small.txt: 5 pairs from 8 lines \(skipped: 1 empty, 1 without a tab, 1 not UTF-8\)/,
    );
  });

  it('swaps the direction on request', () => {
    expect(readCorpus(fixture, { swap: true }).pairs[0]).toEqual({ source: 'Geh.', target: 'Go.', line: 0 });
  });

  it('reads the corpus straight from a manythings zip', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const zip = join(dir, 'deu-eng.zip');
    writeFileSync(
      zip,
      zipSync({ '_about.txt': new TextEncoder().encode('about'), 'deu.txt': new Uint8Array(readFileSync(fixture)) }),
    );
    const { pairs, report } = readCorpus(zip);
    expect(pairs).toEqual(readCorpus(fixture).pairs);
    expect(report.file).toBe(`${zip}:deu.txt`);
  });

  it('fails clearly on a missing file, a broken zip and a corpus without a usable line', () => {
    expect(() => readCorpus('/nonexistent/deu.txt')).toThrow('corpus file not found: /nonexistent/deu.txt');
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const broken = join(dir, 'broken.zip');
    writeFileSync(broken, Buffer.from('PK\x03\x04garbage'));
    expect(() => readCorpus(broken)).toThrow(/broken.zip is not a readable zip file/);
    expect(() => parseCorpus(new TextEncoder().encode('\n\nno tabs\n'), 'empty.txt')).toThrow(
      'empty.txt has no usable line (expected "English<TAB>German<TAB>attribution" per line)',
    );
  });

  it('skips and counts a line longer than the limit (a 2 MB line) and keeps reading after it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const path = join(dir, 'long.txt');
    writeFileSync(path, `Go.\tGeh.\n${'x'.repeat(2 << 20)}\tlong\nHi.\tHallo!`);
    const { pairs, report } = readCorpus(path);
    expect(pairs.map((p) => p.source)).toEqual(['Go.', 'Hi.']);
    expect(pairs[1]!.line).toBe(2);
    expect(report).toMatchObject({ lines: 3, pairs: 2, skippedTooLong: 1 });
    expect(formatReport(report)).toMatch(/1 too long\)$/);
    // The same split across chunks of any size gives the same pairs.
    const bytes = new Uint8Array(readFileSync(path));
    expect(parseCorpus(bytes, 'x', { maxLineBytes: 10 }).report.skippedTooLong).toBe(1);
  });

  it('refuses devices, FIFOs and folders by name instead of reading forever or blocking', () => {
    expect(() => readCorpus('/dev/zero')).toThrow(/cannot read corpus \/dev\/zero: it is a device/);
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    expect(() => readCorpus(dir)).toThrow(/it is a folder/);
    const fifo = join(dir, 'fifo.txt');
    if (spawnSync('mkfifo', [fifo]).status === 0) expect(() => readCorpus(fifo)).toThrow(/it is a FIFO/);
  });

  it('streams a 500 MB zip entry of one line without holding it: skipped, counted, memory bounded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
    const zip = join(dir, 'deu-eng.zip');
    const made = spawnSync('/usr/bin/python3', [
      '-c',
      `import zipfile, sys
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('deu.txt', 'w') as f:
        f.write(b'Go.\\tGeh.\\n')
        for _ in range(500): f.write(b'a' * (1 << 20))
        f.write(b'\\nHi.\\tHallo!\\n')`,
      zip,
    ]);
    expect(made.status, made.stderr?.toString()).toBe(0);
    const before = process.resourceUsage().maxRSS;
    const { pairs, report } = readCorpus(zip);
    expect(pairs.map((p) => p.target)).toEqual(['Geh.', 'Hallo!']);
    expect(report.skippedTooLong).toBe(1);
    expect((process.resourceUsage().maxRSS - before) * 1024).toBeLessThan(100 << 20);
  });
});
