/** The notebook's Encoder: an Embedding, then a deep LSTM, fed one source token at a time. */
import * as torch from '../torch/index.js';

const { nn } = torch;

export class Encoder extends nn.Module {
  readonly hiddenSize: number;
  readonly numLayers: number;
  embedding: torch.nn.Embedding;
  lstm: torch.nn.LSTM;

  constructor(vocabSize: number, hiddenSize: number, embeddingDim: number, numLayers: number) {
    super();
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.embedding = new nn.Embedding(vocabSize, embeddingDim);
    this.lstm = new nn.LSTM(embeddingDim, hiddenSize, { numLayers });
  }

  /** x: one token index; h0, c0: [numLayers, 1, hiddenSize] -> out [1, 1, hiddenSize] and the new state. */
  forward(x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor): [torch.Tensor, torch.nn.LSTMState] {
    x = this.embedding.forward(x).view(1, 1, -1); // [1, 1, embeddingDim]
    const [out, [h, c]] = this.lstm.forward(x, [h0, c0]);
    return [out, [h, c]];
  }
}
