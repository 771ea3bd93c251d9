/**
 * Greedy decoding of many sentences at once, on the addon's own thread: sources are grouped by length into
 * batches, decoded together, and returned in the order given. Same words as {@link greedyDecode} one by one.
 */
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import { modelParts } from '../model/parts.js';
import { native } from '../torch/addon.js';
import { decodeInBatches, defaultBatchSize, type DecodeInBatchesOptions } from './source-batches.js';

export interface BatchGreedyOptions extends DecodeInBatchesOptions {
  /** Sentences decoded together; default {@link defaultBatchSize} (256). */
  batchSize?: number;
}

/** Target indices for each of `sources` (as fed to the encoder, reversed), `<eos>` included when reached. */
export async function greedyDecodeBatch(
  encoder: Encoder,
  decoder: Decoder,
  sources: readonly (readonly number[])[],
  options: BatchGreedyOptions,
): Promise<number[][]> {
  const parts = modelParts(encoder, decoder);
  return decodeInBatches(sources, options, options.batchSize ?? defaultBatchSize(), (batches, jobOptions) =>
    native.translateBatches(parts, batches, jobOptions),
  );
}

/** A greedy translation with the attention weights behind each word (attention models). */
export interface AttendedWords {
  /** Target indices, `<eos>` included when reached. */
  words: number[];
  /** weights[t][s]: how much word t looked at encoder position s (the reversed source's order). */
  weights: number[][];
}

/** {@link greedyDecodeBatch} with each word's attention weights; the decoder must have attention. */
export async function greedyDecodeWithAttention(
  encoder: Encoder,
  decoder: Decoder,
  sources: readonly (readonly number[])[],
  options: BatchGreedyOptions,
): Promise<AttendedWords[]> {
  if (decoder.attentionKind === 'none') throw new Error('this model has no attention (trained with --attention none)');
  const parts = modelParts(encoder, decoder);
  return decodeInBatches(sources, options, options.batchSize ?? defaultBatchSize(), (batches, jobOptions) => {
    const job = native.translateBatches(parts, batches, { ...jobOptions, withAttention: true });
    const promise = job.promise.then(({ words, attention }) =>
      words.map((batch, i) =>
        batch.map((sentence, b): AttendedWords => {
          const flat = attention[i]![b]!;
          const S = sentence.length > 0 ? flat.length / sentence.length : 0;
          const weights = sentence.map((_, t) => Array.from(flat.subarray(t * S, (t + 1) * S)));
          return { words: sentence, weights };
        }),
      ),
    );
    return { promise, cancel: () => job.cancel() };
  });
}
