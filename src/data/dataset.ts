/**
 * The notebook's data processing: NUM_INSTANCES pairs drawn uniformly with replacement, tokenized into
 * `<sos> ... <eos>` sentences, one vocabulary per language, then indices, with every source reversed.
 */
import { checkInteger } from '../util/check.js';
import { Random } from '../util/random.js';
import type { Pair } from './corpus.js';
import { toSentence } from './tokenize.js';
import { Vocab } from './vocab.js';

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
}

/** Draws `instances` pairs with replacement using `seed`, as `np.random.randint(len(sentences))` does. */
export function samplePairs(pairs: readonly Pair[], instances: number, seed: number): Pair[] {
  checkInteger('instances', instances, 1);
  const random = new Random(seed);
  return Array.from({ length: instances }, () => pairs[random.int(pairs.length)]!);
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
    maxSentLen: Math.max(...sourceSentences.map((s) => s.length)),
  };
}
