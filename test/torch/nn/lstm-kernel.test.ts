/**
 * The LSTM the training and decoding jobs run (native/kernels/lstm_cpu.h: a fused pass per step and a hand-written
 * backward on the CPU) against PyTorch's nn.LSTM on the same weights and inputs: outputs, final states, and the
 * gradients of a weighted sum of them for every parameter, the input and the initial state. Sequences of
 * different lengths go to PyTorch packed (pack_padded_sequence), as the encoder packs them.
 * Tolerances, relative to each tensor's largest element (at least 1): float64 1e-12 (the same arithmetic); float32
 * 2e-6 (exp and tanh come from another implementation than ATen's, and sums over time are taken in another order).
 */
import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { DEVICE } from '../../helpers/device.js';
import { lstmForwardKernel } from '../../helpers/kernels.js';
import { pytorch, type TensorSpec } from '../../helpers/pytorch.js';

const SCRIPT = `
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
dtype = DTYPES[inp['dtype']]
m = torch.nn.LSTM(inp['input'], inp['hidden'], inp['layers'], bidirectional=inp['bidirectional']).to(DEVICE, dtype)
m.load_state_dict({k: T(v) for k, v in inp['state'].items()})
x, h0, c0, wo, wh, wc = (T(inp[k]) for k in ['x', 'h0', 'c0', 'wo', 'wh', 'wc'])
for t in (x, h0, c0):
    t.requires_grad_(True)
if inp['lengths'] is None:
    o, (h, c) = m(x, (h0, c0))
else:
    packed = pack_padded_sequence(x, torch.tensor(inp['lengths']), enforce_sorted=False)
    o, (h, c) = m(packed, (h0, c0))
    o, _ = pad_packed_sequence(o, total_length=x.size(0))
((o * wo).sum() + (h * wh).sum() + (c * wc).sum()).backward()
res = {'out': J(o), 'h': J(h), 'c': J(c), 'dx': J(x.grad), 'dh0': J(h0.grad), 'dc0': J(c0.grad)}
res.update({k: J(p.grad) for k, p in m.named_parameters()})
out(res)
`;

interface Case {
  name: string;
  steps: number;
  batch: number;
  input: number;
  hidden: number;
  layers: number;
  bidirectional?: boolean;
  lengths?: number[];
}

const CASES: Case[] = [
  { name: '4 layers, as the notebook', steps: 6, batch: 3, input: 5, hidden: 8, layers: 4 },
  { name: 'one step (a decoder step)', steps: 1, batch: 4, input: 5, hidden: 8, layers: 2 },
  { name: 'sequences of different lengths', steps: 6, batch: 4, input: 5, hidden: 8, layers: 2, lengths: [6, 2, 4, 1] },
  {
    name: 'bidirectional, different lengths',
    steps: 5,
    batch: 3,
    input: 4,
    hidden: 6,
    layers: 2,
    bidirectional: true,
    lengths: [2, 5, 3],
  },
  { name: 'a wide batch (vector loops and threads)', steps: 4, batch: 70, input: 30, hidden: 64, layers: 2 },
];

const spec = (t: torch.Tensor): TensorSpec => ({ data: t.toArray(), shape: t.shape, dtype: t.dtype as 'float32' });

function compare(c: Case, dtype: 'float32' | 'float64'): number {
  torch.manualSeed(7);
  const lstm = new torch.nn.LSTM(c.input, c.hidden, { numLayers: c.layers, bidirectional: c.bidirectional ?? false });
  lstm.to(dtype).to(DEVICE);
  const d = c.bidirectional ? 2 : 1;
  const make = (shape: number[]) => torch.randn(shape).to(dtype).to(DEVICE);
  const x = make([c.steps, c.batch, c.input]).requiresGrad_();
  const h0 = make([c.layers * d, c.batch, c.hidden]).requiresGrad_();
  const c0 = make([c.layers * d, c.batch, c.hidden]).requiresGrad_();
  const [wo, wh, wc] = [make([c.steps, c.batch, d * c.hidden]), make(h0.shape), make(c0.shape)];
  const [out, [h, cN]] = lstmForwardKernel(lstm, x, [h0, c0], c.lengths);
  out.mul(wo).sum().add(h.mul(wh).sum()).add(cN.mul(wc).sum()).backward();
  const ours: Record<string, number[]> = {
    out: out.toArray(),
    h: h.toArray(),
    c: cN.toArray(),
    dx: x.grad!.toArray(),
    dh0: h0.grad!.toArray(),
    dc0: c0.grad!.toArray(),
  };
  for (const [name, p] of lstm.namedParameters()) ours[name] = p.grad!.toArray();
  const ref = pytorch<Record<string, TensorSpec>>(SCRIPT, {
    device: DEVICE,
    dtype,
    input: c.input,
    hidden: c.hidden,
    layers: c.layers,
    bidirectional: c.bidirectional ?? false,
    lengths: c.lengths ?? null,
    state: Object.fromEntries(Object.entries(lstm.stateDict()).map(([k, t]) => [k, spec(t)])),
    x: spec(x),
    h0: spec(h0),
    c0: spec(c0),
    wo: spec(wo),
    wh: spec(wh),
    wc: spec(wc),
  });
  expect(Object.keys(ref).sort()).toEqual(Object.keys(ours).sort());
  let worst = 0;
  for (const [key, want] of Object.entries(ref)) {
    const got = ours[key]!;
    expect(got.length, key).toBe(want.data.length);
    const scale = Math.max(1, ...want.data.map(Math.abs));
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want.data[i]!) / scale);
  }
  if (c.lengths) {
    // Like pad_packed_sequence: zero output past each sequence's length.
    const o = out.toArray();
    const width = d * c.hidden;
    c.lengths.forEach((n, b) => {
      for (let t = n; t < c.steps; t++) {
        for (let j = 0; j < width; j++) expect(o[(t * c.batch + b) * width + j]).toBe(0);
      }
    });
  }
  return worst;
}

describe('the jobs’ LSTM kernel matches torch.nn.LSTM', () => {
  for (const c of CASES) {
    it(`${c.name}: outputs, states and every gradient (float64 <= 1e-12, float32 <= 2e-6)`, () => {
      const exact = compare(c, 'float64');
      const single = compare(c, 'float32');
      console.log(`LSTM kernel, ${c.name}: float64 ${exact.toExponential(1)}, float32 ${single.toExponential(1)}`);
      expect(exact).toBeLessThanOrEqual(1e-12);
      expect(single).toBeLessThanOrEqual(2e-6);
    });
  }

  it('rejects inputs, states and lengths of the wrong shape with an Error', () => {
    const lstm = new torch.nn.LSTM(3, 4, { numLayers: 2 });
    const state: [torch.Tensor, torch.Tensor] = [torch.zeros([2, 2, 4]), torch.zeros([2, 2, 4])];
    expect(() => lstmForwardKernel(lstm, torch.randn([5, 2, 7]), state)).toThrow(/input as \[steps, batch, 3\]/);
    expect(() => lstmForwardKernel(lstm, torch.randn([5, 3, 3]), state)).toThrow(/state as \[2, 3, 4\]/);
    expect(() => lstmForwardKernel(lstm, torch.randn([5, 2, 3]), state, [5])).toThrow(/one length per sequence/);
    expect(() => lstmForwardKernel(lstm, torch.randn([5, 2, 3]), state, [6, 1])).toThrow(/lengths from 1 to 5/);
    expect(() => lstmForwardKernel(lstm, torch.randn([5, 2, 3]).to('float64'), state)).toThrow(/one dtype/);
  });
});
