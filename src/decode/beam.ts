/**
 * Beam search for many sentences at once, on the addon's own thread (native/seq2seq/beam_search.cc): the `beam` best
 * hypotheses are kept per sentence and the `nBest` best finished ones returned, scored by their summed
 * log-probability divided by length^lengthPenalty (1: the mean log-probability per word; 0: no normalization).
 */
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import { modelParts } from '../model/parts.js';
import { native } from '../torch/addon.js';
import { checkInteger, checkNumber } from '../util/check.js';
import { maxOf } from '../util/array.js';
import { checkFits } from '../util/memory.js';
import { MAX_BEAM } from './limits.js';
import { decodeInBatches, defaultBatchSize, type DecodeInBatchesOptions } from './source-batches.js';

export interface BeamOptions extends DecodeInBatchesOptions {
  /** Hypotheses kept per sentence; default 5. */
  beam?: number;
  /** Hypotheses returned per sentence, best first; default 1, at most `beam`. */
  nBest?: number;
  /** Scores are log-probability sums divided by length^lengthPenalty; default 1. */
  lengthPenalty?: number;
  /** Sentences decoded together (each takes `beam` rows); default {@link defaultBatchSize}: 256 / beam. */
  batchSize?: number;
}

/** One translation hypothesis. */
export interface Hypothesis {
  /** Target indices, with the closing `<eos>` unless the hypothesis was cut at `maxLength`. */
  words: number[];
  /** Summed log-probability of the words. */
  logProb: number;
  /** The length-normalized score the hypotheses are ranked by. */
  score: number;
}

/** The `nBest` best hypotheses for each of `sources` (as fed to the encoder, reversed), best first. */
export async function beamSearchBatch(
  encoder: Encoder,
  decoder: Decoder,
  sources: readonly (readonly number[])[],
  options: BeamOptions,
): Promise<Hypothesis[][]> {
  const beam = checkInteger('beam', options.beam ?? 5, 1, MAX_BEAM);
  const nBest = checkInteger('nBest', options.nBest ?? 1, 1, beam);
  const lengthPenalty = checkNumber('lengthPenalty', options.lengthPenalty ?? 1, -10, 10);
  const batchSize = options.batchSize ?? defaultBatchSize(beam);
  // Each step scores batch x beam x vocabulary (log-probabilities, their sum with the beams' scores, top-k): a wide
  // beam over a large vocabulary in a large batch is refused with the estimate, not met by the OOM killer.
  const rows = Math.min(batchSize, sources.length) * beam;
  const maxSource = Math.max(
    0,
    maxOf(sources, (s) => s.length),
  ); // no sources: nothing to allocate
  checkFits(
    `beam search of ${Math.min(batchSize, sources.length)} sentences at once with beam ${beam} over ` +
      `${decoder.dense.outFeatures} target words`,
    4 * rows * (3 * decoder.dense.outFeatures + (maxSource + 4 * decoder.numLayers) * decoder.hiddenSize),
    0.5,
  );
  const parts = modelParts(encoder, decoder);
  return decodeInBatches(sources, options, batchSize, (batches, jobOptions) =>
    native.beamBatches(parts, batches, { ...jobOptions, beam, nBest, lengthPenalty }),
  );
}
