import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { report, runParity, TOLERANCE } from '../../helpers/parity.js';

describe('nn.LSTM', () => {
  it('names its parameters as PyTorch does', () => {
    const lstm = new torch.nn.LSTM(3, 4, { numLayers: 2 });
    expect(lstm.namedParameters().map(([n, p]) => `${n}:${p.shape.join('x')}`)).toEqual([
      'weight_ih_l0:16x3',
      'weight_hh_l0:16x4',
      'bias_ih_l0:16',
      'bias_hh_l0:16',
      'weight_ih_l1:16x4',
      'weight_hh_l1:16x4',
      'bias_ih_l1:16',
      'bias_hh_l1:16',
    ]);
  });

  it('matches PyTorch in forward, backward and five Adam steps (4 layers, as the notebook)', () => {
    torch.manualSeed(1);
    const lstm = new torch.nn.LSTM(6, 8, { numLayers: 4 });
    const r = runParity({
      call: 'lstm',
      ctor: 'torch.nn.LSTM(6, 8, 4)',
      module: lstm,
      inputs: [torch.randn([5, 2, 6]), torch.randn([4, 2, 8]), torch.randn([4, 2, 8])],
      forward: ([x, h0, c0]) => {
        const [out, [h, c]] = lstm.forward(x!, [h0!, c0!]);
        return [out, h, c];
      },
    });
    expect(report('LSTM', r)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('starts from a zero state when none is given', () => {
    const lstm = new torch.nn.LSTM(2, 3);
    const x = torch.randn([4, 1, 2]);
    const [a] = lstm.forward(x);
    const [b] = lstm.forward(x, [torch.zeros([1, 1, 3]), torch.zeros([1, 1, 3])]);
    expect(a.toArray()).toEqual(b.toArray());
  });

  it('rejects a state of the wrong shape with libtorch’s message, and lives on', () => {
    const lstm = new torch.nn.LSTM(2, 3, { numLayers: 2 });
    expect(() => lstm.forward(torch.randn([4, 1, 2]), [torch.zeros([1, 1, 3]), torch.zeros([1, 1, 3])])).toThrow(
      /Expected hidden\[0\] size|hidden/,
    );
    expect(() => lstm.forward(torch.randn([4, 1, 5]))).toThrow(/input.size\(-1\) must be equal to input_size/);
  });

  it('checks its options before they reach libtorch', () => {
    expect(() => new torch.nn.LSTM(0, 3)).toThrow(
      'Expected a positive integer for inputSize but received 0 of type number',
    );
    expect(() => new torch.nn.LSTM(2, 3, { numLayers: 1.5 })).toThrow(/numLayers/);
    expect(() => new torch.nn.LSTM(2, 3, { dropout: 2 })).toThrow(/dropout/);
  });
});
