/**
 * Reads a manythings.org corpus (`deu.txt`: `English<TAB>German<TAB>attribution` per line), either the text
 * file or the downloaded zip (`deu-eng.zip`) directly. Unusable lines are skipped and counted, never fatal.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { unzipSync } from 'fflate';

/** One usable line of the corpus. */
export interface Pair {
  /** The sentence to translate from (English, or German when swapped). */
  source: string;
  /** Its translation. */
  target: string;
  /** 0-based line number in the corpus text, for cross-checks that replay the same lines. */
  line: number;
}

/** What was read, and what was skipped and why. */
export interface CorpusReport {
  file: string;
  lines: number;
  pairs: number;
  skippedEmpty: number;
  skippedNoTab: number;
  skippedInvalidUtf8: number;
}

/** The usable pairs of a corpus file and the report of what was skipped. */
export interface Corpus {
  pairs: Pair[];
  report: CorpusReport;
}

/** How to read a corpus file. */
export interface ReadCorpusOptions {
  /** Translate from the second column to the first (German to English for deu.txt). */
  swap?: boolean;
}

/** The corpus text inside a manythings zip: its one `*.txt` other than `_about.txt` (`deu.txt` in `deu-eng.zip`). */
function textFromZip(path: string, bytes: Uint8Array): { name: string; bytes: Uint8Array } {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => f.name.endsWith('.txt') && !basename(f.name).startsWith('_') });
  } catch (err) {
    throw new Error(`${path} is not a readable zip file: ${(err as Error).message}`);
  }
  const names = Object.keys(files);
  const preferred = `${basename(path).split('-')[0]}.txt`;
  const name = names.length === 1 ? names[0] : names.find((n) => basename(n) === preferred);
  if (!name) {
    throw new Error(
      names.length === 0
        ? `${path} holds no corpus .txt file`
        : `${path} holds several corpus files (${names.join(', ')}); unzip it and pass one`,
    );
  }
  return { name: `${path}:${name}`, bytes: files[name]! };
}

/** Splits corpus bytes into pairs; lines that are empty, lack a tab or are not UTF-8 are counted and skipped. */
export function parseCorpus(bytes: Uint8Array, file: string, options: ReadCorpusOptions = {}): Corpus {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const report: CorpusReport = { file, lines: 0, pairs: 0, skippedEmpty: 0, skippedNoTab: 0, skippedInvalidUtf8: 0 };
  const pairs: Pair[] = [];
  let start = 0;
  for (let line = 0; start < bytes.length; line++) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    report.lines++;
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(start, end));
    } catch {
      report.skippedInvalidUtf8++;
      start = end + 1;
      continue;
    }
    start = end + 1;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') {
      report.skippedEmpty++;
      continue;
    }
    const columns = text.split('\t');
    if (columns.length < 2) {
      report.skippedNoTab++;
      continue;
    }
    const [first, second] = [columns[0]!, columns[1]!];
    pairs.push(options.swap ? { source: second, target: first, line } : { source: first, target: second, line });
  }
  report.pairs = pairs.length;
  if (pairs.length === 0) {
    throw new Error(`${file} has no usable line (expected "English<TAB>German<TAB>attribution" per line)`);
  }
  return { pairs, report };
}

/** Reads `deu.txt` or `deu-eng.zip` (any manythings pair works the same way). */
export function readCorpus(path: string, options: ReadCorpusOptions = {}): Corpus {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ENOENT' ? `corpus file not found: ${path}` : `cannot read corpus ${path}: ${(err as Error).message}`,
    );
  }
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  const text = isZip ? textFromZip(path, bytes) : { name: path, bytes };
  return parseCorpus(text.bytes, text.name, options);
}

/** The one-line report: `deu.txt: 221533 pairs from 221535 lines (skipped: 1 empty, 1 without a tab, 0 not UTF-8)`. */
export function formatReport(r: CorpusReport): string {
  return (
    `${r.file}: ${r.pairs} pairs from ${r.lines} lines ` +
    `(skipped: ${r.skippedEmpty} empty, ${r.skippedNoTab} without a tab, ${r.skippedInvalidUtf8} not UTF-8)`
  );
}
