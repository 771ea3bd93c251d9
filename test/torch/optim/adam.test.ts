import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { report, runParity, TOLERANCE } from '../../helpers/parity.js';

describe('optim.Adam', () => {
  it('matches torch.optim.Adam over twenty steps at the notebook’s lr 0.01', () => {
    torch.manualSeed(6);
    const linear = new torch.nn.Linear(5, 3);
    const r = runParity({
      call: 'single',
      ctor: 'torch.nn.Linear(5, 3)',
      module: linear,
      inputs: [torch.randn([8, 5])],
      forward: ([x]) => [linear.forward(x!)],
      adamSteps: 20,
    });
    expect(report('Adam x20', r)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('zeroGrad clears to none by default and to zeros on request', () => {
    const w = torch.ones([2]).requiresGrad_();
    const opt = new torch.optim.Adam([w]);
    w.mul(3).sum().backward();
    opt.zeroGrad(false);
    expect(w.grad?.toArray()).toEqual([0, 0]);
    opt.zeroGrad();
    expect(w.grad).toBeUndefined();
  });

  it('exposes and updates its learning rate', () => {
    const opt = new torch.optim.Adam([torch.ones([1]).requiresGrad_()], { lr: 0.01 });
    expect(opt.lr).toBe(0.01);
    opt.lr = 0.001;
    expect(opt.lr).toBe(0.001);
  });

  it('checks its options', () => {
    const p = [torch.ones([1]).requiresGrad_()];
    expect(() => new torch.optim.Adam(p, { lr: -1 })).toThrow(
      'Expected a number of at least 0 for lr but received -1 of type number',
    );
    expect(() => new torch.optim.Adam(p, { betas: [1, 0.9] })).toThrow(/betas\[0\]/);
    expect(() => new torch.optim.Adam([])).toThrow('Adam received an empty parameter list');
  });
});
