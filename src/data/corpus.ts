/**
 * Reads a manythings.org corpus (`deu.txt`: `English<TAB>German<TAB>attribution` per line), either the text
 * file or the downloaded zip (`deu-eng.zip`) directly. Unusable lines are skipped and counted, never fatal.
 * Files are read as streams of chunks (a zip entry inflated piece by piece), so memory holds the pairs and one
 * line at most: a line longer than the limit is skipped and counted, and a corpus that would not fit in the
 * JavaScript heap is refused before V8 would abort the process.
 */
import { closeSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Inflate } from 'fflate';
import { openRegularFile, readRegularFile } from '../util/files.js';
import { formatBytes } from '../util/memory.js';
import { ZipArchive, ZipError, type ZipEntry } from '../util/zip.js';

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
  /** Lines longer than {@link ReadCorpusOptions.maxLineBytes}. */
  skippedTooLong: number;
  /** Pairs with more tokens on a side than `maxTokens` (see dropLongPairs in dataset.ts); absent: no limit applied. */
  skippedLongPairs?: number;
  maxTokens?: number;
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
  /** Longer lines are skipped and counted; default 64 KiB (a sentence pair is a few hundred bytes). */
  maxLineBytes?: number;
}

const DEFAULT_MAX_LINE_BYTES = 64 << 10;
const CHUNK_BYTES = 1 << 20;
// A zip of a corpus larger than this is refused whole (unzip it and pass the text, which is streamed).
const MAX_ZIP_BYTES = 2 ** 31 - 1;

/** The corpus entry of a manythings zip: its one `*.txt` other than `_about.txt` (`deu.txt` in `deu-eng.zip`). */
function corpusEntry(path: string, archive: ZipArchive): ZipEntry {
  const candidates = [...archive.entries.values()].filter(
    (e) => e.name.endsWith('.txt') && !basename(e.name).startsWith('_'),
  );
  const preferred = `${basename(path).split('-')[0]}.txt`;
  const entry = candidates.length === 1 ? candidates[0] : candidates.find((e) => basename(e.name) === preferred);
  if (!entry) {
    throw new Error(
      candidates.length === 0
        ? `${path} holds no corpus .txt file`
        : `${path} holds several corpus files (${candidates.map((e) => e.name).join(', ')}); unzip it and pass one`,
    );
  }
  return entry;
}

/** Turns chunks of corpus bytes into pairs, one line at a time; see {@link parseCorpus}. */
class CorpusParser {
  readonly pairs: Pair[] = [];
  readonly report: CorpusReport;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  readonly #swap: boolean;
  readonly #maxLineBytes: number;
  #line = 0;
  // The start of a line that continues in the next chunk (copied: the reader reuses its buffer).
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #tooLong = false;

  constructor(file: string, options: ReadCorpusOptions) {
    this.report = {
      file,
      lines: 0,
      pairs: 0,
      skippedEmpty: 0,
      skippedNoTab: 0,
      skippedInvalidUtf8: 0,
      skippedTooLong: 0,
    };
    this.#swap = options.swap ?? false;
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, newline < 0 ? chunk.length : newline);
      if (newline < 0) {
        this.#keep(piece);
        return;
      }
      if (this.#pendingBytes === 0 && !this.#tooLong) this.#take(piece);
      else {
        this.#keep(piece);
        this.#take(joined(this.#pending, this.#pendingBytes));
      }
      start = newline + 1;
    }
  }

  /** The last line, when the text does not end with a newline; then the pairs, or an error if there are none. */
  end(): Corpus {
    if (this.#pendingBytes > 0 || this.#tooLong) this.#take(joined(this.#pending, this.#pendingBytes));
    this.report.pairs = this.pairs.length;
    if (this.pairs.length === 0) {
      throw new Error(
        `${this.report.file} has no usable line (expected "English<TAB>German<TAB>attribution" per line)`,
      );
    }
    return { pairs: this.pairs, report: this.report };
  }

  #keep(piece: Uint8Array): void {
    if (this.#tooLong || piece.length === 0) return;
    if (this.#pendingBytes + piece.length > this.#maxLineBytes) {
      this.#tooLong = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      return;
    }
    this.#pending.push(piece.slice());
    this.#pendingBytes += piece.length;
  }

  #take(bytes: Uint8Array): void {
    const line = this.#line++;
    this.report.lines++;
    const tooLong = this.#tooLong || bytes.length > this.#maxLineBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#tooLong = false;
    if (tooLong) {
      this.report.skippedTooLong++;
      return;
    }
    let text: string;
    try {
      text = this.#decoder.decode(bytes);
    } catch {
      this.report.skippedInvalidUtf8++;
      return;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text.trim() === '') {
      this.report.skippedEmpty++;
      return;
    }
    const columns = text.split('\t', 2);
    if (columns.length < 2) {
      this.report.skippedNoTab++;
      return;
    }
    const [first, second] = [columns[0]!, columns[1]!];
    this.pairs.push(this.#swap ? { source: second, target: first, line } : { source: first, target: second, line });
    if ((this.pairs.length & 0xffff) === 0) checkHeap(this.report.file, this.pairs.length);
  }
}

