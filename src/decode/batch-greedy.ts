/**
 * Greedy decoding of many sentences at once, on the addon's own thread: sources are grouped by length into
 * batches, decoded together, and returned in the order given. Same words as {@link greedyDecode} one by one.
 */
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import { modelParts } from '../model/parts.js';
import type * as torch from '../torch/index.js';
import { native } from '../torch/native.js';
import { checkInteger } from '../util/check.js';

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
  const batchSize = checkInteger('batchSize', options.batchSize ?? 64, 1);
  const maxLengths = sources.map((_, i) =>
    checkInteger('maxLength', typeof options.maxLength === 'number' ? options.maxLength : options.maxLength[i], 1),
  );
  if (sources.length === 0) return [];
  sources.forEach((s, i) => {
    if (s.length === 0) throw new RangeError(`Source ${i} is empty`);
  });
  // Grouped by length, so that most batches run the encoder unpacked.
  const order = sources.map((_, i) => i).sort((a, b) => sources[a]!.length - sources[b]!.length);
  const groups: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) groups.push(order.slice(i, i + batchSize));
  const batches = groups.map((group) => {
    const B = group.length;
    const S = Math.max(...group.map((j) => sources[j]!.length));
    const source = new Int32Array(S * B);
    group.forEach((j, b) => sources[j]!.forEach((word, s) => (source[s * B + b] = word)));
    return {
      source,
      sourceLengths: Int32Array.from(group, (j) => sources[j]!.length),
      maxLengths: Int32Array.from(group, (j) => maxLengths[j]!),
    };
  });
  const job = native.translateBatches(modelParts(encoder, decoder), batches, {
    device: options.device,
    sos: options.sos,
    eos: options.eos,
  });
  const cancel = (): void => job.cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const words = await job.promise;
    options.signal?.throwIfAborted();
    const out: number[][] = new Array<number[]>(sources.length);
    groups.forEach((group, g) => group.forEach((j, b) => (out[j] = words[g]![b]!)));
    return out;
  } finally {
    options.signal?.removeEventListener('abort', cancel);
  }
}
