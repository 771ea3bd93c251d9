/**
 * Corpus BLEU as sacreBLEU 2.6.0 computes it (sacrebleu/metrics/bleu.py): word n-grams up to order 4, each
 * clipped by its largest count in any one reference, summed over the corpus; the brevity penalty from the
 * reference lengths closest to each hypothesis; `exp` smoothing and the `13a` tokenizer by default. Scores are
 * on sacreBLEU's 0-100 scale and agree with it to floating-point rounding.
 */
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions } from '../util/check.js';
import { rstrip, splitWords, tokenize13a } from './tokenize-13a.js';

/** The sacreBLEU release whose BLEU and chrF this module reproduces: the `version` field of every signature. */
export const SACREBLEU_VERSION = '2.6.0';

/** sacreBLEU's smoothing methods (Chen and Cherry, 2014): none, floor (method 1), add-k (2), exp (3, mteval's). */
export type BleuSmoothing = 'exp' | 'none' | 'floor' | 'add-k';

/** `13a` is sacreBLEU's default; `none` splits on whitespace only. */
export type BleuTokenizer = '13a' | 'none';

/** How BLEU turns its statistics into a score; the defaults are sacreBLEU's. */
export interface BleuScoringOptions {
  /** Smoothing of zero n-gram matches (default 'exp'). */
  smooth?: BleuSmoothing;
  /** The value for 'floor' (default 0.1) and 'add-k' (default 1); ignored by the others. */
  smoothValue?: number;
  /** Largest n-gram order (default 4). */
  maxNgramOrder?: number;
  /** Average only over orders the hypotheses have n-grams of, as for sentence BLEU (default false). */
  effectiveOrder?: boolean;
}

/** Options of `corpusBleu`; the defaults are sacreBLEU's. */
export interface BleuOptions extends BleuScoringOptions {
  /** Tokenizer applied to hypotheses and references (default '13a'). */
  tokenize?: BleuTokenizer;
  /** Lowercase everything first (default false). */
  lowercase?: boolean;
}

/** BLEU's sufficient statistics, summed over a corpus. */
export interface BleuStatistics {
  /** Clipped n-gram matches per order, 1 to the maximum order. */
  counts: number[];
  /** Hypothesis n-grams per order. */
  totals: number[];
  /** Hypothesis tokens. */
  sysLen: number;
  /** Reference tokens, taking for each segment the reference length closest to the hypothesis. */
  refLen: number;
}

/** A BLEU score and what it was computed from, as sacreBLEU's BLEUScore. */
export interface BleuScore extends BleuStatistics {
  /** BLEU on a 0-100 scale. */
  score: number;
  /** Smoothed n-gram precisions, 0-100. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** sacreBLEU's reproducibility signature, e.g. `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0`. */
  signature: string;
}

const SMOOTH_DEFAULTS: Record<BleuSmoothing, number | undefined> = {
  none: undefined,
  floor: 0.1,
  'add-k': 1,
  exp: undefined,
};
const SMOOTHINGS = Object.keys(SMOOTH_DEFAULTS) as BleuSmoothing[];

// sacreBLEU's my_log: log(0) is floored to a large negative number, so one zero precision makes the score 0.
const floorLog = (x: number): number => (x === 0 ? -9999999999 : Math.log(x));

function resolveScoring(options: BleuScoringOptions | undefined): Required<BleuScoringOptions> {
  const o = checkOptions('options', options);
  const smooth = checkOneOf('options.smooth', o.smooth ?? 'exp', SMOOTHINGS);
  return {
    smooth,
    smoothValue: checkNumber('options.smoothValue', o.smoothValue ?? SMOOTH_DEFAULTS[smooth] ?? 0, 0),
    maxNgramOrder: checkInteger('options.maxNgramOrder', o.maxNgramOrder ?? 4, 1),
    effectiveOrder: checkBoolean('options.effectiveOrder', o.effectiveOrder ?? false),
  };
}

