/**
 * A parallel corpus from gettext message catalogs: the msgid -> msgstr pairs of the `.mo` files a system installs
 * for a language (`/usr/share/locale/de/LC_MESSAGES/*.mo`: human English -> German translations of program
 * messages). Kept: translated singular messages of at least `minWords` English words, whitespace normalized
 * (newlines and tabs become single spaces, so that a pair fits on one corpus line), GTK keyboard accelerators
 * removed where they are unambiguous, each distinct pair once. Written in the manythings format that
 * {@link readCorpus} reads: `English<TAB>German<TAB>catalog:NAME`.
 */
import { basename } from 'node:path';
import { readMessageCatalog, type CatalogEntry, type ReadMessageCatalogOptions } from './message-catalog.js';

/** One pair of the corpus. */
export interface CatalogPair {
  /** The English message (msgid), normalized. */
  source: string;
  /** Its German (or other) translation (msgstr), normalized. */
  target: string;
  /** The catalog it came from, without `.mo` (`coreutils`). */
  catalog: string;
}

/** What was read, what was left out and why. Every entry read is counted once, in exactly one of the last five. */
export interface CatalogReport {
  /** Catalogs read. */
  catalogs: number;
  /** Catalogs that could not be read (corrupt, unsupported charset, unreadable), with the reason. */
  skipped: { file: string; reason: string }[];
  /** Messages read, header entries not counted. */
  entries: number;
  /** Messages with a msgctxt (kept like the others; the context is dropped). */
  withContext: number;
  /** Pairs whose keyboard accelerators (`_Open`) were removed. */
  accelerators: number;
  /** System-dependent strings of revision 1 catalogs, not read (see message-catalog.ts). */
  systemDependent: number;
  /** Left out: plural entries. */
  plural: number;
  /** Left out: an empty translation, or one equal to the original. */
  untranslated: number;
  /** Left out: fewer than `minWords` English words. */
  tooShort: number;
  /** Left out: the same English and translation as an earlier pair. */
  duplicates: number;
  /** Pairs kept. */
  pairs: number;
  minWords: number;
}

/** The pairs of a set of catalogs and the report of what was left out. */
export interface CatalogCorpus {
  pairs: CatalogPair[];
  report: CatalogReport;
}

/** How catalogs become pairs. */
export interface CatalogPairsOptions extends ReadMessageCatalogOptions {
  /** Shorter English messages (words separated by whitespace) are left out; default 3. */
  minWords?: number;
}

/** The default of {@link CatalogPairsOptions.minWords}. */
export const DEFAULT_MIN_WORDS = 3;

