/** What defines a model's weights, and the encoder and decoder built from it. */
import { isLuong, type AttentionKind } from './attention.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';

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
}

/** Every option spelled out: what config.json records. */
export function fullSizes(sizes: ModelSizes): Required<ModelSizes> {
  const attention = sizes.attention ?? 'none';
  return {
    hidden: sizes.hidden,
    embedding: sizes.embedding,
    layers: sizes.layers,
    attention,
    bidirectional: sizes.bidirectional ?? false,
    inputFeed: isLuong(attention) && (sizes.inputFeed ?? true),
  };
}

/** Whether the model is the notebook's (no attention, unidirectional encoder). */
export function isNotebookModel(sizes: ModelSizes): boolean {
  return (sizes.attention ?? 'none') === 'none' && !sizes.bidirectional;
}

/** A fresh encoder and decoder with libtorch's default initialisation (seed it first). */
export function buildModel(
  sourceWords: number,
  targetWords: number,
  sizes: ModelSizes,
): { encoder: Encoder; decoder: Decoder } {
  const s = fullSizes(sizes);
  const encoder = new Encoder(sourceWords, s.hidden, s.embedding, s.layers, { bidirectional: s.bidirectional });
  const decoder = new Decoder(targetWords, s.hidden, s.embedding, s.layers, {
    attention: s.attention,
    ...(isLuong(s.attention) ? { inputFeed: s.inputFeed } : {}),
  });
  return { encoder, decoder };
}

/** One line for logs: `hidden 128, embedding 30, 4 layers, luong-general attention with input feeding, ...`. */
export function describeModel(sizes: ModelSizes): string {
  const s = fullSizes(sizes);
  const parts = [`hidden ${s.hidden}, embedding ${s.embedding}, ${s.layers} layers`];
  if (s.attention !== 'none') parts.push(`${s.attention} attention${s.inputFeed ? ' with input feeding' : ''}`);
  if (s.bidirectional) parts.push('bidirectional encoder');
  return parts.join(', ');
}
