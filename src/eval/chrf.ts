/**
 * Corpus chrF (Popović 2015) and chrF++ (2017) as sacreBLEU 2.6.0 computes them (sacrebleu/metrics/chrf.py):
 * character n-grams up to order 6 with whitespace removed, optional word n-grams, statistics summed over the
 * corpus and an F-beta score with beta 2. By default orders the corpus has no n-grams of are left out of the
 * average (sacreBLEU's `eff:yes`); `epsSmoothing` gives chrF++.py's epsilon smoothing instead.
 */
import { checkBoolean, checkInteger, checkNumber, checkOptions } from '../util/check.js';
import { alignReferences, SACREBLEU_VERSION } from './bleu.js';
import { splitWords } from './tokenize-13a.js';

/** Options of `corpusChrf`; the defaults are sacreBLEU's. */
export interface ChrfOptions {
  /** Largest character n-gram order (default 6). */
  charOrder?: number;
  /** Largest word n-gram order (default 0; 2 is chrF++). */
  wordOrder?: number;
  /** Weight of recall over precision (default 2). */
  beta?: number;
  /** Lowercase everything first (default false). */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams (default false: it is removed). */
  whitespace?: boolean;
  /** chrF++.py's epsilon smoothing instead of the effective order (default false). */
  epsSmoothing?: boolean;
}

/** A chrF score, as sacreBLEU's CHRFScore. */
export interface ChrfScore {
  /** chrF on a 0-100 scale. */
  score: number;
  /** sacreBLEU's name for the variant: chrF2, chrF2++, ... */
  name: string;
  charOrder: number;
  wordOrder: number;
  beta: number;
  /** sacreBLEU's reproducibility signature, e.g. `nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0`. */
  signature: string;
}

// Python's string.punctuation, which chrF++ splits off word edges.
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

function addCount(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Character n-gram counts per order, over code points (Python's string indexing), not UTF-16 units. */
function charNgrams(line: string, maxOrder: number, whitespace: boolean): Map<string, number>[] {
  const chars = Array.from(whitespace ? line : splitWords(line).join(''));
  const byOrder: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= chars.length; i++) addCount(counts, chars.slice(i, i + n).join(''));
    byOrder.push(counts);
  }
  return byOrder;
}

/** sacreBLEU's _remove_punctuation: one punctuation mark is split off the end of a word, else off its start. */
function chrfWords(line: string): string[] {
  const words: string[] = [];
  for (const word of splitWords(line)) {
    const chars = Array.from(word);
    if (chars.length === 1) words.push(word);
    else if (PUNCTUATION.has(chars.at(-1)!)) words.push(chars.slice(0, -1).join(''), chars.at(-1)!);
    else if (PUNCTUATION.has(chars[0]!)) words.push(chars[0]!, chars.slice(1).join(''));
    else words.push(word);
  }
  return words;
}

function wordNgrams(words: readonly string[], maxOrder: number): Map<string, number>[] {
  const byOrder: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= words.length; i++) addCount(counts, words.slice(i, i + n).join(' '));
    byOrder.push(counts);
  }
  return byOrder;
}

/** [hypothesis n-grams, reference n-grams, matches]; hypothesis n-grams count only if the reference has any. */
function matchStatistics(hyp: Map<string, number>, ref: Map<string, number>): number[] {
  let hypCount = 0;
  let matches = 0;
  for (const [gram, count] of hyp) {
    hypCount += count;
    matches += Math.min(count, ref.get(gram) ?? 0);
  }
  let refCount = 0;
  for (const count of ref.values()) refCount += count;
  return [ref.size > 0 ? hypCount : 0, refCount, matches];
}