/** Newlines, tabs and runs of any whitespace become one space; the ends are trimmed. */
export function normalizeMessage(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// An underscore followed by a letter or digit, and the letters and digits on either side of it.
const UNDERSCORE = /([\p{L}\p{N}]*)_([\p{L}\p{N}]+)/u;

/**
 * Removes a GTK keyboard accelerator (`Show _Hidden Files` / `_Verborgene Dateien anzeigen`) from both sides of
 * a pair, or returns undefined when the underscores are not clearly accelerators. Clearly: each side has exactly
 * one underscore, followed by a letter or digit; on at least one side it begins a word (mid-word it looks like
 * `for_user`, `BASE_DIR`); and the letters around it differ between the sides (an identifier such as `LC_ALL`,
 * `G_LIST` / `G_LISTE` or `msgid_plural` / `msgstr_plural` keeps a side). Ampersand accelerators (`&Open`) are
 * never removed: in Debian's catalogs every `&` before a letter is text (`AT&T`, `&lt;`, URLs).
 */
export function stripAccelerators(source: string, target: string): [string, string] | undefined {
  if (count(source, '_') !== 1 || count(target, '_') !== 1) return undefined;
  const s = UNDERSCORE.exec(source);
  const t = UNDERSCORE.exec(target);
  if (!s || !t) return undefined;
  const [, sBefore, sAfter] = s as unknown as [string, string, string];
  const [, tBefore, tAfter] = t as unknown as [string, string, string];
  if (sBefore !== '' && tBefore !== '') return undefined;
  if ((sBefore !== '' && sBefore === tBefore) || sAfter === tAfter) return undefined;
  return [source.replace('_', ''), target.replace('_', '')];
}

/** Words separated by spaces (the text is normalized). */
function wordCount(text: string): number {
  return text === '' ? 0 : text.split(' ').length;
}

function count(text: string, char: string): number {
  let n = 0;
  for (let at = text.indexOf(char); at >= 0; at = text.indexOf(char, at + 1)) n++;
  return n;
}

function byName(a: string, b: string): number {
  const [x, y] = [basename(a), basename(b)];
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The sentence pairs of message catalogs, read in the order of their file names (so the pair kept of duplicates
 * is always the same): header entries, plural entries, untranslated messages and those with fewer than
 * `minWords` English words are left out and counted, as are repeated pairs. A catalog that cannot be read is
 * skipped and listed with the reason; the others are read.
 */
export function catalogPairs(files: readonly string[], options: CatalogPairsOptions = {}): CatalogCorpus {
  const minWords = options.minWords ?? DEFAULT_MIN_WORDS;
  if (!Number.isInteger(minWords) || minWords < 1) {
    throw new Error(`minWords: expected an integer of at least 1, got ${minWords}`);
  }
  const report: CatalogReport = {
    catalogs: 0,
    skipped: [],
    entries: 0,
    withContext: 0,
    accelerators: 0,
    systemDependent: 0,
    plural: 0,
    untranslated: 0,
    tooShort: 0,
    duplicates: 0,
    pairs: 0,
    minWords,
  };
  const pairs: CatalogPair[] = [];
  const seen = new Set<string>();
  for (const file of [...files].sort(byName)) {
    let entries: CatalogEntry[];
    try {
      const catalog = readMessageCatalog(file, options);
      entries = catalog.entries;
      report.systemDependent += catalog.systemDependent;
    } catch (err) {
      report.skipped.push({ file, reason: (err as Error).message });
      continue;
    }
    report.catalogs++;
    const name = basename(file).replace(/\.mo$/, '');
    for (const entry of entries) {
      if (entry.msgid === '' && entry.context === undefined) continue; // the header
      report.entries++;
      if (entry.context !== undefined) report.withContext++;
      if (entry.plural) {
        report.plural++;
        continue;
      }
      let source = normalizeMessage(entry.msgid);
      let target = normalizeMessage(entry.msgstr);
      const stripped = stripAccelerators(source, target);
      if (stripped) {
        [source, target] = stripped;
        report.accelerators++;
      }
      if (target === '' || target === source) {
        report.untranslated++;
        continue;
      }
      if (wordCount(source) < minWords) {
        report.tooShort++;
        continue;
      }
      const key = `${source}\t${target}`;
      if (seen.has(key)) {
        report.duplicates++;
        continue;
      }
      seen.add(key);
      pairs.push({ source, target, catalog: name });
    }
  }
  report.pairs = pairs.length;
  return { pairs, report };
}

/** The corpus text: one `English<TAB>German<TAB>catalog:NAME` line per pair, each ending in a newline. */
export function catalogCorpusText(pairs: readonly CatalogPair[]): string {
  return pairs.map((p) => `${p.source}\t${p.target}\tcatalog:${p.catalog}\n`).join('');
}

/** The report in a few lines: catalogs read and skipped (with why), then what became of the messages. */
export function formatCatalogReport(r: CatalogReport): string {
  const lines = [
    `${r.catalogs} catalogs read, ${r.skipped.length} skipped; ${r.entries} messages -> ${r.pairs} pairs ` +
      `(left out: ${r.plural} plural, ${r.untranslated} untranslated, ${r.tooShort} under ${r.minWords} words, ` +
      `${r.duplicates} duplicates)`,
    `  ${r.withContext} with a context, ${r.accelerators} with accelerators removed` +
      (r.systemDependent > 0 ? `, ${r.systemDependent} system-dependent strings not read` : ''),
  ];
  for (const s of r.skipped) lines.push(`  skipped ${s.reason}`);
  return lines.join('\n');
}
