/**
 * Translating text with a trained model: tokenized and reversed as in training, decoded greedily. Words the
 * source vocabulary lacks are an error that names them: the notebook's vocabulary has no `<unk>`.
 */
import { EOS, SOS, toSentence } from '../data/tokenize.js';
import type { TrainedModel } from '../io/model-files.js';
import type { AttentionMap } from '../plot/attention-plot.js';
import { greedyDecodeBatch, greedyDecodeWithAttention } from './batch-greedy.js';
import { beamSearchBatch, type BeamOptions } from './beam.js';
import { greedyDecode } from './greedy.js';

export class UnknownWordsError extends Error {
  constructor(readonly words: string[]) {
    super(`unknown word${words.length > 1 ? 's' : ''}: ${words.join(', ')}`);
    this.name = 'UnknownWordsError';
  }
}

/**
 * The translation of `text` as words, decoded one token at a time in TypeScript as the notebook does (the
 * notebook's model only; {@link translateMany} and {@link translateBeam} take every model). The notebook scores the decoder's first output against the target's
 * own `<sos>`, so a trained model starts its output with `<sos>`: that marker and `<eos>` are left out.
 */
export function translate(model: TrainedModel, text: string, maxLength = 50): string[] {
  if (model.decoder.attentionKind !== 'none' || model.encoder.bidirectional) {
    throw new Error("translate() decodes the notebook's model token by token: use translateMany or translateBeam");
  }
  const sentence = toSentence(text);
  const unknown = model.sourceVocab.unknown(sentence);
  if (unknown.length > 0) throw new UnknownWordsError(unknown);
  const source = model.sourceVocab.encode(sentence).reverse();
  const eos = model.targetVocab.index(EOS);
  const words = greedyDecode(model.encoder, model.decoder, source, {
    sos: model.targetVocab.index(SOS),
    eos,
    maxLength,
    device: model.device,
  });
  return displayWords(model.targetVocab.decode(words));
}

/**
 * Translates many texts at once, decoded in batches on the addon's own thread. Each result is the words of
 * the translation, or the UnknownWordsError of a text with words outside the source vocabulary.
 */
export async function translateMany(
  model: TrainedModel,
  texts: readonly string[],
  maxLength = 50,
): Promise<(string[] | UnknownWordsError)[]> {
  const { results, slots, sentences } = readTexts<string[]>(model, texts);
  const sources = sentences.map((sentence) => model.sourceVocab.encode(sentence).reverse());
  const outputs = await greedyDecodeBatch(model.encoder, model.decoder, sources, {
    sos: model.targetVocab.index(SOS),
    eos: model.targetVocab.index(EOS),
    maxLength,
    device: model.device,
  });
  outputs.forEach((words, k) => (results[slots[k]!] = displayWords(model.targetVocab.decode(words))));
  return results;
}

/**
 * Each text as the notebook's sentence, or its UnknownWordsError in `results`: `results[slots[k]]` is where the
 * translation of `sentences[k]` goes (meanwhile an empty UnknownWordsError holds its place).
 */
function readTexts<T>(
  model: TrainedModel,
  texts: readonly string[],
): { results: (T | UnknownWordsError)[]; slots: number[]; sentences: string[][] } {
  const results: (T | UnknownWordsError)[] = [];
  const slots: number[] = [];
  const sentences: string[][] = [];
  for (const text of texts) {
    const sentence = toSentence(text);
    const unknown = model.sourceVocab.unknown(sentence);
    if (unknown.length === 0) {
      slots.push(results.length);
      sentences.push(sentence);
    }
    results.push(new UnknownWordsError(unknown));
  }
  return { results, slots, sentences };
}

/** A translation with its scores. */
export interface Translation {
  words: string[];
  /** Summed log-probability of the output tokens (with `<sos>` and `<eos>` as the model emits them). */
  logProb: number;
  /** `logProb` divided by the output length^lengthPenalty: what the hypotheses are ranked by. */
  score: number;
}

/** Options of {@link translateBeam}. */
export type TranslateOptions = Partial<
  Pick<BeamOptions, 'beam' | 'nBest' | 'lengthPenalty' | 'batchSize' | 'signal'>
> & {
  /** The most tokens to produce; default 50. */
  maxLength?: number;
};

/**
 * Translates many texts with beam search (beam 1 is greedy decoding, scored): for each text its `nBest`
 * translations, best first, or the UnknownWordsError of a text with words outside the source vocabulary.
 */
export async function translateBeam(
  model: TrainedModel,
  texts: readonly string[],
  options: TranslateOptions = {},
): Promise<(Translation[] | UnknownWordsError)[]> {
  const { results, slots, sentences } = readTexts<Translation[]>(model, texts);
  const sources = sentences.map((sentence) => model.sourceVocab.encode(sentence).reverse());
  const outputs = await beamSearchBatch(model.encoder, model.decoder, sources, {
    ...options,
    beam: options.beam ?? 1,
    sos: model.targetVocab.index(SOS),
    eos: model.targetVocab.index(EOS),
    maxLength: options.maxLength ?? 50,
    device: model.device,
  });
  outputs.forEach((hyps, k) => {
    results[slots[k]!] = hyps.map((h) => ({
      words: displayWords(model.targetVocab.decode(h.words)),
      logProb: h.logProb,
      score: h.score,
    }));
  });
  return results;
}

/** A greedy translation and the attention behind it. */
export interface AttendedTranslation {
  words: string[];
  /** Source tokens as written (`<sos>` ... `<eos>`) by every token the model produced, `<sos>` and `<eos>` too. */
  attention: AttentionMap;
}

/**
 * Greedy translations of many texts with their attention weights (models trained with `--attention`), the
 * source positions put back in the order the user wrote them (the encoder reads them reversed).
 */
export async function translateWithAttention(
  model: TrainedModel,
  texts: readonly string[],
  maxLength = 50,
): Promise<(AttendedTranslation | UnknownWordsError)[]> {
  const { results, slots, sentences } = readTexts<AttendedTranslation>(model, texts);
  const outputs = await greedyDecodeWithAttention(
    model.encoder,
    model.decoder,
    sentences.map((sentence) => model.sourceVocab.encode(sentence).reverse()),
    {
      sos: model.targetVocab.index(SOS),
      eos: model.targetVocab.index(EOS),
      maxLength,
      device: model.device,
    },
  );
  outputs.forEach((out, k) => {
    const target = model.targetVocab.decode(out.words);
    results[slots[k]!] = {
      words: displayWords(target),
      attention: { source: sentences[k]!, target, weights: out.weights.map((row) => [...row].reverse()) },
    };
  });
  return results;
}

/** Decoded words without the `<sos>` the model emits first and the closing `<eos>`. */
export function displayWords(words: readonly string[]): string[] {
  const start = words[0] === SOS ? 1 : 0;
  const end = words[words.length - 1] === EOS ? words.length - 1 : words.length;
  return words.slice(start, end);
}
