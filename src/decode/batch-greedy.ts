/**
 * Greedy decoding of many sentences at once, on the addon's own thread: sources are grouped by length into
 * batches, decoded together, and returned in the order given. Same words as {@link greedyDecode} one by one.
 */
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import { modelParts } from '../model/parts.js';
import type * as torch from '../torch/index.js';
import { native } from '../torch/native.js';
import { awaitJob, inSourceOrder, sourceBatches } from './source-batches.js';

export interface BatchGreedyOptions {
  sos: number;
  eos: number;
  /** The most words to produce: one number for all, or one per source. */
  maxLength: number | readonly number[];
  device: torch.Device;
  /** Sentences decoded together; default 64. */
  batchSize?: number;
  signal?: AbortSignal;
}

/** Target indices for each of `sources` (as fed to the encoder, reversed), `<eos>` included when reached. */
export async function greedyDecodeBatch(
  encoder: Encoder,
  decoder: Decoder,
  sources: readonly (readonly number[])[],
  options: BatchGreedyOptions,
): Promise<number[][]> {
  const { batches, groups } = sourceBatches(sources, options.maxLength, options.batchSize ?? 64);
  if (sources.length === 0) return [];
  const job = native.translateBatches(modelParts(encoder, decoder), batches, {
    device: options.device,
    sos: options.sos,
    eos: options.eos,
  });
  return inSourceOrder(groups, await awaitJob(job, options.signal), sources.length);
}
