import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { report, runParity, TOLERANCE } from '../../helpers/parity.js';

describe('nn.Linear', () => {
  it('matches PyTorch in forward, backward and five Adam steps', () => {
    torch.manualSeed(3);
    const linear = new torch.nn.Linear(7, 13);
    const r = runParity({
      call: 'single',
      ctor: 'torch.nn.Linear(7, 13)',
      module: linear,
      inputs: [torch.randn([4, 7])],
      forward: ([x]) => [linear.forward(x!)],
      adam: { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.01 },
    });
    expect(report('Linear (Adam with weight decay)', r)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('can drop its bias', () => {
    expect(new torch.nn.Linear(2, 3, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight']);
  });

  it('reports a shape mismatch with libtorch’s message', () => {
    const linear = new torch.nn.Linear(3, 2);
    expect(() => linear.forward(torch.randn([2, 4]))).toThrow(/mat1 and mat2 shapes cannot be multiplied/);
  });
});
