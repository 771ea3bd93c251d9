/**
 * The notebook's Decoder: Embedding, deep LSTM, Linear to the vocabulary and LogSoftmax, one token at a time.
 * With an attention kind it becomes scripts/reference/attention_model.py's AttentionDecoder (batched paths only).
 */
import * as torch from '../torch/index.js';
import type { Int8Weights } from './int8.js';
import { Attention, isLuong, type AttentionKind } from './attention.js';

const { nn } = torch;

/** Beyond the notebook's model. */
export interface DecoderOptions {
  /** Attention over the encoder's outputs; default `none` (the notebook's decoder). */
  attention?: AttentionKind;
  /** Luong input feeding: the previous attentional state joins the LSTM's input; default on with Luong. */
  inputFeed?: boolean;
  /**
   * The embedding shares the output layer's weight (Press & Wolf 2017), as `embedding.weight = dense.weight`
   * does in PyTorch: the embedding size must be the output layer's input size (hidden; twice it with Bahdanau
   * attention). Default false.
   */
  tieEmbeddings?: boolean;
}

/** Why `tieEmbeddings` cannot be had with these sizes, or undefined when it can. */
export function tieRefusal(
  hiddenSize: number,
  embeddingDim: number,
  attention: AttentionKind = 'none',
): string | undefined {
  const features = attention === 'bahdanau' ? 2 * hiddenSize : hiddenSize;
  if (embeddingDim === features) return undefined;
  const what =
    attention === 'bahdanau'
      ? `twice the hidden size with Bahdanau attention, ${features}`
      : `the hidden size, ${features}`;
  return (
    `tied embeddings share the decoder's embedding with the output layer's weight: the embedding size ` +
    `(${embeddingDim}) must be the output layer's input size (${what})`
  );
}

export class Decoder extends nn.Module {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly attentionKind: AttentionKind;
  readonly inputFeed: boolean;
  readonly tieEmbeddings: boolean;
  embedding: torch.nn.Embedding;
  lstm: torch.nn.LSTM;
  // Declared in the reference's registration order, so that parameters() lists them as PyTorch does.
  attention?: Attention;
  combine?: torch.nn.Linear;
  dense: torch.nn.Linear;
  /** An int8 model's LSTM and output-layer weights, packed for decoding (model/int8.ts); the modules hold them dequantized. */
  int8?: Int8Weights;
  softmax: torch.nn.LogSoftmax;

  constructor(
    vocabSize: number,
    hiddenSize: number,
    embeddingDim: number,
    numLayers: number,
    options: DecoderOptions = {},
  ) {
    super();
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    const kind = options.attention ?? 'none';
    this.attentionKind = kind;
    this.inputFeed = isLuong(kind) && (options.inputFeed ?? true);
    if (options.inputFeed && !isLuong(kind)) {
      throw new RangeError('input feeding is part of Luong attention (--attention luong-*)');
    }
    const wideInput = kind === 'bahdanau' || this.inputFeed;
    this.embedding = new nn.Embedding(vocabSize, embeddingDim);
    this.lstm = new nn.LSTM(embeddingDim + (wideInput ? hiddenSize : 0), hiddenSize, { numLayers });
    if (kind !== 'none') this.attention = new Attention(kind, hiddenSize);
    if (isLuong(kind)) this.combine = new nn.Linear(2 * hiddenSize, hiddenSize, { bias: false });
    this.dense = new nn.Linear(kind === 'bahdanau' ? 2 * hiddenSize : hiddenSize, vocabSize);
    this.softmax = new nn.LogSoftmax(1);
    this.tieEmbeddings = options.tieEmbeddings ?? false;
    if (this.tieEmbeddings) {
      const refusal = tieRefusal(hiddenSize, embeddingDim, kind);
      if (refusal) throw new RangeError(refusal);
      this.embedding.tieWeight(this.dense);
    }
  }

  /** x: one token index; h0, c0: [numLayers, 1, hiddenSize] -> log-probabilities [1, vocab] and the new state. */
  forward(x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor): [torch.Tensor, torch.nn.LSTMState] {
    if (this.attentionKind !== 'none') {
      throw new Error('the notebook-mode forward() is the notebook decoder only; attention runs in the batched paths');
    }
    x = this.embedding.forward(x).view(1, 1, -1); // [1, 1, embeddingDim]
    let h: torch.Tensor;
    let c: torch.Tensor;
    [x, [h, c]] = this.lstm.forward(x, [h0, c0]); // [1, 1, hiddenSize]
    x = this.softmax.forward(this.dense.forward(x.squeeze(0))); // [1, vocab]
    return [x, [h, c]];
  }
}