/**
 * BLEU from corpus statistics (sacreBLEU's `BLEU.compute_bleu`). As in sacreBLEU, 'add-k' adds k to the
 * counts and totals of orders above 1, and the returned counts and totals include it.
 */
export function computeBleu(stats: BleuStatistics, options?: BleuScoringOptions): Omit<BleuScore, 'signature'> {
  const { smooth, smoothValue, maxNgramOrder: maxOrder, effectiveOrder } = resolveScoring(options);
  if (stats.counts.length !== maxOrder || stats.totals.length !== maxOrder) {
    throw new Error(`computeBleu: counts and totals need ${maxOrder} entries (one per n-gram order)`);
  }
  const counts = [...stats.counts];
  const totals = [...stats.totals];
  const { sysLen, refLen } = stats;
  const bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  const result = (score: number) => ({ score, counts, totals, precisions, bp, sysLen, refLen });
  // No match at any order scores 0 whatever the smoothing (sacreBLEU issue #141).
  if (counts.every((c) => c === 0)) return result(0);

  let smoothMteval = 1;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    const i = n - 1;
    if (smooth === 'add-k' && n > 1) {
      counts[i]! += smoothValue;
      totals[i]! += smoothValue;
    }
    if (totals[i] === 0) break;
    if (effectiveOrder) effOrder = n;
    if (counts[i] === 0) {
      if (smooth === 'exp') {
        smoothMteval *= 2;
        precisions[i] = 100 / (smoothMteval * totals[i]!);
      } else if (smooth === 'floor') {
        precisions[i] = (100 * smoothValue) / totals[i]!;
      }
    } else {
      precisions[i] = (100 * counts[i]!) / totals[i]!;
    }
  }
  let logSum = 0;
  for (const p of precisions.slice(0, effOrder)) logSum += floorLog(p);
  return result(bp * Math.exp(logSum / effOrder));
}

/** Hypotheses and their references regrouped per segment, and sacreBLEU's `nrefs` for the signature. */
export interface AlignedCorpus {
  /** The references of each segment, missing (null) ones left out. */
  segments: string[][];
  /** References per segment, or 'var' when segments have different numbers. */
  nrefs: number | 'var';
}

/**
 * Checks a corpus and regroups its reference streams per segment. Each stream holds one reference per
 * hypothesis; a null entry means that stream has no reference for that segment (sacreBLEU's None).
 */
export function alignReferences(
  metric: string,
  hypotheses: readonly string[],
  references: ReadonlyArray<ReadonlyArray<string | null>>,
): AlignedCorpus {
  if (!Array.isArray(hypotheses) || hypotheses.length === 0) {
    throw new Error(`${metric}: no hypotheses; the score of an empty corpus is undefined`);
  }
  if (!Array.isArray(references) || references.length === 0) {
    throw new Error(`${metric}: no references; pass one or more reference streams, each aligned with the hypotheses`);
  }
  references.forEach((stream, k) => {
    const length = Array.isArray(stream) ? stream.length : 'no';
    if (length !== hypotheses.length) {
      throw new Error(
        `${metric}: reference stream ${k} has ${length} lines but there are ${hypotheses.length} hypotheses ` +
          '(references are streams: references[k][i] is the k-th reference of hypothesis i)',
      );
    }
  });
  const segments = hypotheses.map((hypothesis, i) => {
    if (typeof hypothesis !== 'string') throw new TypeError(`${metric}: hypothesis ${i} is not a string`);
    const refs: string[] = [];
    references.forEach((stream, k) => {
      const ref = stream[i];
      if (ref === null || ref === undefined) return;
      if (typeof ref !== 'string') throw new TypeError(`${metric}: reference ${i} of stream ${k} is not a string`);
      refs.push(ref);
    });
    if (refs.length === 0) throw new Error(`${metric}: hypothesis ${i} has no reference in any stream`);
    return refs;
  });
  const sizes = new Set(segments.map((refs) => refs.length));
  return { segments, nrefs: sizes.size === 1 ? segments[0]!.length : 'var' };
}

