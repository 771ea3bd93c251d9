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
});
