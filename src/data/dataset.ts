/**
 * The notebook's data processing: NUM_INSTANCES pairs drawn uniformly with replacement, tokenized into
 * `<sos> ... <eos>` sentences, one vocabulary per language, then indices, with every source reversed.
 */
import { getHeapStatistics } from 'node:v8';
import { checkInteger } from '../util/check.js';
import { formatBytes } from '../util/memory.js';
import { Random } from '../util/random.js';
import type { CorpusReport, Pair } from './corpus.js';
import { toSentence } from './tokenize.js';
import { Vocab } from './vocab.js';
import { maxOf } from '../util/array.js';
import type { Segmenters } from '../tokens/segmenter.js';

export interface Dataset {
  /** Index sentences as fed to the encoder: reversed, `<eos>` first and `<sos>` last. */
  sources: number[][];
  /** Index sentences the decoder is scored against: `<sos>` first, `<eos>` last. */
  targets: number[][];
  sourceVocab: Vocab;
  targetVocab: Vocab;
  /** Corpus line of each drawn pair, in training order. */
  lines: number[];
  /** Longest source sentence in tokens (the notebook's MAX_SENT_LEN). */
  maxSentLen: number;
  /** The drawn pairs, in dataset order: the raw references subword models are scored against. */
  pairs?: readonly Pair[];
  /** How the pairs became tokens; absent: the notebook's words. */
  segmenters?: Segmenters;
}

/**
 * The pairs whose source and target each have at most `maxTokens` tokens (`<sos>`/`<eos>` aside); the others
 * are counted in `report` (`skippedLongPairs`), as OpenNMT and fairseq filter training pairs by length.
 */
export function dropLongPairs(pairs: readonly Pair[], maxTokens: number, report?: CorpusReport): Pair[] {
  checkInteger('maxLength', maxTokens, 1);
  const kept = pairs.filter((p) => countTokens(p.source) <= maxTokens && countTokens(p.target) <= maxTokens);
  if (report) {
    report.skippedLongPairs = pairs.length - kept.length;
    report.maxTokens = maxTokens;
    report.pairs = kept.length;
  }
  if (kept.length === 0) throw new Error(`every pair has more than ${maxTokens} tokens on a side: raise --max-length`);
  return kept;
}

const countTokens = (text: string): number => toSentence(text).length - 2;

/**
 * Draws `instances` pairs with replacement using `seed`, as `np.random.randint(len(sentences))` does; `all`: every
 * pair once, in corpus order (the batches of each epoch are shuffled).
 */
export function samplePairs(pairs: readonly Pair[], instances: number | 'all', seed: number): Pair[] {
  if (instances === 'all') {
    checkDatasetFits(pairs, pairs.length);
    return [...pairs];
  }
  checkInteger('instances', instances, 1);
  checkDatasetFits(pairs, instances);
  const random = new Random(seed);
  return Array.from({ length: instances }, () => pairs[random.int(pairs.length)]!);
}

/**
 * Refuses a draw whose dataset cannot fit in V8's heap (tokens, index sentences), by name and before anything is
 * allocated: past the heap's limit V8 aborts the process instead of throwing.
 */
function checkDatasetFits(pairs: readonly Pair[], instances: number): void {
  let chars = 0;
  const sample = Math.min(pairs.length, 10_000);
  for (let i = 0; i < sample; i++) chars += pairs[i]!.source.length + pairs[i]!.target.length;
  // Per pair: the drawn reference, two token arrays and two index arrays (~4 characters a token), line number.
  const bytesPerInstance = 200 + 12 * (chars / Math.max(sample, 1));
  const heap = getHeapStatistics();
  const free = heap.heap_size_limit - heap.used_heap_size;
  const needed = instances * bytesPerInstance;
  if (needed > 0.8 * free) {
    throw new RangeError(
      `${instances} instances would need about ${formatBytes(needed)} of JavaScript heap, more than the ` +
        `${formatBytes(free)} free of ${formatBytes(heap.heap_size_limit)}: draw fewer, or give Node more with ` +
        'NODE_OPTIONS=--max-old-space-size=MB',
    );
  }
}

/** Tokenizes, builds the vocabularies and indexes the drawn pairs, reversing each source. */
export function buildDataset(drawn: readonly Pair[]): Dataset {
  const sourceSentences = drawn.map((p) => toSentence(p.source));
  const targetSentences = drawn.map((p) => toSentence(p.target));
  const sourceVocab = Vocab.fromSentences(sourceSentences);
  const targetVocab = Vocab.fromSentences(targetSentences);
  return {
    sources: sourceSentences.map((s) => sourceVocab.encode(s).reverse()),
    targets: targetSentences.map((s) => targetVocab.encode(s)),
    sourceVocab,
    targetVocab,
    lines: drawn.map((p) => p.line),
    maxSentLen: maxOf(sourceSentences, (s) => s.length),
  };
}