function joined(pieces: Uint8Array[], length: number): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Refuses to go on reading when the pairs fill most of V8's heap: beyond it, V8 aborts the whole process. */
function checkHeap(file: string, pairs: number): void {
  const heap = getHeapStatistics();
  if (heap.used_heap_size > 0.8 * heap.heap_size_limit) {
    throw new Error(
      `${file}: the corpus does not fit in the JavaScript heap (${pairs} pairs read fill ` +
        `${formatBytes(heap.used_heap_size)} of ${formatBytes(heap.heap_size_limit)}): use a smaller corpus, or ` +
        'give Node more with NODE_OPTIONS=--max-old-space-size=MB',
    );
  }
}

/** Splits corpus bytes into pairs; lines that are empty, lack a tab, are not UTF-8 or too long are counted and skipped. */
export function parseCorpus(bytes: Uint8Array, file: string, options: ReadCorpusOptions = {}): Corpus {
  const parser = new CorpusParser(file, options);
  parser.push(bytes);
  return parser.end();
}

/** Reads `deu.txt` or `deu-eng.zip` (any manythings pair works the same way), streaming either. */
export function readCorpus(path: string, options: ReadCorpusOptions = {}): Corpus {
  const { fd, size } = openCorpus(path);
  try {
    const head = new Uint8Array(2);
    const isZip = readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x50 && head[1] === 0x4b;
    if (isZip) return readZipCorpus(path, options);
    const parser = new CorpusParser(path, options);
    const buffer = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(size, 1)));
    for (let at = 0; ;) {
      const n = readSync(fd, buffer, 0, buffer.length, at);
      if (n === 0) break;
      parser.push(buffer.subarray(0, n));
      at += n;
    }
    return parser.end();
  } finally {
    closeSync(fd);
  }
}

function openCorpus(path: string): { fd: number; size: number } {
  try {
    return openRegularFile(path, 'corpus');
  } catch (err) {
    if ((err as Error).message.endsWith(': no such file')) throw new Error(`corpus file not found: ${path}`);
    throw err;
  }
}

function readZipCorpus(path: string, options: ReadCorpusOptions): Corpus {
  let archive: ZipArchive;
  let entry: ZipEntry;
  try {
    archive = new ZipArchive(readRegularFile(path, 'corpus', MAX_ZIP_BYTES));
    entry = corpusEntry(path, archive);
  } catch (err) {
    if (err instanceof ZipError) throw new Error(`${path} is not a readable zip file: ${err.message}`);
    throw err;
  }
  const parser = new CorpusParser(`${path}:${entry.name}`, options);
  const data = archive.raw(entry);
  if (entry.method === 0) {
    for (let at = 0; at < data.length; at += CHUNK_BYTES) parser.push(data.subarray(at, at + CHUNK_BYTES));
    return parser.end();
  }
  // Inflated a few kB of input at a time: each piece of output is at most ~1,000 times that.
  let produced = 0;
  const inflate = new Inflate((chunk) => {
    produced += chunk.length;
    if (produced > entry.size)
      throw new ZipError(`${entry.name} inflates to more than the ${entry.size} bytes declared`);
    parser.push(chunk);
  });
  try {
    for (let at = 0; at < data.length; at += 4096) {
      inflate.push(data.subarray(at, at + 4096), at + 4096 >= data.length);
    }
  } catch (err) {
    if (err instanceof ZipError) throw new Error(`${path}: ${err.message}`);
    if ((err as Error).message.startsWith(path)) throw err;
    throw new Error(`${path}: corrupt deflate data in ${entry.name} (${(err as Error).message})`);
  }
  return parser.end();
}

/** The one-line report: `deu.txt: 221533 pairs from 221535 lines (skipped: 1 empty, 1 without a tab, 0 not UTF-8)`. */
export function formatReport(r: CorpusReport): string {
  return (
    `${r.file}: ${r.pairs} pairs from ${r.lines} lines ` +
    `(skipped: ${r.skippedEmpty} empty, ${r.skippedNoTab} without a tab, ${r.skippedInvalidUtf8} not UTF-8` +
    `${r.skippedTooLong > 0 ? `, ${r.skippedTooLong} too long` : ''}` +
    `${r.skippedLongPairs ? `, ${r.skippedLongPairs} longer than ${r.maxTokens} tokens` : ''})`
  );
}
