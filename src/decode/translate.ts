/**
 * Translating text with a trained model: tokenized as in training (the notebook's words, or SentencePiece
 * pieces), sources reversed, decoded greedily or with beam search, and detokenized. A model with an unknown-word
 * token maps words it lacks to it; the notebook's has none, and a text with such words is refused, naming them.
 */
import { EOS, SOS, toSentence } from '../data/tokenize.js';
import type { Vocab } from '../data/vocab.js';
import { segmentersOf, type TrainedModel } from '../io/model-files.js';
import { modelParts } from '../model/parts.js';
import type { AttentionMap } from '../plot/attention-plot.js';
import { native } from '../torch/addon.js';
import { greedyDecodeBatch, greedyDecodeWithAttention } from './batch-greedy.js';
import { beamSearchBatch, type BeamOptions } from './beam.js';
import { ensembleBeamSearchBatch, ensembleGreedyDecodeBatch, ensembleMembers, type Models } from './ensemble.js';
import { greedyDecode } from './greedy.js';
import { padBatch } from '../train/batches.js';

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
  if (model.segmenters && model.segmenters.source.kind !== 'word') {
    throw new Error("translate() decodes the notebook's word model: use translateBeam for subword models");
  }
  if (model.quantized) {
    throw new Error('translate() runs float products token by token: decode an int8 model with translateMany');
  }
  const sentence = toSentence(text);
  const unknown = model.sourceVocab.hasUnk ? [] : model.sourceVocab.unknown(sentence);
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
 * Translates many texts at once, decoded in batches on the addon's own thread. Each result is the target tokens
 * of the translation (words, or subword pieces), or the UnknownWordsError of a text with words outside a source
 * vocabulary that has no `<unk>`. Several models are decoded as an ensemble (ensemble.ts).
 */
export async function translateMany(
  models: Models,
  texts: readonly string[],
  maxLength = 50,
): Promise<(string[] | UnknownWordsError)[]> {
  const members = ensembleMembers(models);
  const model = members[0]!;
  const { results, slots, sentences } = readTexts<string[]>(model, texts);
  const sources = sentences.map((sentence) => model.sourceVocab.encode(sentence).reverse());
  const decodeOptions = { ...markers(model.targetVocab), maxLength, device: model.device };
  const outputs =
    members.length === 1
      ? await greedyDecodeBatch(model.encoder, model.decoder, sources, decodeOptions)
      : await ensembleGreedyDecodeBatch(members, sources, decodeOptions);
  outputs.forEach((words, k) => (results[slots[k]!] = displayWords(model.targetVocab.decode(words))));
  return results;
}

const markers = (vocab: Vocab): { sos: number; eos: number } => ({ sos: vocab.index(SOS), eos: vocab.index(EOS) });

/**
 * Each text as the model's source sentence (`<sos>`, tokens, `<eos>`), or its UnknownWordsError in `results`:
 * `results[slots[k]]` is where the translation of `sentences[k]` goes (meanwhile an empty UnknownWordsError holds
 * its place).
 */
function readTexts<T>(
  model: TrainedModel,
  texts: readonly string[],
): { results: (T | UnknownWordsError)[]; slots: number[]; sentences: string[][] } {
  const results: (T | UnknownWordsError)[] = [];
  const slots: number[] = [];
  const sentences: string[][] = [];
  const tokens = segmentersOf(model).source.segment(texts);
  const vocab = model.sourceVocab;
  tokens.forEach((words) => {
    const sentence = [SOS, ...words, EOS];
    const unknown = vocab.hasUnk ? [] : vocab.unknown(sentence);
    if (unknown.length === 0) {
      slots.push(results.length);
      sentences.push(sentence);
    }
    results.push(new UnknownWordsError(unknown));
  });
  return { results, slots, sentences };
}

/** A translation with its scores. */
export interface Translation {
  /** The translation as a reader sees it: words joined by spaces, or pieces detokenized. */
  text: string;
  /** The target tokens (words or subword pieces), without `<sos>` and `<eos>`. */
  tokens: string[];
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
  /**
   * Attention word models: each `<unk>` produced is replaced by the source word it attended to most (OpenNMT-py's
   * `-replace_unk`).
   */
  replaceUnk?: boolean;
};

/**
 * Translates many texts with beam search (beam 1 is greedy decoding, scored): for each text its `nBest`
 * translations, best first, or the UnknownWordsError of a text with words outside a source vocabulary that has
 * no `<unk>`. Several models are decoded as an ensemble (ensemble.ts): scores are then those of the members' mean
 * log-probabilities.
 */
export async function translateBeam(
  models: Models,
  texts: readonly string[],
  options: TranslateOptions = {},
): Promise<(Translation[] | UnknownWordsError)[]> {
  const members = ensembleMembers(models);
  const model = members[0]!;
  if (options.replaceUnk) {
    if (members.length > 1) throw new Error("--replace-unk follows one model's attention: not with an ensemble");
    checkReplaceUnk(model);
  }
  const { results, slots, sentences } = readTexts<Translation[]>(model, texts);
  const sources = sentences.map((sentence) => model.sourceVocab.encode(sentence).reverse());
  const beamOptions = {
    ...options,
    beam: options.beam ?? 1,
    ...markers(model.targetVocab),
    maxLength: options.maxLength ?? 50,
    device: model.device,
  };
  const outputs =
    members.length === 1
      ? await beamSearchBatch(model.encoder, model.decoder, sources, beamOptions)
      : await ensembleBeamSearchBatch(members, sources, beamOptions);
  const replaced = options.replaceUnk ? await replaceUnknowns(model, sentences, outputs) : undefined;
  const segmenter = segmentersOf(model).target;
  outputs.forEach((hyps, k) => {
    const tokens = hyps.map((h, n) => displayWords(replaced?.[k]?.[n] ?? model.targetVocab.decode(h.words)));
    const textsOut = segmenter.detokenize(tokens);
    results[slots[k]!] = hyps.map((h, n) => ({
      text: textsOut[n]!,
      tokens: tokens[n]!,
      logProb: h.logProb,
      score: h.score,
    }));
  });
  return results;
}

