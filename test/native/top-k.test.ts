/**
 * The decoders' top-k (native/kernels/top_k_cpu.h, behind beam search and greedy decoding): torch.topk(k, 1)'s
 * values and indices on the same rows in PyTorch (equal: random rows have no ties), NaN ranked above every number
 * as torch.topk ranks it, and ties in a stated order (lower index first), in float32 and float64.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import { logSoftmaxTopK, topK } from '../helpers/kernels.js';
import { pytorch, type TensorSpec } from '../helpers/pytorch.js';

function spec(t: torch.Tensor): TensorSpec {
  return { data: Array.from(t.toArray() as ArrayLike<number>), shape: t.shape, dtype: t.dtype as 'float32' };
}

/** PyTorch's `x<transform>.topk(k, 1)` of each case: values and indices, flattened. */
function pytorchTopK(
  cases: { x: torch.Tensor; k: number }[],
  transform: '' | '.log_softmax(1)',
): { values: number[]; indices: number[] }[] {
  return pytorch<{ values: number[]; indices: number[] }[]>(
    `
res = []
for c in inp['cases']:
    v, i = T(c['x'])${transform}.topk(c['k'], 1)
    res.append({'values': J(v)['data'], 'indices': J(i)['data']})
out(res)
`,
    { cases: cases.map((c) => ({ x: spec(c.x), k: c.k })) },
  );
}

describe('decoders top-k', () => {
  it("gives PyTorch's torch.topk values and indices, in float32 and float64", () => {
    torch.manualSeed(31);
    const cases = [
      { x: torch.randn([5, 8003]), k: 10 },
      { x: torch.randn([1, 7]), k: 7 },
      { x: torch.randn([70, 300]), k: 1 },
      { x: torch.randn([3, 50], { dtype: 'float64' }), k: 10 },
      { x: torch.randn([2, 64]).mul(1e-30), k: 64 },
    ];
    const ref = pytorchTopK(cases, '');
    cases.forEach((c, n) => {
      const [values, indices] = topK(c.x, c.k);
      expect(values.shape).toEqual([c.x.shape[0], c.k]);
      expect(values.dtype).toBe(c.x.dtype);
      expect(Array.from(values.toArray() as ArrayLike<number>), `case ${n}`).toEqual(ref[n]!.values);
      expect(Array.from(indices.toArray() as ArrayLike<bigint | number>, Number), `case ${n}`).toEqual(ref[n]!.indices);
    });
  });

  it('ranks NaN above every number and puts ties lower index first', () => {
    const x = torch.tensor([
      [1, 3, 3, 2, 3, -Infinity],
      [0, NaN, 5, NaN, Infinity, 5],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
    ]);
    const [values, indices] = topK(x, 4);
    expect(Array.from(indices.toArray() as ArrayLike<bigint | number>, Number)).toEqual([
      1, 2, 4, 3, 1, 3, 4, 2, 0, 1, 2, 3,
    ]);
    expect(Array.from(values.toArray() as ArrayLike<number>)).toEqual([
      3,
      3,
      3,
      2,
      NaN,
      NaN,
      Infinity,
      5,
      -Infinity,
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
  });

  it('finds late entries, NaN and ties in long rows whose spans it passes over', () => {
    // Rising rows (each entry enters), ties across span boundaries, a NaN and a maximum in the tail, in both dtypes.
    const V = 1037;
    const rows: number[][] = [
      Array.from({ length: V }, (_, i) => i),
      Array.from({ length: V }, (_, i) => Math.floor(i / 40)),
      Array.from({ length: V }, (_, i) => (i === 700 ? NaN : i === V - 1 ? 1e9 : Math.sin(i))),
      Array.from({ length: V }, (_, i) => (i % 16 === 15 ? 2 : -i)),
    ];
    const rank = (row: number[], k: number) =>
      row
        .map((v, i) => ({ v, i }))
        .sort((a, b) => (Number.isNaN(b.v) ? 1 : 0) - (Number.isNaN(a.v) ? 1 : 0) || b.v - a.v || a.i - b.i)
        .slice(0, k);
    for (const dtype of ['float32', 'float64'] as const) {
      const x = torch.tensor(rows, { dtype });
      const values = x.toArray() as ArrayLike<number>;
      const asStored = rows.map((r, n) => r.map((_, i) => values[n * V + i]!));
      for (const k of [1, 10, 33]) {
        const [got, at] = topK(x, k);
        const expected = asStored.map((row) => rank(row, k));
        expect(Array.from(at.toArray() as ArrayLike<bigint | number>, Number), `${dtype} k ${k}`).toEqual(
          expected.flatMap((r) => r.map((e) => e.i)),
        );
        expect(Array.from(got.toArray() as ArrayLike<number>), `${dtype} k ${k}`).toEqual(
          expected.flatMap((r) => r.map((e) => e.v)),
        );
      }
    }
  });

  it("gives PyTorch's log_softmax(1).topk(k, 1) from the logits, values within 1e-6 relative", () => {
    // Tolerance: the sum of exponentials runs in another order than ATen's, with another float32 exp (both within 2
    // ulps), so the log-sum-exp, and the values, may differ by a few float ulps: 1e-6 relative is about 8 of them.
    torch.manualSeed(32);
    const cases = [
      { x: torch.randn([7, 8003]).mul(4), k: 10 },
      { x: torch.randn([3, 40]), k: 1 },
      { x: torch.randn([2, 64]).mul(30), k: 64 },
      { x: torch.randn([1, 5]), k: 5 },
    ];
    const ref = pytorchTopK(cases, '.log_softmax(1)');
    cases.forEach((c, n) => {
      const [values, indices] = logSoftmaxTopK(c.x, c.k);
      expect(values.shape).toEqual([c.x.shape[0], c.k]);
      expect(Array.from(indices.toArray() as ArrayLike<bigint | number>, Number), `case ${n}`).toEqual(ref[n]!.indices);
      const got = Array.from(values.toArray() as ArrayLike<number>);
      const worst = Math.max(
        ...got.map((v, i) => Math.abs(v - ref[n]!.values[i]!) / Math.max(1, Math.abs(ref[n]!.values[i]!))),
      );
      expect(worst, `case ${n}`).toBeLessThanOrEqual(1e-6);
    });
    // A row holding NaN: NaN log-probabilities, as log_softmax gives.
    const [values] = logSoftmaxTopK(torch.tensor([[1, NaN, 3, 2]]), 2);
    expect(Array.from(values.toArray() as ArrayLike<number>)).toEqual([NaN, NaN]);
  });

  it('refuses k out of range', () => {
    expect(() => topK(torch.randn([2, 3]), 4)).toThrow(/1 <= k <= V/);
    expect(() => topK(torch.randn([2, 3]), 0)).toThrow(/1 <= k <= V/);
    expect(() => logSoftmaxTopK(torch.randn([2, 100]), 65)).toThrow(/1 <= k <= min\(V, 64\)/);
    expect(() => logSoftmaxTopK(torch.randn([2, 3], { dtype: 'float64' }), 1)).toThrow(/float32/);
  });
});
