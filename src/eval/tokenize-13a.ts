/**
 * sacreBLEU's default `13a` tokenizer (Tokenizer13a over TokenizerRegexp in sacreBLEU 2.6.0), the tokenization
 * of WMT's mteval-v13a.pl, plus the Python string helpers the metrics need to split text the way sacreBLEU does.
 */

// Python's str.split()/str.strip() whitespace (str.isspace()), which is not JavaScript's \s: Python adds
// U+001C..U+001F and U+0085, JavaScript adds U+FEFF. Every member is in the BMP, so a code unit test is exact.
// eslint-disable-next-line no-control-regex -- the controls U+001C..U+001F are whitespace to Python
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const PY_WHITESPACE_RUN = new RegExp(`${PY_WHITESPACE.source}+`, 'g');

/** Splits `line` on runs of whitespace and drops empty pieces, as Python's `line.split()` does. */
export function splitWords(line: string): string[] {
  return line.split(PY_WHITESPACE_RUN).filter((word) => word !== '');
}

/** Drops trailing whitespace, as Python's `line.rstrip()` does. */
export function rstrip(line: string): string {
  let end = line.length;
  while (end > 0 && PY_WHITESPACE.test(line[end - 1]!)) end--;
  return line.slice(0, end);
}

// TokenizerRegexp's four substitutions, applied in order. The first is sacreBLEU's
// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) written with hex ranges: { | } ~, [ \ ] ^ _ `, space ! " # $ % &, ( ) * +,
// : ; < = > ? @, and /. Apostrophes, hyphens, periods and commas are not in it.
const SUBSTITUTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/([\x7b-\x7e\x5b-\x60\x20-\x26\x28-\x2b\x3a-\x40\x2f])/g, ' $1 '],
  // Period and comma are split off unless preceded by a digit...
  [/([^0-9])([.,])/g, '$1 $2 '],
  // ...and unless followed by one, so 3.14 and 1,000 stay whole.
  [/([.,])([^0-9])/g, ' $1 $2'],
  // A dash after a digit is split off: 1990-2000 becomes 1990 - 2000.
  [/([0-9])(-)/g, '$1 $2 '],
];

/**
 * Tokenizes one line like sacreBLEU's `13a` tokenizer and returns the tokens joined by single spaces.
 * Lines are not lowercased or right-stripped here; `corpusBleu` does that first, as sacreBLEU does.
 */
export function tokenize13a(line: string): string {
  let text = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  // Order matters: '&amp;lt;' becomes '<', as in sacreBLEU.
  text = text.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  text = ` ${text} `;
  for (const [pattern, replacement] of SUBSTITUTIONS) text = text.replace(pattern, replacement);
  return splitWords(text).join(' ');
}
