import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { report, runParity, TOLERANCE } from '../../helpers/parity.js';

describe('nn.NLLLoss', () => {
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`matches PyTorch forward and backward with reduction ${reduction}`, () => {
      torch.manualSeed(5);
      const criterion = new torch.nn.NLLLoss({ reduction });
      const r = runParity({
        call: 'pair',
        ctor: `torch.nn.NLLLoss(reduction='${reduction}')`,
        module: criterion,
        inputs: [new torch.nn.LogSoftmax(1).forward(torch.randn([4, 6])).detach(), torch.tensor([0, 5, 2, 2])],
        forward: ([x, y]) => [criterion.forward(x!, y!)],
      });
      expect(report(`NLLLoss(${reduction})`, r)).toBeLessThanOrEqual(TOLERANCE);
    });
  }

  it('scores one [1, C] prediction against a [1] target, as the notebook does', () => {
    const out = torch.tensor([[-0.1, -2.5, -3.0]]);
    expect(new torch.nn.NLLLoss().forward(out, torch.tensor([1])).item()).toBeCloseTo(2.5, 6);
  });

  it('rejects a target outside [0, C) before it reaches libtorch, and lives on', () => {
    const criterion = new torch.nn.NLLLoss();
    const input = torch.randn([2, 3]);
    expect(() => criterion.forward(input, torch.tensor([0, 3]))).toThrow(
      'NLLLoss target 3 is out of range for 3 classes (valid: 0 to 2)',
    );
    expect(() => criterion.forward(input, torch.tensor([0.5, 1]))).toThrow(
      'NLLLoss expects an int64 target but received float32',
    );
    expect(criterion.forward(input, torch.tensor([-100, 1])).shape).toEqual([]);
  });
});
