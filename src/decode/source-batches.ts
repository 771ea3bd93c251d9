/** Sources grouped by length into decoding batches, and the results put back in the order given. */
import type { BatchArrays, BatchJobOptions, Device } from '../torch/addon-types.js';
import { checkInteger } from '../util/check.js';
import { maxOf } from '../util/array.js';
import { MAX_DECODE_LENGTH } from './limits.js';

/**
 * Rows a decoding step runs when the caller names no batch size: sentences for greedy decoding, sentences x beam for
 * beam search. Finished rows leave the batch (native/seq2seq), so a wide batch costs no steps on ended sentences, and
 * each step's matrix products and per-operation overheads are shared by more rows.
 */
export const DEFAULT_DECODE_ROWS = 256;

/** The batch size (sentences) the decoders take for throughput when the caller names none. */
export function defaultBatchSize(beam = 1): number {
  return Math.max(1, Math.floor(DEFAULT_DECODE_ROWS / beam));
}

/** Batches for the addon's decoding jobs, and where each source went. */
export interface SourceBatches {
  batches: BatchArrays[];
  groups: number[][];
}

/** Groups `sources` (reversed, as fed to the encoder) by length so that most batches run unpacked. */
export function sourceBatches(
  sources: readonly (readonly number[])[],
  maxLength: number | readonly number[],
  batchSize: number,
): SourceBatches {
  checkInteger('batchSize', batchSize, 1);
  const maxLengths = sources.map((_, i) =>
    checkInteger('maxLength', typeof maxLength === 'number' ? maxLength : maxLength[i], 1, MAX_DECODE_LENGTH),
  );
  sources.forEach((s, i) => {
    if (s.length === 0) throw new RangeError(`Source ${i} is empty`);
  });
  const order = sources.map((_, i) => i).sort((a, b) => sources[a]!.length - sources[b]!.length);
  const groups: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) groups.push(order.slice(i, i + batchSize));
  const batches = groups.map((group) => {
    const B = group.length;
    const S = maxOf(group, (j) => sources[j]!.length);
    const source = new Int32Array(S * B);
    group.forEach((j, b) => sources[j]!.forEach((word, s) => (source[s * B + b] = word)));
    return {
      source,
      sourceLengths: Int32Array.from(group, (j) => sources[j]!.length),
      maxLengths: Int32Array.from(group, (j) => maxLengths[j]!),
    };
  });
  return { batches, groups };
}

/** Per-batch, per-sentence results back in the order of the sources. */
export function inSourceOrder<T>(groups: readonly number[][], results: readonly (readonly T[])[], count: number): T[] {
  const out = new Array<T>(count);
  groups.forEach((group, g) => group.forEach((j, b) => (out[j] = results[g]![b]!)));
  return out;
}

/** Awaits a native job, cancelling it when `signal` aborts. */
export async function awaitJob<T>(job: { promise: Promise<T>; cancel(): void }, signal?: AbortSignal): Promise<T> {
  const cancel = (): void => job.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    const result = await job.promise;
    signal?.throwIfAborted();
    return result;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

/** What every batched decoding takes (greedy, beam): the markers, the length limits, where to run. */
export interface DecodeInBatchesOptions {
  sos: number;
  eos: number;
  /** The most words to produce: one number for all, or one per source. */
  maxLength: number | readonly number[];
  device: Device;
  /** Cancels the decoding; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Groups `sources` into batches of `batchSize`, runs `job` on them (a native job, cancelled when the signal
 * aborts) and returns its per-sentence results in the order of the sources.
 */
export async function decodeInBatches<T>(
  sources: readonly (readonly number[])[],
  options: DecodeInBatchesOptions,
  batchSize: number,
  job: (batches: BatchArrays[], jobOptions: BatchJobOptions) => { promise: Promise<T[][]>; cancel(): void },
): Promise<T[]> {
  const { batches, groups } = sourceBatches(sources, options.maxLength, batchSize);
  if (sources.length === 0) return [];
  const results = await awaitJob(
    job(batches, { device: options.device, sos: options.sos, eos: options.eos }),
    options.signal,
  );
  return inSourceOrder(groups, results, sources.length);
}
