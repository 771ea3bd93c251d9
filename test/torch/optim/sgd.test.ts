/**
 * optim.SGD against torch.optim.SGD: the parameters after ten steps of a loss whose gradient depends on them, with
 * and without momentum and weight decay, in float64 (within 1e-12 of max(1, |PyTorch|): the same arithmetic)
 * and float32 (1e-6); and the state in PyTorch's format both ways: a state torch.optim.SGD saved continues here
 * as it continues there, and PyTorch loads the one saved here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { pytorch, type TensorSpec } from '../../helpers/pytorch.js';

const SCRIPT = `
dtype = DTYPES[inp['dtype']]
ps = [T(s).to(dtype).requires_grad_(True) for s in inp['params']]
ws = [T(s).to(dtype) for s in inp['weights']]
o = inp['options']
opt = torch.optim.SGD(ps, lr=o['lr'], momentum=o['momentum'], weight_decay=o['weightDecay'])
for s in range(inp['steps']):
    opt.zero_grad(set_to_none=True)
    sum(((p * p * w).sum() + (p * w).sum()) * [3.0, 0.2][s % 2] for p, w in zip(ps, ws)).backward()
    opt.step()
out({'params': [J(p) for p in ps],
     'buffers': [J(opt.state[p]['momentum_buffer']) for p in ps] if o['momentum'] > 0 else []})
`;

const OPTIONS = [
  { name: 'plain SGD', lr: 0.05, momentum: 0, weightDecay: 0 },
  { name: 'momentum 0.9', lr: 0.02, momentum: 0.9, weightDecay: 0 },
  { name: 'momentum and weight decay', lr: 0.02, momentum: 0.5, weightDecay: 0.1 },
];

function worst(got: number[], want: number[]): number {
  expect(got.length).toBe(want.length);
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]!) / Math.max(1, Math.abs(want[i]!))));
}

describe('optim.SGD', () => {
  for (const o of OPTIONS) {
    it(`matches torch.optim.SGD over ten steps, momentum buffers included (${o.name})`, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        torch.manualSeed(5);
        const params = [[40], [7, 3]].map((shape) => torch.randn(shape).to(dtype).requiresGrad_());
        const weights = params.map((p) => torch.randn(p.shape).to(dtype));
        const spec = (t: torch.Tensor): TensorSpec => ({ data: t.toArray(), shape: t.shape, dtype });
        const initial = params.map(spec);
        const opt = new torch.optim.SGD(params, o);
        for (let s = 0; s < 10; s++) {
          opt.zeroGrad();
          params
            .map((p, i) =>
              p
                .mul(p)
                .mul(weights[i]!)
                .sum()
                .add(p.mul(weights[i]!).sum())
                .mul([3, 0.2][s % 2]!),
            )
            .reduce((x, y) => x.add(y))
            .backward();
          opt.step();
        }
        const ref = pytorch<{ params: TensorSpec[]; buffers: TensorSpec[] }>(SCRIPT, {
          dtype,
          params: initial,
          weights: weights.map(spec),
          options: o,
          steps: 10,
        });
        const tol = dtype === 'float64' ? 1e-12 : 1e-6;
        params.forEach((p, i) => expect(worst(p.toArray(), ref.params[i]!.data), dtype).toBeLessThanOrEqual(tol));
        const state = opt.stateDict().state;
        if (o.momentum > 0) {
          ref.buffers.forEach((b, i) =>
            expect(worst(state.get(i)!.momentum_buffer!.toArray(), b.data)).toBeLessThanOrEqual(tol),
          );
        } else {
          expect(state.size).toBe(0);
        }
      }
    });
  }

  it('saves a state PyTorch loads and continues as this SGD does, and continues one PyTorch saved', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgd-state-'));
    const x = [
      [0.5, -1, 2],
      [1.5, 0.25, -0.75],
    ];
    const step = (linear: torch.nn.Linear, opt: torch.optim.SGD): void => {
      opt.zeroGrad();
      const y = linear.forward(torch.tensor(x));
      y.mul(y).sum().backward();
      opt.step();
    };
    torch.manualSeed(2);
    const linear = new torch.nn.Linear(3, 2);
    const opt = new torch.optim.SGD(linear.parameters(), { lr: 0.03, momentum: 0.9 });
    for (let i = 0; i < 3; i++) step(linear, opt);
    const files = { model: join(dir, 'model.pt'), optim: join(dir, 'optim.pt'), back: join(dir, 'back.pt') };
    torch.save(linear.stateDict(), files.model);
    torch.save(opt.stateDict(), files.optim);
    const py = pytorch<{ weight: number[]; bias: number[] }>(
      `lin = torch.nn.Linear(3, 2)
lin.load_state_dict(torch.load(inp['model']))
opt = torch.optim.SGD(lin.parameters(), lr=0.5, momentum=0.9)
opt.load_state_dict(torch.load(inp['optim'], **SAFE))
assert opt.param_groups[0]['lr'] == 0.03
x = torch.tensor(inp['x'])
opt.zero_grad(); (lin(x) ** 2).sum().backward(); opt.step()
torch.save(opt.state_dict(), inp['back'])
out({'weight': lin.weight.reshape(-1).tolist(), 'bias': lin.bias.tolist()})`,
      { x, ...files },
    );
    step(linear, opt);
    const weights = linear.stateDict();
    expect(worst(weights.weight!.toArray(), py.weight)).toBeLessThanOrEqual(1e-6);
    expect(worst(weights.bias!.toArray(), py.bias)).toBeLessThanOrEqual(1e-6);
    // PyTorch's state after its step, loaded here: the same buffers as this SGD's after the same step.
    const other = new torch.optim.SGD(linear.parameters(), { lr: 1, momentum: 0.9 });
    other.loadStateDict(torch.load(files.back));
    expect(other.lr).toBe(0.03);
    const mine = opt.stateDict().state;
    other
      .stateDict()
      .state.forEach((entry, i) =>
        expect(worst(entry.momentum_buffer!.toArray(), mine.get(i)!.momentum_buffer!.toArray())).toBeLessThanOrEqual(
          1e-6,
        ),
      );
  });

  it('refuses a state of another momentum, naming it', () => {
    const linear = new torch.nn.Linear(3, 2);
    const opt = new torch.optim.SGD(linear.parameters(), { lr: 0.1, momentum: 0.9 });
    const plain = new torch.optim.SGD(linear.parameters(), { lr: 0.1 });
    expect(() => plain.loadStateDict(opt.stateDict())).toThrow(/momentum 0.9/);
    expect(() => new torch.optim.SGD(linear.parameters(), { lr: -1 })).toThrow(/lr/);
  });
});
