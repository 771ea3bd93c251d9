/**
 * The one-pass Adam step the training jobs take (native/kernels/adam_fused.h) against torch.optim.Adam: the same
 * parameters after twelve steps of a loss whose gradient depends on them and shrinks every other step (so that
 * AMSGrad's maximum matters), and the optimizer state (step,
 * exp_avg, exp_avg_sq) it leaves, read through stateDict(). Tolerances: float64 within 1e-12 of max(1, |PyTorch|)
 * (the same arithmetic), float32 within 1e-6.
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { adamStepFused } from '../../helpers/kernels.js';
import { pytorch, type TensorSpec } from '../../helpers/pytorch.js';

const SCRIPT = `
dtype = DTYPES[inp['dtype']]
ps = [T(s).to(dtype).requires_grad_(True) for s in inp['params']]
ws = [T(s).to(dtype) for s in inp['weights']]
o = inp['options']
opt = torch.optim.Adam(ps, lr=o['lr'], betas=(0.9, 0.999), eps=1e-8, weight_decay=o['weightDecay'], amsgrad=o['amsgrad'])
for s in range(inp['steps']):
    opt.zero_grad(set_to_none=True)
    k = [3.0, 0.2, 0.2][s % 3]
    sum(((p * p * w).sum() + (p * w).sum()) * k for p, w in zip(ps, ws)).backward()
    opt.step()
out({'params': [J(p) for p in ps],
     'expAvg': [J(opt.state[p]['exp_avg']) for p in ps],
     'expAvgSq': [J(opt.state[p]['exp_avg_sq']) for p in ps],
     'maxExpAvgSq': [J(opt.state[p]['max_exp_avg_sq']) for p in ps] if o['amsgrad'] else [],
     'step': [int(opt.state[p]['step']) for p in ps]})
`;

interface Reference {
  params: TensorSpec[];
  expAvg: TensorSpec[];
  expAvgSq: TensorSpec[];
  maxExpAvgSq: TensorSpec[];
  step: number[];
}

const OPTIONS = [
  { name: 'the notebook’s lr 0.01', lr: 0.01, weightDecay: 0, amsgrad: false },
  { name: 'weight decay', lr: 0.003, weightDecay: 0.1, amsgrad: false },
  { name: 'AMSGrad', lr: 0.01, weightDecay: 0, amsgrad: true },
];

function worst(got: number[], want: number[]): number {
  expect(got.length).toBe(want.length);
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]!) / Math.max(1, Math.abs(want[i]!))));
}

describe('the jobs’ one-pass Adam step', () => {
  for (const o of OPTIONS) {
    it(`matches torch.optim.Adam over twelve steps, state included (${o.name})`, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        torch.manualSeed(12);
        // Sizes around the parallel grain (32768) and the vector widths, so every loop part runs.
        const params = [[70000], [33, 17], [5]].map((shape) => torch.randn(shape).to(dtype).requiresGrad_());
        const weights = params.map((p) => torch.randn(p.shape).to(dtype));
        const spec = (t: torch.Tensor): TensorSpec => ({ data: t.toArray(), shape: t.shape, dtype });
        const initial = params.map(spec);
        const opt = new torch.optim.Adam(params, { lr: o.lr, weightDecay: o.weightDecay, amsgrad: o.amsgrad });
        const steps = 12;
        for (let s = 0; s < steps; s++) {
          opt.zeroGrad();
          params
            .map((p, i) =>
              p
                .mul(p)
                .mul(weights[i]!)
                .sum()
                .add(p.mul(weights[i]!).sum())
                .mul([3, 0.2, 0.2][s % 3]!),
            )
            .reduce((x, y) => x.add(y))
            .backward();
          // The fused step mostly, libtorch's now and then: the two share one state.
          if (s % 4 === 3) opt.step();
          else adamStepFused(opt);
        }
        const ref = pytorch<Reference>(SCRIPT, {
          dtype,
          steps,
          options: o,
          params: initial,
          weights: weights.map(spec),
        });
        const state = params.map((_, i) => opt.stateDict().state.get(i)!);
        const errors = {
          params: worst(
            params.flatMap((p) => p.toArray()),
            ref.params.flatMap((r) => r.data),
          ),
          expAvg: worst(
            state.flatMap((st) => st.exp_avg!.toArray()),
            ref.expAvg.flatMap((r) => r.data),
          ),
          expAvgSq: worst(
            state.flatMap((st) => st.exp_avg_sq!.toArray()),
            ref.expAvgSq.flatMap((r) => r.data),
          ),
          maxExpAvgSq: o.amsgrad
            ? worst(
                state.flatMap((st) => st.max_exp_avg_sq!.toArray()),
                ref.maxExpAvgSq.flatMap((r) => r.data),
              )
            : 0,
        };
        expect(state.map((st) => st.step!.item())).toEqual(ref.step);
        const limit = dtype === 'float64' ? 1e-12 : 1e-6;
        console.log(`one-pass Adam (${o.name}), ${dtype}: ${JSON.stringify(errors)} (limit ${limit})`);
        for (const [what, error] of Object.entries(errors)) expect(error, what).toBeLessThanOrEqual(limit);
      }
    });
  }
});
