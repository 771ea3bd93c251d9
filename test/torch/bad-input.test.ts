import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';

// Every call below must either return or throw an Error; none may take the process down.
const garbage: unknown[] = [undefined, null, NaN, Infinity, -1, 2 ** 40, 1.5, 'x', {}, [], [NaN], () => 0, 10n];

function survives(call: () => unknown): void {
  try {
    call();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
  }
}

describe('bad input', () => {
  it('never crashes a Tensor method, whatever the arguments', () => {
    const t = torch.randn([2, 3]);
    const methods = [
      'view',
      'reshape',
      'unsqueeze',
      'squeeze',
      'get',
      'select',
      'narrow',
      'transpose',
      'to',
      'copy_',
      'add',
      'add_',
      'sub',
      'mul',
      'div',
      'matmul',
      'eq',
      'sum',
      'mean',
      'argmax',
      'topk',
      'backward',
      'requiresGrad_',
    ] as const;
    let calls = 0;
    for (const name of methods) {
      const method = (t as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
      for (const a of garbage) {
        for (const b of garbage.slice(0, 6)) {
          survives(() => method.call(t, a, b));
          calls++;
        }
      }
    }
    expect(calls).toBeGreaterThan(1000);
    expect(t.shape).toEqual([2, 3]);
  });

  it('never crashes a factory or a module constructor', () => {
    for (const a of garbage) {
      survives(() => torch.tensor(a as never));
      survives(() => torch.zeros(a as never));
      survives(() => torch.zeros([2], { dtype: a as never, device: a as never }));
      survives(() => new torch.nn.LSTM(a as never, 3, { numLayers: a as never }));
      survives(() => new torch.nn.Embedding(a as never, a as never));
      survives(() => new torch.nn.Linear(3, a as never, a as never));
      survives(() => new torch.nn.NLLLoss(a as never));
      survives(() => new torch.optim.Adam(a as never));
    }
  });

  it('turns an impossible allocation into an Error', () => {
    expect(() => torch.zeros([2 ** 20, 2 ** 20, 2 ** 10])).toThrow(Error);
  });
});
