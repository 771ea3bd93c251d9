/** The notebook's Decoder: Embedding, deep LSTM, Linear to the vocabulary and LogSoftmax, one token at a time. */
import * as torch from '../torch/index.js';

const { nn } = torch;

export class Decoder extends nn.Module {
  readonly hiddenSize: number;
  readonly numLayers: number;
  embedding: torch.nn.Embedding;
  lstm: torch.nn.LSTM;
  dense: torch.nn.Linear;
  softmax: torch.nn.LogSoftmax;

  constructor(vocabSize: number, hiddenSize: number, embeddingDim: number, numLayers: number) {
    super();
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.embedding = new nn.Embedding(vocabSize, embeddingDim);
    this.lstm = new nn.LSTM(embeddingDim, hiddenSize, { numLayers });
    this.dense = new nn.Linear(hiddenSize, vocabSize);
    this.softmax = new nn.LogSoftmax(1);
  }

  /** x: one token index; h0, c0: [numLayers, 1, hiddenSize] -> log-probabilities [1, vocab] and the new state. */
  forward(x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor): [torch.Tensor, torch.nn.LSTMState] {
    x = this.embedding.forward(x).view(1, 1, -1); // [1, 1, embeddingDim]
    let h: torch.Tensor;
    let c: torch.Tensor;
    [x, [h, c]] = this.lstm.forward(x, [h0, c0]); // [1, 1, hiddenSize]
    x = this.softmax.forward(this.dense.forward(x.squeeze(0))); // [1, vocab]
    return [x, [h, c]];
  }
}
