/**
 * A model judged on pairs of a corpus: corpus BLEU and chrF of its translations (sacreBLEU's defaults),
 * exact-match rate, and the mean NLL per target token with the references fed (teacher-forced). The
 * references are tokenized as in training (lowercased words), since that is what the model produces.
 */
import type { Pair } from '../data/corpus.js';
import { toSentence } from '../data/tokenize.js';
import { translateBeam, type TranslateOptions } from '../decode/translate.js';
import type { TrainedModel } from '../io/model-files.js';
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
  /** Mean NLL per target token (teacher-forced), over the pairs whose words both vocabularies know. */
  loss: number | undefined;
  /** Pairs translated and scored. */
  pairs: number;
  /** Pairs left out because the source vocabulary lacks some of their words (the model has no `<unk>`). */
  skipped: number;
  /** Each scored pair's translation and reference, as scored. */
  hypotheses: string[];
  references: string[];
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

/** Translates the sources of `pairs` and scores the translations against their targets. */
export async function evaluateModel(
  model: TrainedModel,
  pairs: readonly Pair[],
  options: TranslateOptions = {},
): Promise<Evaluation> {
  const results = await translateBeam(
    model,
    pairs.map((p) => p.source),
    { ...options, nBest: 1 },
  );
  const hypotheses: string[] = [];
  const references: string[] = [];
  const lossSources: number[][] = [];
  const lossTargets: number[][] = [];
  let skipped = 0;
  results.forEach((result, i) => {
    if (!Array.isArray(result)) {
      skipped++;
      return;
    }
    const target = toSentence(pairs[i]!.target);
    hypotheses.push(result[0]?.words.join(' ') ?? '');
    references.push(target.slice(1, -1).join(' '));
    if (model.targetVocab.unknown(target).length === 0) {
      lossSources.push(model.sourceVocab.encode(toSentence(pairs[i]!.source)).reverse());
      lossTargets.push(model.targetVocab.encode(target));
    }
  });
  if (hypotheses.length === 0) {
    throw new Error(`none of the ${pairs.length} pairs can be translated: their words are not in the vocabulary`);
  }
  const hits = hypotheses.filter((h, i) => h === references[i]).length;
  const loss =
    lossSources.length === 0
      ? undefined
      : await evaluateLoss(
          model.encoder,
          model.decoder,
          {
            sources: lossSources,
            targets: lossTargets,
            sourceVocab: model.sourceVocab,
            targetVocab: model.targetVocab,
            lines: [],
            maxSentLen: maxOf(lossSources, (s) => s.length),
          },
          lossSources.map((_, i) => i),
          { device: model.device },
        );
  return {
    bleu: corpusBleu(hypotheses, [references]),
    chrf: corpusChrf(hypotheses, [references]),
    exactMatch: hits / hypotheses.length,
    loss,
    pairs: hypotheses.length,
    skipped,
    hypotheses,
    references,
  };
}
