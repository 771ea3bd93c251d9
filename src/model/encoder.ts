/** The notebook's Encoder: an Embedding, then a deep LSTM, fed one source token at a time. */
import * as torch from '../torch/index.js';
import type { Int8Weights } from './int8.js';

const { nn } = torch;

/** Beyond the notebook's model. */
export interface EncoderOptions {
  /**
   * A bidirectional LSTM with hiddenSize / 2 units per direction; each layer's forward and backward final
   * states are concatenated into the decoder's initial state of that layer, as OpenNMT does (the batched
   * paths only). Default false.
   */
  bidirectional?: boolean;
}

export class Encoder extends nn.Module {
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  embedding: torch.nn.Embedding;
  lstm: torch.nn.LSTM;
  /** An int8 model's LSTM weights, packed for decoding (model/int8.ts); the LSTM then holds them dequantized. */
  int8?: Int8Weights;

  constructor(
    vocabSize: number,
    hiddenSize: number,
    embeddingDim: number,
    numLayers: number,
    options: EncoderOptions = {},
  ) {
    super();
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bidirectional = options.bidirectional ?? false;
    if (this.bidirectional && hiddenSize % 2 !== 0) {
      throw new RangeError(`a bidirectional encoder needs an even hidden size (half per direction), not ${hiddenSize}`);
    }
    this.embedding = new nn.Embedding(vocabSize, embeddingDim);
    this.lstm = this.bidirectional
      ? new nn.LSTM(embeddingDim, hiddenSize / 2, { numLayers, bidirectional: true })
      : new nn.LSTM(embeddingDim, hiddenSize, { numLayers });
  }

  /** x: one token index; h0, c0: [numLayers, 1, hiddenSize] -> out [1, 1, hiddenSize] and the new state. */
  forward(x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor): [torch.Tensor, torch.nn.LSTMState] {
    if (this.bidirectional) {
      throw new Error('the notebook-mode forward() is the notebook encoder only; bidirectional runs batched');
    }
    x = this.embedding.forward(x).view(1, 1, -1); // [1, 1, embeddingDim]
    const [out, [h, c]] = this.lstm.forward(x, [h0, c0]);
    return [out, [h, c]];
  }
}
