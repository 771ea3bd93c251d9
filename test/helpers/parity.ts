/**
 * Module parity against PyTorch: the same weights and inputs go through our module and PyTorch's; the
 * outputs, the gradients of a weighted sum of the outputs (for parameters and inputs), and the losses and
 * parameters after Adam steps are compared.
 */
import { spawnSync } from 'node:child_process';
import * as torch from '../../src/torch/index.js';
import { DEVICE, ON_CUDA } from './device.js';
import { maxAbsDiff, PYTHON, pytorch, type TensorSpec } from './pytorch.js';

type Forward = (inputs: torch.Tensor[]) => torch.Tensor[];

export interface ParityCase {
  /** How PyTorch calls the module on the inputs: 'single' m(x), 'lstm' m(x, (h0, c0)), 'pair' m(x, y). */
  call: 'single' | 'lstm' | 'pair';
  /** The PyTorch module, as a Python expression. */
  ctor: string;
  module: torch.nn.Module;
  forward: Forward;
  inputs: torch.Tensor[];
  adam?: torch.optim.AdamOptions;
  adamSteps?: number;
}

export interface ParityResult {
  output: number;
  paramGrads: number;
  inputGrads: number;
  adamLosses: number;
  adamParams: number;
}

const spec = (t: torch.Tensor): TensorSpec => ({
  data: t.toArray(),
  shape: t.shape,
  dtype: t.dtype as TensorSpec['dtype'],
});

const SCRIPT = `
m = eval(inp['ctor']).to(DEVICE)
m.load_state_dict({k: T(v) for k, v in inp['state'].items()})
xs = [T(s) for s in inp['inputs']]
for x in xs:
    if x.is_floating_point(): x.requires_grad_(True)
ws = [T(s) for s in inp['weights']]
def forward():
    if inp['call'] == 'lstm':
        o, (h, c) = m(xs[0], (xs[1], xs[2]))
        return [o, h, c]
    if inp['call'] == 'pair':
        return [m(xs[0], xs[1])]
    return [m(xs[0])]
def objective(outs):
    return sum((o * w).sum() for o, w in zip(outs, ws))
outs = forward()
objective(outs).backward()
result = {
    'output': [J(o) for o in outs],
    'paramGrads': {k: J(p.grad) for k, p in m.named_parameters()},
    'inputGrads': [J(x.grad) for x in xs if x.grad is not None],
    'adamLosses': [], 'adamParams': {},
}
if inp['adamSteps'] > 0:
    a = inp['adam']
    opt = torch.optim.Adam(m.parameters(), lr=a['lr'], betas=tuple(a['betas']), eps=a['eps'], weight_decay=a['weightDecay'])
    for _ in range(inp['adamSteps']):
        opt.zero_grad(set_to_none=True)
        loss = objective(forward())
        result['adamLosses'].append(loss.item())
        loss.backward()
        opt.step()
    result['adamParams'] = {k: J(p) for k, p in m.named_parameters()}
out(result)
`;

interface Reference {
  output: TensorSpec[];
  paramGrads: Record<string, TensorSpec>;
  inputGrads: TensorSpec[];
  adamLosses: number[];
  adamParams: Record<string, TensorSpec>;
}

const flat = (specs: TensorSpec[]): number[] => specs.flatMap((s) => s.data);

/** Runs one case on DEVICE and returns the largest absolute difference of each compared quantity. */
export function runParity(c: ParityCase): ParityResult {
  const adam = { lr: 0.01, betas: [0.9, 0.999] as [number, number], eps: 1e-8, weightDecay: 0, ...c.adam };
  const adamSteps = c.adamSteps ?? (c.module.parameters().length > 0 ? 5 : 0);
  c.module.to(DEVICE);
  const state = Object.fromEntries(Object.entries(c.module.stateDict()).map(([k, t]) => [k, spec(t)]));
  const inputs = c.inputs.map((x) => x.to(DEVICE));
  for (const x of inputs) if (x.dtype.startsWith('float')) x.requiresGrad_();

  const outs = c.forward(inputs);
  const weights = outs.map((o) => torch.rand(o.shape, { device: DEVICE }));
  const objective = (os: torch.Tensor[]): torch.Tensor =>
    os.map((o, i) => o.mul(weights[i] as torch.Tensor).sum()).reduce((a, b) => a.add(b));
  objective(outs).backward();
  const ours = {
    output: outs.map(spec),
    paramGrads: c.module.namedParameters().map(([name, p]) => [name, spec(p.grad as torch.Tensor)] as const),
    inputGrads: inputs.flatMap((x) => (x.grad ? [spec(x.grad)] : [])),
    adamLosses: [] as number[],
    adamParams: [] as (readonly [string, TensorSpec])[],
  };
  if (adamSteps > 0) {
    const opt = new torch.optim.Adam(c.module.parameters(), adam);
    for (let s = 0; s < adamSteps; s++) {
      opt.zeroGrad();
      const loss = objective(c.forward(inputs));
      ours.adamLosses.push(loss.item());
      loss.backward();
      opt.step();
    }
    ours.adamParams = c.module.namedParameters().map(([name, p]) => [name, spec(p)] as const);
  }

  const ref = pytorch<Reference>(SCRIPT, {
    device: DEVICE,
    ctor: c.ctor,
    call: c.call,
    state,
    inputs: inputs.map(spec),
    weights: weights.map(spec),
    adam,
    adamSteps,
  });
  const byName = (pairs: (readonly [string, TensorSpec])[], named: Record<string, TensorSpec>): number =>
    Math.max(
      0,
      ...pairs.map(([name, s]) => {
        const r = named[name];
        if (!r) throw new Error(`PyTorch has no parameter named ${name}`);
        return maxAbsDiff(s.data, r.data);
      }),
    );
  return {
    output: maxAbsDiff(flat(ours.output), flat(ref.output)),
    paramGrads: byName(ours.paramGrads, ref.paramGrads),
    inputGrads: maxAbsDiff(flat(ours.inputGrads), flat(ref.inputGrads)),
    adamLosses: maxAbsDiff(ours.adamLosses, ref.adamLosses),
    adamParams: byName(ours.adamParams, ref.adamParams),
  };
}

/** Whether the reference PyTorch is another minor version than the addon's libtorch (pip's 2.x against Debian's 1.13). */
function crossVersion(): boolean {
  const minor = (v: string): string => v.split('.').slice(0, 2).join('.');
  const result = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return result.status === 0 && minor(result.stdout.trim()) !== minor(torch.buildInfo().torchVersion);
}

/**
 * The tolerance of every parity check: 1e-6 on the CPU against the same libtorch (Debian's PyTorch: in practice
 * the difference is 0); 1e-5 on CUDA, where cuDNN may pick another algorithm between processes, and against
 * another libtorch version, whose kernels (MKL and oneDNN in pip's wheels, rounding by memory alignment) round
 * otherwise from the first product on, which a few float32 Adam steps amplify.
 */
export const TOLERANCE = ON_CUDA || crossVersion() ? 1e-5 : 1e-6;

/** Prints the measured differences beside the tolerance, then returns the largest. */
export function report(name: string, r: ParityResult, tolerance = TOLERANCE): number {
  const cells = Object.entries(r).map(([k, v]) => `${k} ${v.toExponential(2)}`);
  console.log(`parity ${name} on ${DEVICE}: max |ours - PyTorch|: ${cells.join(', ')} (tolerance ${tolerance})`);
  return Math.max(...Object.values(r));
}