/** Counts the n-grams of each order 1..maxOrder; keys are tokens joined by spaces (tokens hold no whitespace). */
function countNgrams(tokens: readonly string[], maxOrder: number): Map<string, number>[] {
  const byOrder: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const gram = tokens.slice(i, i + n).join(' ');
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
    byOrder.push(counts);
  }
  return byOrder;
}

/** The reference length closest to the hypothesis length, the shorter one on a tie. */
function closestRefLen(hypLen: number, refLens: readonly number[]): number {
  let best = refLens[0]!;
  for (const len of refLens) {
    const diff = Math.abs(hypLen - len);
    const bestDiff = Math.abs(hypLen - best);
    if (diff < bestDiff || (diff === bestDiff && len < best)) best = len;
  }
  return best;
}

/**
 * Corpus BLEU of `hypotheses` against one or more reference streams, each aligned with the hypotheses
 * (`references[k][i]` is the k-th reference of hypothesis i), as sacreBLEU's `BLEU().corpus_score`.
 * Throws for an empty corpus or streams of the wrong length; empty hypotheses count (and score 0 if all are).
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: ReadonlyArray<ReadonlyArray<string | null>>,
  options?: BleuOptions,
): BleuScore {
  const o = checkOptions('options', options);
  const tokenize = checkOneOf('options.tokenize', o.tokenize ?? '13a', ['13a', 'none'] as const);
  const lowercase = checkBoolean('options.lowercase', o.lowercase ?? false);
  const scoring = resolveScoring(o);
  const { segments, nrefs } = alignReferences('corpusBleu', hypotheses, references);
  const maxOrder = scoring.maxNgramOrder;

  // sacreBLEU's _preprocess_segment: optional lowercasing, rstrip, then the tokenizer.
  const words = (line: string): string[] => {
    const text = rstrip(lowercase ? line.toLowerCase() : line);
    return splitWords(tokenize === '13a' ? tokenize13a(text) : text);
  };

  const counts = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hypotheses.forEach((hypothesis, i) => {
    // A reference n-gram may match as often as it occurs in the one reference that has it most.
    const refMax = Array.from({ length: maxOrder }, () => new Map<string, number>());
    const refLens: number[] = [];
    for (const ref of segments[i]!) {
      const tokens = words(ref);
      refLens.push(tokens.length);
      countNgrams(tokens, maxOrder).forEach((grams, n) => {
        for (const [gram, c] of grams) refMax[n]!.set(gram, Math.max(refMax[n]!.get(gram) ?? 0, c));
      });
    }
    const tokens = words(hypothesis);
    sysLen += tokens.length;
    refLen += closestRefLen(tokens.length, refLens);
    countNgrams(tokens, maxOrder).forEach((grams, n) => {
      for (const [gram, c] of grams) {
        totals[n]! += c;
        counts[n]! += Math.min(c, refMax[n]!.get(gram) ?? 0);
      }
    });
  });

  const score = computeBleu({ counts, totals, sysLen, refLen }, scoring);
  return { ...score, signature: bleuSignature(nrefs, tokenize, lowercase, scoring) };
}

/** sacreBLEU's BLEUSignature.format(): nrefs, case, eff, tok, smooth, version. */
function bleuSignature(
  nrefs: number | 'var',
  tokenize: BleuTokenizer,
  lowercase: boolean,
  scoring: Required<BleuScoringOptions>,
): string {
  // floor and add-k show their value with two decimals: smooth:floor[0.10].
  const smooth =
    SMOOTH_DEFAULTS[scoring.smooth] === undefined
      ? scoring.smooth
      : `${scoring.smooth}[${scoring.smoothValue.toFixed(2)}]`;
  return [
    `nrefs:${nrefs}`,
    `case:${lowercase ? 'lc' : 'mixed'}`,
    `eff:${scoring.effectiveOrder ? 'yes' : 'no'}`,
    `tok:${tokenize}`,
    `smooth:${smooth}`,
    `version:${SACREBLEU_VERSION}`,
  ].join('|');
}
