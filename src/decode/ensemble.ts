/**
 * Ensembles: several models decoded as one. At each step every member runs its own decoder on the same words and
 * the members' log-probabilities are averaged (their arithmetic mean); greedy decoding and beam search go on from
 * that mean (native/seq2seq/ensemble.cc). Members may differ in size and attention but must read and write the same
 * tokens: the same source and target vocabularies and the same segmentation.
 */
import type { TrainedModel } from '../io/model-files.js';
import { modelParts } from '../model/parts.js';
import { native } from '../torch/addon.js';
import { maxOf } from '../util/array.js';
import { checkInteger, checkNumber } from '../util/check.js';
import { checkFits } from '../util/memory.js';
import { MAX_BEAM } from './limits.js';
import type { Hypothesis } from './beam.js';
import { decodeInBatches, type DecodeInBatchesOptions } from './source-batches.js';

/** One model, or several decoded together as an ensemble. */
export type Models = TrainedModel | readonly TrainedModel[];

/** The members of `models` (one model: itself), checked to fit together; the first one speaks for all. */
export function ensembleMembers(models: Models, names?: readonly string[]): readonly TrainedModel[] {
  const members: readonly TrainedModel[] = Array.isArray(models) ? models : [models as TrainedModel];
  if (members.length === 0) throw new Error('an ensemble needs at least one model');
  const int8 = members.findIndex((m) => m.quantized !== undefined);
  if (members.length > 1 && int8 >= 0) {
    throw new Error(
      `${names?.[int8] ?? `model ${int8 + 1}`} is an int8 model: ensembles decode float members only ` +
        '(the ensemble step runs the float products); decode it alone, or ensemble the float models',
    );
  }
  const first = members[0]!;
  const name = (i: number): string => names?.[i] ?? `model ${i + 1}`;
  members.forEach((m, i) => {
    if (i === 0) return;
    const differs = (what: string, why: string): Error =>
      new Error(`${name(i)} cannot join an ensemble with ${name(0)}: ${what} ${why}`);
    if (m.device !== first.device) throw differs('it is on', `${m.device}, not ${first.device}`);
    for (const side of ['source', 'target'] as const) {
      const a = first[`${side}Vocab`].words,
        b = m[`${side}Vocab`].words;
      if (a.length !== b.length) {
        throw differs(`its ${side} vocabulary has`, `${b.length} words, not ${a.length} (members share vocabularies)`);
      }
      const at = a.findIndex((w, k) => w !== b[k]);
      if (at >= 0) {
        throw differs(
          `its ${side} vocabulary differs at index ${at}:`,
          `${JSON.stringify(b[at])}, not ${JSON.stringify(a[at])}`,
        );
      }
      const sa = first.segmenters?.[side],
        sb = m.segmenters?.[side];
      const kindA = sa?.kind ?? 'word',
        kindB = sb?.kind ?? 'word';
      if (kindA !== kindB) throw differs(`it segments its ${side} text into`, `${kindB}s, not ${kindA}s`);
      if (sa?.sentencePiece && sb?.sentencePiece && !sameBytes(sa.sentencePiece.bytes(), sb.sentencePiece.bytes())) {
        throw differs(`its ${side} SentencePiece model`, 'is another one (members segment text the same way)');
      }
    }
  });
  return members;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Greedy decoding over the members' mean log-probabilities: target indices, `<eos>` included when reached. */
export async function ensembleGreedyDecodeBatch(
  members: readonly TrainedModel[],
  sources: readonly (readonly number[])[],
  options: DecodeInBatchesOptions & { batchSize?: number },
): Promise<number[][]> {
  const parts = members.map((m) => modelParts(m.encoder, m.decoder));
  return decodeInBatches(sources, options, options.batchSize ?? 64, (batches, jobOptions) =>
    native.ensembleTranslateBatches(parts, batches, jobOptions),
  );
}

/** Beam search over the members' mean log-probabilities (beam.ts's options and hypotheses). */
export async function ensembleBeamSearchBatch(
  members: readonly TrainedModel[],
  sources: readonly (readonly number[])[],
  options: DecodeInBatchesOptions & { beam?: number; nBest?: number; lengthPenalty?: number; batchSize?: number },
): Promise<Hypothesis[][]> {
  const beam = checkInteger('beam', options.beam ?? 5, 1, MAX_BEAM);
  const nBest = checkInteger('nBest', options.nBest ?? 1, 1, beam);
  const lengthPenalty = checkNumber('lengthPenalty', options.lengthPenalty ?? 1, -10, 10);
  const batchSize = options.batchSize ?? 16;
  // As beam.ts estimates one model's step, for every member: a wide beam is refused, not met by the OOM killer.
  const sentences = Math.min(batchSize, sources.length);
  const maxSource = Math.max(
    0,
    maxOf(sources, (s) => s.length),
  );
  const bytes = members.reduce(
    (sum, { decoder }) =>
      sum +
      4 * sentences * beam * (3 * decoder.dense.outFeatures + (maxSource + 4 * decoder.numLayers) * decoder.hiddenSize),
    0,
  );
  checkFits(
    `beam search of ${sentences} sentences at once with beam ${beam} over an ensemble of ${members.length} models`,
    bytes,
    0.5,
  );
  const parts = members.map((m) => modelParts(m.encoder, m.decoder));
  return decodeInBatches(sources, options, batchSize, (batches, jobOptions) =>
    native.ensembleBeamBatches(parts, batches, { ...jobOptions, beam, nBest, lengthPenalty }),
  );
}
