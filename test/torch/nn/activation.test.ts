import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { report, runParity, TOLERANCE } from '../../helpers/parity.js';

describe('nn.LogSoftmax', () => {
  it('matches PyTorch forward and backward along dim 1', () => {
    torch.manualSeed(4);
    const logSoftmax = new torch.nn.LogSoftmax(1);
    const r = runParity({
      call: 'single',
      ctor: 'torch.nn.LogSoftmax(dim=1)',
      module: logSoftmax,
      inputs: [torch.randn([3, 9]).mul(4)],
      forward: ([x]) => [logSoftmax.forward(x!)],
    });
    expect(report('LogSoftmax', r)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('rejects a dimension the input lacks', () => {
    expect(() => new torch.nn.LogSoftmax(2).forward(torch.randn([3, 4]))).toThrow(/Dimension out of range/);
  });
});