/** sacreBLEU's CHRF._compute_f_score over flattened [hyp, ref, match] triples, 0-100. */
function fScore(stats: readonly number[], beta: number, epsSmoothing: boolean): number {
  const eps = 1e-16;
  const factor = beta ** 2;
  const order = stats.length / 3;
  let score = 0;
  let effectiveOrder = 0;
  let avgPrec = 0;
  let avgRec = 0;
  for (let i = 0; i < order; i++) {
    const [nHyp, nRef, nMatch] = stats.slice(3 * i, 3 * i + 3) as [number, number, number];
    const prec = nHyp > 0 ? nMatch / nHyp : eps;
    const rec = nRef > 0 ? nMatch / nRef : eps;
    const denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec) / denom : eps;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += prec;
      avgRec += rec;
      effectiveOrder++;
    }
  }
  if (epsSmoothing) return (100 * score) / order;
  if (effectiveOrder === 0) return 0;
  avgPrec /= effectiveOrder;
  avgRec /= effectiveOrder;
  if (avgPrec + avgRec === 0) return 0;
  // Same operation order as sacreBLEU, so the last bits agree too.
  return 100 * (((1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec));
}

/**
 * Corpus chrF of `hypotheses` against one or more reference streams, each aligned with the hypotheses
 * (`references[k][i]` is the k-th reference of hypothesis i), as sacreBLEU's `CHRF().corpus_score`: each
 * segment takes the statistics of its best-scoring reference. Throws for an empty corpus or streams of the
 * wrong length.
 */
export function corpusChrf(
  hypotheses: readonly string[],
  references: ReadonlyArray<ReadonlyArray<string | null>>,
  options?: ChrfOptions,
): ChrfScore {
  const o = checkOptions('options', options);
  const charOrder = checkInteger('options.charOrder', o.charOrder ?? 6, 0);
  const wordOrder = checkInteger('options.wordOrder', o.wordOrder ?? 0, 0);
  if (charOrder + wordOrder === 0) throw new Error('corpusChrf: charOrder and wordOrder cannot both be 0');
  const beta = checkNumber('options.beta', o.beta ?? 2, 0);
  const lowercase = checkBoolean('options.lowercase', o.lowercase ?? false);
  const whitespace = checkBoolean('options.whitespace', o.whitespace ?? false);
  const epsSmoothing = checkBoolean('options.epsSmoothing', o.epsSmoothing ?? false);
  const { segments, nrefs } = alignReferences('corpusChrf', hypotheses, references);

  const ngrams = (line: string): Map<string, number>[] => {
    const text = lowercase ? line.toLowerCase() : line;
    const grams = charNgrams(text, charOrder, whitespace);
    return wordOrder > 0 ? [...grams, ...wordNgrams(chrfWords(text), wordOrder)] : grams;
  };

  const total = new Array<number>(3 * (charOrder + wordOrder)).fill(0);
  hypotheses.forEach((hypothesis, i) => {
    const hyp = ngrams(hypothesis);
    let best: number[] = [];
    let bestF = -1;
    for (const ref of segments[i]!) {
      const refGrams = ngrams(ref);
      const stats = hyp.flatMap((grams, n) => matchStatistics(grams, refGrams[n]!));
      const f = fScore(stats, beta, epsSmoothing);
      // Strictly better: on a tie the earlier reference stays, as in sacreBLEU.
      if (f > bestF) {
        best = stats;
        bestF = f;
      }
    }
    for (let k = 0; k < best.length; k++) total[k]! += best[k]!;
  });

  const signature = [
    `nrefs:${nrefs}`,
    `case:${lowercase ? 'lc' : 'mixed'}`,
    `eff:${epsSmoothing ? 'no' : 'yes'}`,
    `nc:${charOrder}`,
    `nw:${wordOrder}`,
    `space:${whitespace ? 'yes' : 'no'}`,
    `version:${SACREBLEU_VERSION}`,
  ].join('|');
  const name = `chrF${beta}${'+'.repeat(wordOrder)}`;
  return { score: fScore(total, beta, epsSmoothing), name, charOrder, wordOrder, beta, signature };
}
