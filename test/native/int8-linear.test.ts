/**
 * The int8 kernel (native/kernels/int8_linear_cpu.h): every instruction set this CPU has gives the plain C++ path's
 * integers and floats bit for bit, and the scheme is PyTorch's: weights quantized as PerChannelMinMaxObserver and
 * quantize_per_channel do (equal), activations' scale and zero point as torch._choose_qparams_per_tensor with
 * reduce_range (equal), the quantized activations and the result as scripts/reference/quantized_model.py emulates
 * FBGEMM (equal), and the result within float rounding of the quantized::linear_dynamic the installed torch runs.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import type { Int8IsaName } from '../../src/torch/addon-types.js';
import { int8Linear } from '../helpers/kernels.js';
import { maxAbsDiff, pytorch, type TensorSpec } from '../helpers/pytorch.js';

const SHAPES: [n: number, k: number, m: number][] = [
  [1, 1, 1],
  [16, 4, 1],
  [17, 5, 3],
  [64, 30, 5],
  [100, 129, 9],
  [512, 128, 1],
  [37, 257, 64],
];

function spec(t: torch.Tensor): TensorSpec {
  return { data: Array.from(t.toArray() as ArrayLike<number>), shape: t.shape };
}

describe('int8 kernel', () => {
  for (const isa of ['avx2', 'avx512-vnni'] as Int8IsaName[]) {
    it(`gives the scalar path's integers and floats bit for bit on ${isa}`, (ctx) => {
      torch.manualSeed(3);
      for (const [n, k, m] of SHAPES) {
        const w = torch.randn([n, k]).mul(0.3);
        const x = torch.randn([m, k]).mul(2).add(0.5);
        const b = torch.randn([n]);
        const got = int8Linear(w, x, b, isa);
        if (!got) {
          ctx.skip(`this CPU lacks ${isa}`);
          return;
        }
        const ref = int8Linear(w, x, b, 'scalar')!;
        expect(got.xq.toArray()).toEqual(ref.xq.toArray());
        expect(got.acc.toArray()).toEqual(ref.acc.toArray());
        expect(got.y.toArray()).toEqual(ref.y.toArray());
      }
    });
  }

  it("quantizes as PyTorch does and gives the emulated FBGEMM result; the installed torch's within rounding", () => {
    torch.manualSeed(5);
    const cases = SHAPES.map(([n, k, m]) => {
      const w = torch.randn([n, k]).mul(0.3);
      const x = torch.randn([m, k]).mul(2).add(0.5);
      const b = torch.randn([n]);
      return { w, x, b, ours: int8Linear(w, x, b, 'scalar')! };
    });
    const ref = pytorch<{
      q: number[][];
      s: number[][];
      qp: number[][];
      xq: number[][];
      y: number[][];
      real: (number | null)[];
    }>(
      `
import os, sys
sys.path.insert(0, os.path.join(os.getcwd(), 'scripts', 'reference'))
import numpy as np
from quantized_model import quantize_weight, activation_qparams, quantize_activations, linear, check_against_torch
r = {'q': [], 's': [], 'qp': [], 'xq': [], 'y': [], 'real': []}
for c in inp['cases']:
    w, x, b = T(c['w']), T(c['x']), T(c['b'])
    q, s = quantize_weight(w)
    scale, zp = activation_qparams(x)
    r['q'].append(q.reshape(-1).tolist()); r['s'].append(s.astype(np.float64).tolist())
    r['qp'].append([float(scale), zp])
    r['xq'].append(quantize_activations(x.numpy(), scale, zp).reshape(-1).tolist())
    r['y'].append(linear(x.numpy(), q, s, b.numpy()).astype(np.float64).reshape(-1).tolist())
    real = check_against_torch(w, b, x)
    r['real'].append(None if real is None else real[0])
out(r)
`,
      { cases: cases.map((c) => ({ w: spec(c.w), x: spec(c.x), b: spec(c.b) })) },
    );
    cases.forEach((c, i) => {
      expect(Array.from(c.ours.q.toArray() as ArrayLike<number>)).toEqual(ref.q[i]);
      expect(Array.from(c.ours.scales.toArray() as ArrayLike<number>)).toEqual(ref.s[i]);
      expect([c.ours.scale, c.ours.zeroPoint]).toEqual(ref.qp[i]);
      expect(Array.from(c.ours.xq.toArray() as ArrayLike<number>)).toEqual(ref.xq[i]);
      expect(Array.from(c.ours.y.toArray() as ArrayLike<number>)).toEqual(ref.y[i]);
      // The installed torch's own op (oneDNN here: x times 1/scale, another order of the dequantization's
      // roundings): float32 rounding of outputs up to ~30 in size.
      if (ref.real[i] !== null) expect(ref.real[i]).toBeLessThan(2e-5);
      expect(maxAbsDiff(c.ours.y.toArray() as ArrayLike<number>, ref.y[i]!)).toBe(0);
    });
    console.log(
      `int8 kernel vs the installed torch's quantized::linear_dynamic: max |diff| ${Math.max(...ref.real.map((v) => v ?? 0))}`,
    );
  });

  it('refuses shapes that do not fit (a bias of the wrong length is never read past its end)', () => {
    const w = torch.randn([4, 3]);
    expect(() => int8Linear(w, torch.randn([2, 5]), null, 'scalar')).toThrow(/Expected weight \[N, K\]/);
    expect(() => int8Linear(w, torch.randn([2, 3]), torch.randn([2]), 'scalar')).toThrow(/bias \[N\]/);
  });
});
