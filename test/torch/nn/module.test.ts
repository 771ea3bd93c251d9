import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { pytorch } from '../../helpers/pytorch.js';

class Decoder extends torch.nn.Module {
  embedding: torch.nn.Embedding;
  lstm: torch.nn.LSTM;
  dense: torch.nn.Linear;
  softmax = new torch.nn.LogSoftmax(1);
  constructor(vocab: number, embeddingDim: number, hidden: number, layers: number) {
    super();
    this.embedding = new torch.nn.Embedding(vocab, embeddingDim);
    this.lstm = new torch.nn.LSTM(embeddingDim, hidden, { numLayers: layers });
    this.dense = new torch.nn.Linear(hidden, vocab);
  }
}

describe('nn.Module', () => {
  it('names a composite module’s parameters exactly as PyTorch names the notebook’s Decoder', () => {
    const ours = Object.keys(new Decoder(10, 3, 4, 4).stateDict());
    const theirs = pytorch<string[]>(
      `import torch.nn as nn
class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10, 3)
        self.lstm = nn.LSTM(3, 4, 4)
        self.dense = nn.Linear(4, 10)
        self.softmax = nn.LogSoftmax(dim=1)
out(list(Decoder().state_dict().keys()))`,
      {},
    );
    expect(ours).toEqual(theirs);
  });

  it('loads a state dict, checking keys and shapes one by one', () => {
    const a = new Decoder(10, 3, 4, 2);
    const b = new Decoder(10, 3, 4, 2);
    b.loadStateDict(a.stateDict());
    expect(b.dense.parameters()[0]!.toArray()).toEqual(a.dense.parameters()[0]!.toArray());

    const state = a.stateDict();
    const bad = { ...state, 'dense.bias': torch.zeros([3]) };
    expect(() => b.loadStateDict(bad)).toThrow('Shape mismatch for dense.bias: the model has [10], the state dict [3]');
    const { ['lstm.bias_hh_l1']: _dropped, ...missing } = state;
    expect(() => b.loadStateDict(missing)).toThrow(/missing keys: lstm.bias_hh_l1/);
    expect(() => b.loadStateDict({ ...state, extra: torch.zeros([1]) })).toThrow(/unexpected keys: extra/);
    expect(() => b.loadStateDict(missing, { strict: false })).not.toThrow();
  });

  it('switches train and eval mode through the tree', () => {
    const d = new Decoder(5, 2, 2, 1).eval();
    expect(d.training).toBe(false);
    expect(d.lstm.training).toBe(false);
    expect(d.train().dense.training).toBe(true);
  });

  it('casts its parameters in place, so existing parameter tensors follow', () => {
    const linear = new torch.nn.Linear(2, 2);
    const weight = linear.parameters()[0]!;
    linear.to('float64');
    expect(weight.dtype).toBe('float64');
    expect(linear.forward(torch.ones([1, 2], { dtype: 'float64' })).dtype).toBe('float64');
  });
});
