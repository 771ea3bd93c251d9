/**
 * The notebook's tokenizer: `re.findall(r"\w+", s)` then `str.lower()` on each token. Python's `\w` on str is
 * Unicode-aware: a character is a word character when it is alphanumeric (`str.isalnum()`: the Unicode
 * letter and number categories) or `_`. Combining marks are not word characters in Python, so a decomposed
 * "é" (e + U+0301) splits there, and this tokenizer splits it the same way.
 */
const WORD = /[\p{L}\p{N}_]+/gu;

/** Word tokens of `text`, lowercased with Unicode's full case mapping (as Python's str.lower). */
export function tokenize(text: string): string[] {
  return (text.match(WORD) ?? []).map((token) => token.toLowerCase());
}

/** The start and end markers the notebook wraps every sentence in. */
export const SOS = '<sos>';
/** The end-of-sentence marker. */
export const EOS = '<eos>';

/** `["<sos>", ...tokens, "<eos>"]`, as the notebook builds `eng_sent` and `deu_sent`. */
export function toSentence(text: string): string[] {
  return [SOS, ...tokenize(text), EOS];
}
