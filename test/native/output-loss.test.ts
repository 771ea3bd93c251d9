/**
 * The fused output layer and loss the training jobs run on the CPU in float32 (native/kernels/output_loss.h) against
 * PyTorch's F.cross_entropy(F.linear(x, W, b), target, reduction='sum', label_smoothing=e) on the same tensors: the
 * loss and the gradients of x, W and b (after backward through a scaled loss), with and without label smoothing, a
 * bias, ignored rows and large logits. Tolerances against PyTorch in float64 (the exact value): loss 2e-6 relative,
 * gradients 2e-5 of their largest magnitude; PyTorch's own float32 lands within the same bounds (checked too).
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import { outputLayerLoss } from '../helpers/kernels.js';
import { maxAbsDiff, pytorch } from '../helpers/pytorch.js';

interface Case {
  name: string;
  rows: number;
  features: number;
  vocab: number;
  smoothing: number;
  bias: boolean;
  /** Rows whose target is the ignore index (-100). */
  ignored: number[];
  /** Scale of x: large logits test the log-sum-exp's stability. */
  scale: number;
}

const CASES: Case[] = [
  { name: 'small, plain NLL', rows: 4, features: 3, vocab: 5, smoothing: 0, bias: true, ignored: [], scale: 1 },
  {
    name: 'real vocabulary, label smoothing, ignored rows',
    rows: 97,
    features: 64,
    vocab: 3001,
    smoothing: 0.1,
    bias: true,
    ignored: [0, 50, 96],
    scale: 1,
  },
  {
    name: 'no bias, large logits',
    rows: 33,
    features: 40,
    vocab: 517,
    smoothing: 0,
    bias: false,
    ignored: [],
    scale: 30,
  },
  {
    name: 'one row, odd vocabulary',
    rows: 1,
    features: 7,
    vocab: 17,
    smoothing: 0.2,
    bias: true,
    ignored: [],
    scale: 2,
  },
];

const GRAD_SCALE = 0.37;

interface Result {
  loss: number;
  dx: number[];
  dw: number[];
  db: number[] | null;
}

function ours(c: Case, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | null, t: torch.Tensor): Result {
  const xs = x.clone().requiresGrad_();
  const ws = w.clone().requiresGrad_();
  const bs = b ? b.clone().requiresGrad_() : null;
  const loss = outputLayerLoss(xs, ws, bs, t, c.smoothing);
  const value = loss.item();
  loss.mul(GRAD_SCALE).backward();
  return { loss: value, dx: xs.grad!.toArray(), dw: ws.grad!.toArray(), db: bs ? bs.grad!.toArray() : null };
}

describe('fused output layer and loss (CPU, float32)', () => {
  it("gives F.cross_entropy(F.linear(...))'s loss and gradients within float32 rounding", () => {
    torch.manualSeed(11);
    const inputs = CASES.map((c) => {
      const x = torch.randn([c.rows, c.features]).mul(c.scale);
      const w = torch.randn([c.vocab, c.features]).mul(0.2);
      const b = c.bias ? torch.randn([c.vocab]) : null;
      const targets = Array.from({ length: c.rows }, (_, i) => (c.ignored.includes(i) ? -100 : (i * 7919) % c.vocab));
      const t = torch.tensor(targets, { dtype: 'int64' });
      return { c, x, w, b, t, targets };
    });
    const got = inputs.map(({ c, x, w, b, t }) => ours(c, x, w, b, t));
    const ref = pytorch<{ f64: Result[]; f32: Result[] }>(
      `
import torch.nn.functional as F
res = {'f64': [], 'f32': []}
for c in inp['cases']:
    for key, dtype in (('f64', torch.float64), ('f32', torch.float32)):
        x = T(c['x']).to(dtype).requires_grad_()
        w = T(c['w']).to(dtype).requires_grad_()
        b = T(c['b']).to(dtype).requires_grad_() if c['b'] else None
        t = torch.tensor(c['t'], dtype=torch.long)
        loss = F.cross_entropy(F.linear(x, w, b), t, reduction='sum', label_smoothing=c['e'])
        (loss * inp['scale']).backward()
        res[key].append({'loss': loss.item(), 'dx': J(x.grad)['data'], 'dw': J(w.grad)['data'],
                         'db': J(b.grad)['data'] if b is not None else None})
out(res)
`,
      {
        scale: GRAD_SCALE,
        cases: inputs.map(({ c, x, w, b, targets }) => ({
          x: { data: x.toArray(), shape: x.shape },
          w: { data: w.toArray(), shape: w.shape },
          b: b ? { data: b.toArray(), shape: b.shape } : null,
          t: targets,
          e: c.smoothing,
        })),
      },
    );
    const relative = (a: number[], b: number[]) =>
      maxAbsDiff(a, b) / b.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-30);
    inputs.forEach(({ c }, i) => {
      for (const [who, r] of [
        ['ours', got[i]!],
        ['PyTorch float32', ref.f32[i]!],
      ] as const) {
        const exact = ref.f64[i]!;
        const errors = {
          loss: Math.abs(r.loss - exact.loss) / Math.abs(exact.loss),
          dx: relative(r.dx, exact.dx),
          dw: relative(r.dw, exact.dw),
          db: r.db && exact.db ? relative(r.db, exact.db) : 0,
        };
        const where = `${c.name}, ${who}: ${JSON.stringify(errors)}`;
        expect(errors.loss, where).toBeLessThanOrEqual(2e-6);
        expect(Math.max(errors.dx, errors.dw, errors.db), where).toBeLessThanOrEqual(2e-5);
      }
      expect(got[i]!.db === null).toBe(!c.bias);
    });
  });

  it('gives the same loss without a gradient (validation) as with one', () => {
    torch.manualSeed(2);
    const x = torch.randn([20, 16]);
    const w = torch.randn([300, 16]);
    const b = torch.randn([300]);
    const t = torch.tensor(
      Array.from({ length: 20 }, (_, i) => (i * 31) % 300),
      { dtype: 'int64' },
    );
    const plain = outputLayerLoss(x, w, b, t, 0.1).item();
    const withGrad = outputLayerLoss(x, w.clone().requiresGrad_(), b, t, 0.1);
    expect(withGrad.requiresGrad).toBe(true);
    expect(plain).toBe(withGrad.item());
    expect(torch.noGrad(() => outputLayerLoss(x, w.clone().requiresGrad_(), b, t, 0.1)).requiresGrad).toBe(false);
  });

  it('refuses a target outside the vocabulary instead of reading past a row', () => {
    const x = torch.randn([2, 4]);
    const w = torch.randn([10, 4]);
    for (const bad of [10, -1, 1e6]) {
      const t = torch.tensor([1, bad], { dtype: 'int64' });
      expect(() => outputLayerLoss(x, w, null, t, 0)).toThrow(/outside the vocabulary/);
    }
  });
});
