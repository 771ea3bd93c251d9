/**
 * A model judged on pairs of a corpus: corpus BLEU and chrF of its translations (sacreBLEU's defaults),
 * exact-match rate, and the mean NLL per target token with the references fed (teacher-forced). Subword models
 * are scored as published results are: detokenized translations against the corpus's own lines. Word models
 * produce lowercased words, so their references are tokenized as in training (the notebook's words).
 */
import type { Pair } from '../data/corpus.js';
import { EOS, SOS } from '../data/tokenize.js';
import { ensembleMembers, type Models } from '../decode/ensemble.js';
import { translateBeam, type TranslateOptions } from '../decode/translate.js';
import { segmentersOf, type TrainedModel } from '../io/model-files.js';
import { evaluateLoss } from '../train/batched.js';
import { Random } from '../util/random.js';
import { corpusBleu, type BleuScore } from './bleu.js';
import { corpusChrf, type ChrfScore } from './chrf.js';
import { maxOf } from '../util/array.js';

/** What {@link evaluateModel} measured. */
export interface Evaluation {
  bleu: BleuScore;
  chrf: ChrfScore;
  /** Share of the translated pairs whose translation equals the reference. */
  exactMatch: number;
  /**
   * Mean NLL per target token (teacher-forced), over the pairs whose words both vocabularies know; an ensemble's
   * is that of its members' mean log-probabilities (their mean loss).
   */
  loss: number | undefined;
  /** Pairs translated and scored. */
  pairs: number;
  /** Pairs left out because the source vocabulary lacks some of their words (the model has no `<unk>`). */
  skipped: number;
  /** Each scored pair's translation and reference, as scored. */
  hypotheses: string[];
  references: string[];
  /** `text`: detokenized translations against the corpus's lines; `words`: the notebook's lowercased words. */
  scoredOn: 'text' | 'words';
}

/** `count` distinct pairs drawn uniformly with `seed` (all of them, in order, when `count` is undefined). */
export function pickPairs(pairs: readonly Pair[], count: number | undefined, seed: number): Pair[] {
  if (count === undefined || count >= pairs.length) return [...pairs];
  const random = new Random(seed);
  const order = pairs.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + random.int(order.length - i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => pairs[i]!);
}

/**
 * Translates the sources of `pairs` and scores the translations against their targets. Several models are
 * decoded as an ensemble (decode/ensemble.ts).
 */
export async function evaluateModel(
  models: Models,
  pairs: readonly Pair[],
  options: TranslateOptions = {},
): Promise<Evaluation> {
  const members = ensembleMembers(models);
  const model: TrainedModel = members[0]!;
  const segmenters = segmentersOf(model);
  const scoredOn = segmenters.target.kind === 'subword' ? 'text' : 'words';
  const results = await translateBeam(
    members,
    pairs.map((p) => p.source),
    { ...options, nBest: 1 },
  );
  const hypotheses: string[] = [];
  const references: string[] = [];
  const lossSources: number[][] = [];
  const lossTargets: number[][] = [];
  let skipped = 0;
  const translated = pairs.filter((_, i) => Array.isArray(results[i]));
  const sourceTokens = segmenters.source.segment(translated.map((p) => p.source));
  const targetTokens = segmenters.target.segment(translated.map((p) => p.target));
  results.forEach((result) => {
    if (!Array.isArray(result)) {
      skipped++;
      return;
    }
    const k = hypotheses.length;
    const pair = translated[k]!;
    const target = [SOS, ...targetTokens[k]!, EOS];
    hypotheses.push(result[0]?.text ?? '');
    references.push(scoredOn === 'text' ? pair.target : targetTokens[k]!.join(' '));
    if (model.targetVocab.hasUnk || model.targetVocab.unknown(target).length === 0) {
      lossSources.push(model.sourceVocab.encode([SOS, ...sourceTokens[k]!, EOS]).reverse());
      lossTargets.push(model.targetVocab.encode(target));
    }
  });
  if (hypotheses.length === 0) {
    throw new Error(`none of the ${pairs.length} pairs can be translated: their words are not in the vocabulary`);
  }
  const hits = hypotheses.filter((h, i) => h === references[i]).length;
  const data = {
    sources: lossSources,
    targets: lossTargets,
    sourceVocab: model.sourceVocab,
    targetVocab: model.targetVocab,
    lines: [],
    maxSentLen: maxOf(lossSources, (s) => s.length),
  };
  const indices = lossSources.map((_, i) => i);
  // An ensemble scores each token by its members' mean log-probability, so its loss per token is their mean loss.
  let loss: number | undefined;
  if (lossSources.length > 0) {
    let sum = 0;
    for (const m of members) sum += await evaluateLoss(m.encoder, m.decoder, data, indices, { device: m.device });
    loss = members.length === 1 ? sum : sum / members.length;
  }
  return {
    bleu: corpusBleu(hypotheses, [references]),
    chrf: corpusChrf(hypotheses, [references]),
    exactMatch: hits / hypotheses.length,
    loss,
    pairs: hypotheses.length,
    skipped,
    hypotheses,
    references,
    scoredOn,
  };
}
