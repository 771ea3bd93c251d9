/**
 * optim.SGD against torch.optim.SGD: the parameters after ten steps of a loss whose gradient depends on them, with
 * and without momentum and weight decay, in float64 (within 1e-12 of max(1, |PyTorch|): the same arithmetic)
 * and float32 (1e-6); and the state in PyTorch's format both ways: a state torch.optim.SGD saved continues here
 * as it continues there, and PyTorch loads the one saved here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { pytorch, type TensorSpec } from '../../helpers/pytorch.js';

// Every case in one Python process (its start is most of the time).
const SCRIPT = `
def run(case):
    dtype = DTYPES[case['dtype']]
    ps = [T(s).to(dtype).requires_grad_(True) for s in case['params']]
    ws = [T(s).to(dtype) for s in case['weights']]
    o = case['options']
    opt = torch.optim.SGD(ps, lr=o['lr'], momentum=o['momentum'], weight_decay=o['weightDecay'])
    for s in range(case['steps']):
        opt.zero_grad(set_to_none=True)
        sum(((p * p * w).sum() + (p * w).sum()) * [3.0, 0.2][s % 2] for p, w in zip(ps, ws)).backward()
        opt.step()
    return {'params': [J(p) for p in ps],
            'buffers': [J(opt.state[p]['momentum_buffer']) for p in ps] if o['momentum'] > 0 else []}
out([run(case) for case in inp['cases']])
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

interface Case {
  name: string;
  dtype: 'float32' | 'float64';
  options: (typeof OPTIONS)[number];
  initial: TensorSpec[];
  weights: TensorSpec[];
  params: number[][];
  buffers: number[][];
}

/** Ten steps of this SGD from seeded parameters; what it ends with, and what PyTorch needs to replay it. */
function runCase(options: (typeof OPTIONS)[number], dtype: 'float32' | 'float64'): Case {
  torch.manualSeed(5);
  const params = [[40], [7, 3]].map((shape) => torch.randn(shape).to(dtype).requiresGrad_());
  const weights = params.map((p) => torch.randn(p.shape).to(dtype));
  const spec = (t: torch.Tensor): TensorSpec => ({ data: t.toArray(), shape: t.shape, dtype });
  const initial = params.map(spec);
  const opt = new torch.optim.SGD(params, options);
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
  const state = opt.stateDict().state;
  return {
    name: options.name,
    dtype,
    options,
    initial,
    weights: weights.map(spec),
    params: params.map((p) => p.toArray()),
    buffers: [...state.values()].map((entry) => entry.momentum_buffer!.toArray()),
  };
}

describe('optim.SGD', () => {
  const cases = OPTIONS.flatMap((o) => (['float64', 'float32'] as const).map((dtype) => runCase(o, dtype)));
  let references: { params: TensorSpec[]; buffers: TensorSpec[] }[] = [];
  beforeAll(() => {
    references = pytorch(SCRIPT, {
      cases: cases.map((c) => ({
        dtype: c.dtype,
        params: c.initial,
        weights: c.weights,
        options: c.options,
        steps: 10,
      })),
    });
  });

  cases.forEach((c, k) => {
    it(`matches torch.optim.SGD over ten steps, momentum buffers included (${c.name}, ${c.dtype})`, () => {
      const ref = references[k]!;
      const tol = c.dtype === 'float64' ? 1e-12 : 1e-6;
      c.params.forEach((p, i) => expect(worst(p, ref.params[i]!.data)).toBeLessThanOrEqual(tol));
      // Without momentum there is no buffer (PyTorch keeps None).
      expect(c.buffers).toHaveLength(ref.buffers.length);
      c.buffers.forEach((b, i) => expect(worst(b, ref.buffers[i]!.data)).toBeLessThanOrEqual(tol));
      if (c.options.momentum > 0) expect(c.buffers).toHaveLength(2);
    });
  });

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
