/** What defines a model's weights, and the encoder and decoder built from it. */
import { isLuong, type AttentionKind } from './attention.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';
import { checkFits } from '../util/memory.js';

/** The sizes and options that define a model's weights; absent options are the notebook's model. */
export interface ModelSizes {
  hidden: number;
  embedding: number;
  layers: number;
  /** Attention over the encoder's outputs; default `none`. */
  attention?: AttentionKind;
  /** A bidirectional encoder (hidden / 2 per direction); default false. */
  bidirectional?: boolean;
  /** Luong input feeding; default true with Luong attention, else false. */
  inputFeed?: boolean;
  /** The decoder's embedding shares the output layer's weight; default false. */
  tieEmbeddings?: boolean;
}

/** Every option spelled out, but `tieEmbeddings`, present only when true (models without it read as before). */
export type FullSizes = Required<Omit<ModelSizes, 'tieEmbeddings'>> & { tieEmbeddings?: true };

/** Every option spelled out: what config.json records. */
export function fullSizes(sizes: ModelSizes): FullSizes {
  const attention = sizes.attention ?? 'none';
  return {
    hidden: sizes.hidden,
    embedding: sizes.embedding,
    layers: sizes.layers,
    attention,
    bidirectional: sizes.bidirectional ?? false,
    inputFeed: isLuong(attention) && (sizes.inputFeed ?? true),
    ...(sizes.tieEmbeddings ? { tieEmbeddings: true as const } : {}),
  };
}

/** Whether the model is the notebook's (no attention, unidirectional encoder). */
export function isNotebookModel(sizes: ModelSizes): boolean {
  return (sizes.attention ?? 'none') === 'none' && !sizes.bidirectional;
}

/** The number of weights of a model with these vocabularies and sizes, counted without building it. */
export function parameterCount(sourceWords: number, targetWords: number, sizes: ModelSizes): number {
  const s = fullSizes(sizes);
  const H = s.hidden;
  // One LSTM: per layer and direction 4h x (input + h) weights and two 4h biases.
  const lstm = (input: number, h: number, layers: number, directions: number): number =>
    directions * (4 * h * (input + h) + 8 * h + (layers - 1) * (4 * h * (h * directions + h) + 8 * h));
  const encoder =
    sourceWords * s.embedding +
    (s.bidirectional ? lstm(s.embedding, H / 2, s.layers, 2) : lstm(s.embedding, H, s.layers, 1));
  const wideInput = s.attention === 'bahdanau' || s.inputFeed;
  const attention = {
    none: 0,
    bahdanau: 2 * H * H + H,
    'luong-dot': 0,
    'luong-general': H * H,
    'luong-concat': 2 * H * H + H,
  }[s.attention];
  const decoder =
    targetWords * s.embedding +
    lstm(s.embedding + (wideInput ? H : 0), H, s.layers, 1) +
    attention +
    (isLuong(s.attention) ? 2 * H * H : 0) +
    (s.tieEmbeddings ? 0 : (s.attention === 'bahdanau' ? 2 * H : H) * targetWords) +
    targetWords;
  return encoder + decoder;
}

/**
 * Refuses a model whose weights, times `copies` (weights, gradients and Adam's two moments make 4 in training),
 * cannot fit in this machine's memory (float32), naming the estimate and the limit.
 */
export function checkModelFits(sourceWords: number, targetWords: number, sizes: ModelSizes, copies = 1): void {
  const bytes = 4 * copies * parameterCount(sourceWords, targetWords, sizes);
  const what = `a model of ${describeModel(sizes)} (${sourceWords} source, ${targetWords} target words)`;
  checkFits(copies > 1 ? `training ${what}` : what, bytes, 0.9);
}

/**
 * Refuses a training whose memory cannot fit: weights, gradients and Adam's two moments (4 copies), and one
 * batch's activations kept for backward (per token and layer about 8 hidden-sized vectors; per target token the
 * logits, log-probabilities and their gradient over the vocabulary), all float32.
 */
export function checkTrainingFits(
  sourceWords: number,
  targetWords: number,
  sizes: ModelSizes,
  batch: { sentences: number; sourceLength: number; targetLength: number },
): void {
  const s = fullSizes(sizes);
  const weights = 4 * parameterCount(sourceWords, targetWords, sizes);
  const tokens = batch.sentences * (batch.sourceLength + batch.targetLength);
  const activations = tokens * s.layers * 8 * s.hidden + batch.sentences * batch.targetLength * 3 * targetWords;
  const what =
    `training a model of ${describeModel(sizes)} (${sourceWords} source, ${targetWords} target words) ` +
    `on batches of ${batch.sentences}`;
  checkFits(what, 4 * (weights + activations), 0.9);
}

/**
 * A fresh encoder and decoder with libtorch's default initialisation (seed it first). A model too large for
 * this machine's memory is refused before anything is allocated.
 */
export function buildModel(
  sourceWords: number,
  targetWords: number,
  sizes: ModelSizes,
): { encoder: Encoder; decoder: Decoder } {
  checkModelFits(sourceWords, targetWords, sizes);
  const s = fullSizes(sizes);
  const encoder = new Encoder(sourceWords, s.hidden, s.embedding, s.layers, { bidirectional: s.bidirectional });
  const decoder = new Decoder(targetWords, s.hidden, s.embedding, s.layers, {
    attention: s.attention,
    ...(isLuong(s.attention) ? { inputFeed: s.inputFeed } : {}),
    ...(s.tieEmbeddings ? { tieEmbeddings: true } : {}),
  });
  return { encoder, decoder };
}

/** One line for logs: `hidden 128, embedding 30, 4 layers, luong-general attention with input feeding, ...`. */
export function describeModel(sizes: ModelSizes): string {
  const s = fullSizes(sizes);
  const parts = [`hidden ${s.hidden}, embedding ${s.embedding}, ${s.layers} layers`];
  if (s.attention !== 'none') parts.push(`${s.attention} attention${s.inputFeed ? ' with input feeding' : ''}`);
  if (s.bidirectional) parts.push('bidirectional encoder');
  if (s.tieEmbeddings) parts.push('tied embeddings');
  return parts.join(', ');
}
