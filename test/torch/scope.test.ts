import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';

const live = (): number => torch.memory().numTensors;

describe('tidy', () => {
  it('disposes every tensor made inside except those returned', () => {
    const before = live();
    const result = torch.tidy(() => {
      const a = torch.ones([3]);
      const b = a.mul(2);
      return { sum: b.sum(), parts: [b] };
    });
    expect(live()).toBe(before + 2);
    expect(result.sum.item()).toBe(6);
    result.sum.dispose();
    result.parts[0]!.dispose();
    expect(live()).toBe(before);
  });

  it('hands returned tensors to the enclosing scope', () => {
    const before = live();
    torch.tidy(() => {
      const inner = torch.tidy(() => torch.ones([2]).add(1));
      expect(inner.isDisposed).toBe(false);
    });
    expect(live()).toBe(before);
  });

  it('keeps tensors passed to keep()', () => {
    let kept: torch.Tensor | undefined;
    torch.tidy(() => {
      kept = torch.keep(torch.ones([1]));
      torch.ones([1]);
    });
    expect(kept?.isDisposed).toBe(false);
    expect(kept?.item()).toBe(1);
  });

  it('disposes what it made when fn throws, and rethrows', () => {
    const before = live();
    expect(() =>
      torch.tidy(() => {
        torch.ones([4]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(live()).toBe(before);
  });

  it('refuses async functions', () => {
    expect(() => torch.tidy(async () => 1)).toThrow(/synchronous/);
  });
});
