import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { pytorch } from '../../helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'adam-state-'));
const X = [
  [0.5, -1, 2],
  [1.5, 0.25, -0.75],
];
// Tolerance: float32 weights after one Adam step from the same state, absolute.
const TOL = 1e-6;

/** One step of the loss sum(linear(x)^2). */
function step(linear: torch.nn.Linear, opt: torch.optim.Adam): void {
  opt.zeroGrad();
  const y = linear.forward(torch.tensor(X));
  y.mul(y).sum().backward();
  opt.step();
}

const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('Adam state in PyTorch’s format', () => {
  it('continues from a state that torch.optim.Adam saved, as PyTorch continues it', () => {
    const model = join(dir, 'py-model.pt');
    const optim = join(dir, 'py-optim.pt');
    const after = pytorch<{ weight: number[]; bias: number[] }>(
      `torch.manual_seed(0)
lin = torch.nn.Linear(3, 2)
opt = torch.optim.Adam(lin.parameters(), lr=0.05, betas=(0.8, 0.99))
x = torch.tensor(inp['x'])
def step():
    opt.zero_grad(); (lin(x) ** 2).sum().backward(); opt.step()
for _ in range(3): step()
torch.save(lin.state_dict(), inp['model']); torch.save(opt.state_dict(), inp['optim'])
step()
out({'weight': lin.weight.reshape(-1).tolist(), 'bias': lin.bias.tolist()})`,
      { x: X, model, optim },
    );
    const linear = new torch.nn.Linear(3, 2);
    linear.loadStateDict(torch.loadTensors(model));
    const opt = new torch.optim.Adam(linear.parameters(), { lr: 0.001, betas: [0.8, 0.99] });
    opt.loadStateDict(torch.load(optim));
    expect(opt.lr).toBe(0.05);
    step(linear, opt);
    expect(maxDiff(linear.stateDict().weight!.toArray(), after.weight)).toBeLessThanOrEqual(TOL);
    expect(maxDiff(linear.stateDict().bias!.toArray(), after.bias)).toBeLessThanOrEqual(TOL);
  });

  it('saves a state that torch.optim.Adam loads and continues as this Adam does', () => {
    torch.manualSeed(1);
    const linear = new torch.nn.Linear(3, 2);
    const opt = new torch.optim.Adam(linear.parameters(), { lr: 0.02 });
    for (let i = 0; i < 3; i++) step(linear, opt);
    const model = join(dir, 'js-model.pt');
    const optim = join(dir, 'js-optim.pt');
    torch.save(linear.stateDict(), model);
    torch.save(opt.stateDict(), optim);
    const after = pytorch<{ weight: number[]; bias: number[]; step: number }>(
      `lin = torch.nn.Linear(3, 2)
lin.load_state_dict(torch.load(inp['model'], weights_only=True))
opt = torch.optim.Adam(lin.parameters(), lr=0.5)
opt.load_state_dict(torch.load(inp['optim'], **SAFE))
assert opt.param_groups[0]['lr'] == 0.02
x = torch.tensor(inp['x'])
opt.zero_grad(); (lin(x) ** 2).sum().backward(); opt.step()
out({'weight': lin.weight.reshape(-1).tolist(), 'bias': lin.bias.tolist(),
     'step': float(opt.state[lin.weight]['step'])})`,
      { x: X, model, optim },
    );
    step(linear, opt);
    expect(after.step).toBe(4);
    expect(maxDiff(linear.stateDict().weight!.toArray(), after.weight)).toBeLessThanOrEqual(TOL);
    expect(maxDiff(linear.stateDict().bias!.toArray(), after.bias)).toBeLessThanOrEqual(TOL);
  });

  it('refuses a state for other parameters or other betas, changing nothing', () => {
    const linear = new torch.nn.Linear(3, 2);
    const opt = new torch.optim.Adam(linear.parameters(), { lr: 0.02 });
    step(linear, opt);
    const saved = opt.stateDict();
    const other = new torch.optim.Adam([torch.zeros([2, 3]).requiresGrad_()]);
    expect(() => other.loadStateDict(saved)).toThrow(/expected 1 parameters, the state has 2/);
    const betas = new torch.optim.Adam(new torch.nn.Linear(3, 2).parameters(), { betas: [0.5, 0.9] });
    expect(() => betas.loadStateDict(saved)).toThrow(/saved with betas \[0.9,0.999\]/);
    const shapes = new torch.optim.Adam(new torch.nn.Linear(2, 3).parameters());
    expect(() => shapes.loadStateDict(saved)).toThrow(/wrong shape/);
    expect(shapes.stateDict().state.size).toBe(0);
    expect(() => opt.loadStateDict({ state: {}, param_groups: 'no' })).toThrow(/one parameter group/);
  });

  it("gives copies by default, and with copy false the optimizer's own tensors (for a file written at once)", () => {
    const linear = new torch.nn.Linear(3, 2);
    const opt = new torch.optim.Adam(linear.parameters(), { lr: 0.02 });
    step(linear, opt);
    const copied = opt.stateDict();
    const own = opt.stateDict({ copy: false });
    const before = copied.state.get(0)!.exp_avg!.toArray();
    expect(own.state.get(0)!.exp_avg!.toArray()).toEqual(before);
    step(linear, opt);
    expect(copied.state.get(0)!.exp_avg!.toArray()).toEqual(before);
    expect(own.state.get(0)!.exp_avg!.toArray()).toEqual(opt.stateDict().state.get(0)!.exp_avg!.toArray());
    expect(own.state.get(0)!.exp_avg!.toArray()).not.toEqual(before);
  });
});
