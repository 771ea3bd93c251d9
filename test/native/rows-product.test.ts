/**
 * The decoders' product of a few rows (native/kernels/row_product_cpu.h): each output is one fused multiply-add chain
 * over k in order from zero, the bias added last, bit for bit (checked against that chain computed exactly in
 * Python's rationals and rounded to float32 once per step), on every instruction set this CPU has, for row counts
 * across its passes (12 rows per pass on AVX-512, 6 on AVX2) and column counts across its blocks (32 columns with
 * masked tails; 16 with a portable tail).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import type { RowsIsaName } from '../../src/torch/addon-types.js';
import { rowsProduct } from '../helpers/kernels.js';
import { pytorch, type TensorSpec } from '../helpers/pytorch.js';

const SHAPES: [n: number, k: number, m: number][] = [
  [1, 1, 1],
  [17, 3, 2],
  [33, 30, 5],
  [64, 7, 12],
  [40, 5, 13],
  [48, 4, 24],
  [100, 129, 3],
  [24, 5, 40],
];

function spec(t: torch.Tensor): TensorSpec {
  return { data: Array.from(t.toArray() as ArrayLike<number>), shape: t.shape };
}

function cases(seed: number): { w: torch.Tensor; x: torch.Tensor; b: torch.Tensor | null }[] {
  torch.manualSeed(seed);
  return SHAPES.map(([n, k, m], i) => ({
    w: torch.randn([n, k]).mul(0.3),
    x: torch.randn([m, k]),
    b: i % 3 === 2 ? null : torch.randn([n]),
  }));
}

const ISAS: RowsIsaName[] = ['portable', 'avx2', 'avx512'];

/** Whether this CPU runs `isa` (the kernel answers null where it does not). */
function available(isa: RowsIsaName): boolean {
  return rowsProduct(torch.ones([1, 1]), torch.ones([1, 1]), null, isa) !== null;
}

describe('few-row product kernel', () => {
  let all: ReturnType<typeof cases>;
  let exact: number[][];
  beforeAll(() => {
    all = cases(11);
    exact = pytorch<number[][]>(
      `
from fractions import Fraction
import numpy as np
def round32(q):
    f = np.float32(float(q))
    best = None
    for c in (np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))):
        d = abs(Fraction(float(c)) - q)
        key = (d, int(np.array(c).view(np.int32)) & 1)
        if best is None or key < best[0]:
            best = (key, c)
    return best[1]
res = []
for c in inp['cases']:
    w = T(c['w']).numpy(); x = T(c['x']).numpy(); b = T(c['b']).numpy() if c['b'] else None
    y = []
    for r in range(x.shape[0]):
        for n in range(w.shape[0]):
            acc = np.float32(0)
            for k in range(w.shape[1]):
                acc = round32(Fraction(float(w[n, k])) * Fraction(float(x[r, k])) + Fraction(float(acc)))
            y.append(float(np.float32(b[n] + acc) if b is not None else acc))
    res.append(y)
out(res)
`,
      { cases: all.map((c) => ({ w: spec(c.w), x: spec(c.x), b: c.b ? spec(c.b) : null })) },
    );
  }, 60_000);

  it.for(ISAS)('is the fused multiply-add chain in order, bit for bit, on %s', (isa, ctx) => {
    if (!available(isa)) ctx.skip(`this CPU lacks ${isa}`);
    all.forEach((c, i) => {
      const y = rowsProduct(c.w, c.x, c.b, isa)!;
      expect(Array.from(y.toArray() as ArrayLike<number>), `case ${i}`).toEqual(exact[i]);
    });
  });

  it.for(ISAS.slice(1))(
    "gives the portable loop's bits at decoding sizes on %s (output layer 8,003 x 128, 1 to 24 rows)",
    (isa, ctx) => {
      if (!available(isa)) ctx.skip(`this CPU lacks ${isa}`);
      torch.manualSeed(12);
      const w = torch.randn([8003, 128]).mul(0.1);
      const b = torch.randn([8003]);
      for (const m of [1, 5, 10, 24]) {
        const x = torch.randn([m, 128]);
        expect(rowsProduct(w, x, b, isa)!.toArray(), `${m} rows`).toEqual(rowsProduct(w, x, b, 'portable')!.toArray());
      }
    },
  );

  it('refuses shapes that do not fit and unknown instruction sets', () => {
    const w = torch.randn([4, 3]);
    expect(() => rowsProduct(w, torch.randn([2, 5]), null, 'portable')).toThrow(/Expected weight \[N, K\]/);
    expect(() => rowsProduct(w, torch.randn([2, 3]), torch.randn([5]), 'portable')).toThrow(/bias \[N\]/);
    expect(() => rowsProduct(w, torch.randn([2, 3]), null, 'sse' as RowsIsaName)).toThrow(/portable, avx2 or avx512/);
  });
});
