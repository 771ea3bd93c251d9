import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';

describe('noGrad', () => {
  it('records no graph inside and restores the mode afterwards, even on throw', () => {
    const w = torch.ones([2]).requiresGrad_();
    const y = torch.noGrad(() => w.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(torch.isGradEnabled()).toBe(true);
    expect(() =>
      torch.noGrad(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(torch.isGradEnabled()).toBe(true);
    expect(w.mul(2).requiresGrad).toBe(true);
  });
});
