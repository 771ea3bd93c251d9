/**
 * The training jobs' dropout (native/seq2seq/dropout.h) and the LSTM's dropout between layers
 * (native/kernels/lstm_cpu.h). The mask is F.dropout's, drawn from a generator of the job's own: equal to
 * PyTorch's F.dropout after torch.manual_seed with the same seed (Debian's torch and the addon's libtorch are the
 * same 1.13, with the same CPU generator), and statistically what dropout promises: each element kept with
 * probability 1 - p, kept ones scaled by 1 / (1 - p), the expectation unchanged.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import { DEVICE, ON_CUDA } from '../helpers/device.js';
import { dropout, lstmForwardKernel } from '../helpers/kernels.js';
import { maxAbsDiff, pytorch } from '../helpers/pytorch.js';

describe('dropout from a seeded generator', () => {
  it('keeps each element with probability 1 - p, each kept one scaled by exactly 1 / (1 - p)', () => {
    const n = 200_000;
    for (const [p, dtype] of [
      [0.3, 'float32'],
      [0.5, 'float64'],
      [0.1, 'float64'],
    ] as const) {
      const y = dropout(torch.ones([n], { dtype, device: DEVICE }), p, 11).toArray();
      const kept = y.filter((v) => v !== 0);
      // The kept fraction and the mean within 5 standard deviations of their expectations (1 - p and 1).
      const fraction = kept.length / n;
      const mean = y.reduce((a, b) => a + b, 0) / n;
      const [sdFraction, sdMean] = [Math.sqrt((p * (1 - p)) / n), Math.sqrt(p / (1 - p) / n)];
      console.log(
        `dropout ${p} (${dtype}): kept ${fraction.toFixed(4)} (expected ${1 - p} +- ${(5 * sdFraction).toFixed(4)}), ` +
          `mean ${mean.toFixed(4)} (1 +- ${(5 * sdMean).toFixed(4)})`,
      );
      expect(Math.abs(fraction - (1 - p))).toBeLessThanOrEqual(5 * sdFraction);
      expect(Math.abs(mean - 1)).toBeLessThanOrEqual(5 * sdMean);
      // One scale for every kept element: 1 / (1 - p) to the dtype's rounding.
      expect(new Set(kept).size).toBe(1);
      expect(Math.abs(kept[0]! * (1 - p) - 1)).toBeLessThanOrEqual(dtype === 'float32' ? 1e-7 : 1e-15);
    }
  });

  it('draws the same mask for the same seed, another for another seed or call; p = 0 is the input', () => {
    const x = torch.randn([1000], { device: DEVICE });
    const a = dropout(x, 0.5, 3).toArray();
    expect(dropout(x, 0.5, 3).toArray()).toEqual(a);
    expect(dropout(x, 0.5, 4).toArray()).not.toEqual(a);
    expect(dropout(x, 0, 3).toArray()).toEqual(x.toArray());
    expect(() => dropout(x, 1, 3)).toThrow('dropout p must be at least 0 and below 1');
  });

  it.skipIf(ON_CUDA)('is F.dropout after torch.manual_seed with the same seed, element for element', () => {
    const x = torch.randn([4, 300], { dtype: 'float64' });
    for (const [p, seed] of [
      [0.2, 1],
      [0.7, 123456789],
    ] as const) {
      const ours = dropout(x, p, seed).toArray();
      const theirs = pytorch<{ data: number[] }>(
        `x = T(inp['x'])
torch.manual_seed(inp['seed'])
out(J(torch.nn.functional.dropout(x, inp['p'], training=True)))`,
        { x: { data: x.toArray(), shape: x.shape, dtype: 'float64' }, p, seed },
      );
      const diff = maxAbsDiff(ours, theirs.data);
      console.log(`dropout ${p}, seed ${seed}: max |ours - F.dropout| = ${diff} (tolerance 0: the same draws)`);
      expect(diff).toBe(0);
    }
  });
});

describe("the LSTM's dropout between layers", () => {
  const make = (shape: number[]) => torch.randn(shape, { dtype: 'float64', device: DEVICE });

  function run(layers: number, options: { p: number; seed: number; layerwise?: boolean } | undefined) {
    torch.manualSeed(5);
    const lstm = new torch.nn.LSTM(4, 6, { numLayers: layers, bidirectional: true }).to('float64').to(DEVICE);
    const x = make([5, 3, 4]).requiresGrad_();
    const state: [torch.Tensor, torch.Tensor] = [make([2 * layers, 3, 6]), make([2 * layers, 3, 6])];
    const w = make([5, 3, 12]);
    const [out, [h]] = lstmForwardKernel(lstm, x, state, [5, 2, 4], options);
    out.mul(w).sum().add(h.sum()).backward();
    return {
      out: out.toArray(),
      h: h.toArray(),
      grads: [x.grad!, ...lstm.parameters().map((p) => p.grad!)].flatMap((g) => g.toArray()),
    };
  }

  it('draws the same masks in the kernel and layer by layer (the path CUDA takes): outputs and gradients', () => {
    const kernel = run(3, { p: 0.4, seed: 9 });
    const layerwise = run(3, { p: 0.4, seed: 9, layerwise: true });
    const diffs = [
      maxAbsDiff(kernel.out, layerwise.out),
      maxAbsDiff(kernel.h, layerwise.h),
      maxAbsDiff(kernel.grads, layerwise.grads),
    ];
    console.log(`LSTM dropout, kernel vs layer by layer (float64): ${diffs.map((d) => d.toExponential(1))} (<= 1e-12)`);
    for (const d of diffs) expect(d).toBeLessThanOrEqual(1e-12);
    expect(maxAbsDiff(kernel.out, run(3, undefined).out)).toBeGreaterThan(1e-3);
  });

  it('drops nothing in a one-layer LSTM (only between layers, as nn.LSTM)', () => {
    expect(run(1, { p: 0.4, seed: 9 }).out).toEqual(run(1, undefined).out);
    // Layer by layer is ATen's LSTM: the kernel's results to rounding.
    expect(maxAbsDiff(run(1, { p: 0.4, seed: 9, layerwise: true }).out, run(1, undefined).out)).toBeLessThan(1e-12);
  });
});
