import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { report, runParity, TOLERANCE } from '../../helpers/parity.js';

describe('nn.Embedding', () => {
  it('matches PyTorch in forward, backward and five Adam steps', () => {
    torch.manualSeed(2);
    const embedding = new torch.nn.Embedding(11, 5);
    const r = runParity({
      call: 'single',
      ctor: 'torch.nn.Embedding(11, 5)',
      module: embedding,
      inputs: [
        torch.tensor([
          [0, 3, 3],
          [10, 7, 1],
        ]),
      ],
      forward: ([x]) => [embedding.forward(x!)],
    });
    expect(report('Embedding', r)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('rejects indices outside its table before they reach libtorch, and lives on', () => {
    const embedding = new torch.nn.Embedding(10, 3);
    expect(() => embedding.forward(torch.tensor([10]))).toThrow(
      'Embedding index 10 is out of range for 10 embeddings (valid: 0 to 9)',
    );
    expect(() => embedding.forward(torch.tensor([[1, -1]]))).toThrow(RangeError);
    expect(() => embedding.forward(torch.tensor([1.5]))).toThrow(
      'Embedding expects int64 or int32 indices but received float32',
    );
    expect(embedding.forward(torch.tensor([9])).shape).toEqual([1, 3]);
  });

  it('names its parameter weight', () => {
    expect(new torch.nn.Embedding(4, 2).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });
});