/** A greedy translation and the attention behind it. */
export interface AttendedTranslation {
  /** The translation as a reader sees it. */
  text: string;
  /** The target tokens, without `<sos>` and `<eos>`. */
  tokens: string[];
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
  options: { replaceUnk?: boolean } = {},
): Promise<(AttendedTranslation | UnknownWordsError)[]> {
  if (options.replaceUnk) checkReplaceUnk(model);
  const { results, slots, sentences } = readTexts<AttendedTranslation>(model, texts);
  const outputs = await greedyDecodeWithAttention(
    model.encoder,
    model.decoder,
    sentences.map((sentence) => model.sourceVocab.encode(sentence).reverse()),
    { ...markers(model.targetVocab), maxLength, device: model.device },
  );
  const segmenter = segmentersOf(model).target;
  outputs.forEach((out, k) => {
    const weights = out.weights.map((row) => [...row].reverse());
    const produced = model.targetVocab.decode(out.words);
    const target = options.replaceUnk ? replaceUnk(produced, weights, sentences[k]!, model.targetVocab) : produced;
    const tokens = displayWords(target);
    results[slots[k]!] = {
      text: segmenter.detokenize([tokens])[0]!,
      tokens,
      attention: { source: sentences[k]!, target, weights },
    };
  });
  return results;
}

function checkReplaceUnk(model: TrainedModel): void {
  if (model.decoder.attentionKind === 'none') {
    throw new Error('--replace-unk copies the most-attended source word: this model has no attention');
  }
  if (!model.targetVocab.hasUnk)
    throw new Error(
      '--replace-unk: this model has no <unk> to replace (a word vocabulary without --max-vocab or --min-freq)',
    );
  if (segmentersOf(model).target.kind !== 'word') {
    throw new Error('--replace-unk is for word models: a subword model spells out rare words itself');
  }
}

/**
 * `target` with each `<unk>` replaced by the source word its attention row weighs most (`<sos>`/`<eos>` aside).
 * `weights[t][s]`: target token t's attention over `source` in reading order.
 */
export function replaceUnk(
  target: readonly string[],
  weights: readonly (readonly number[])[],
  source: readonly string[],
  vocab: Vocab,
): string[] {
  const unk = vocab.words[vocab.unkIndex];
  return target.map((token, t) => {
    const row = weights[t];
    if (token !== unk || !row) return token;
    let best = -1;
    for (let s = 1; s < source.length - 1; s++) if (best < 0 || row[s]! > row[best]!) best = s;
    return best < 0 ? token : source[best]!;
  });
}

/** Sentences force-decoded together to recover the attention of beam hypotheses. */
const FORCE_BATCH = 16;

/**
 * The target tokens of every hypothesis with `<unk>`s replaced, from its attention when the decoder is fed the
 * hypothesis itself (the same computation as the search's steps); hypotheses without `<unk>` are left undefined.
 */
async function replaceUnknowns(
  model: TrainedModel,
  sentences: readonly string[][],
  outputs: readonly { words: number[] }[][],
): Promise<(string[] | undefined)[][]> {
  const vocab = model.targetVocab;
  const wanted: { k: number; n: number }[] = [];
  outputs.forEach((hyps, k) => hyps.forEach((h, n) => h.words.includes(vocab.unkIndex) && wanted.push({ k, n })));
  const replaced = outputs.map((hyps) => hyps.map((): string[] | undefined => undefined));
  const parts = modelParts(model.encoder, model.decoder);
  for (let i = 0; i < wanted.length; i += FORCE_BATCH) {
    const chunk = wanted.slice(i, i + FORCE_BATCH);
    const sources = chunk.map(({ k }) => model.sourceVocab.encode(sentences[k]!).reverse());
    const targets = chunk.map(({ k, n }) => outputs[k]![n]!.words);
    const [forced] = await native.forceDecode(parts, [padBatch(sources, targets)], {
      device: model.device,
      ...markers(vocab),
    }).promise;
    const { attention, size: B, sourceSteps: S } = forced!;
    chunk.forEach(({ k, n }, b) => {
      const words = targets[b]!;
      const length = sources[b]!.length;
      // Rows over the encoder's (reversed) positions, turned back to reading order.
      const weights = words.map((_, t) =>
        Array.from({ length }, (_, s) => attention![(t * B + b) * S! + (length - 1 - s)]!),
      );
      replaced[k]![n] = replaceUnk(vocab.decode(words), weights, sentences[k]!, vocab);
    });
  }
  return replaced;
}

/** Decoded words without the `<sos>` the model emits first and the closing `<eos>`. */
export function displayWords(words: readonly string[]): string[] {
  const start = words[0] === SOS ? 1 : 0;
  const end = words[words.length - 1] === EOS ? words.length - 1 : words.length;
  return words.slice(start, end);
}
