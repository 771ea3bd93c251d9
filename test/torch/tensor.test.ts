import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import { maxAbsDiff, pytorch, type TensorSpec } from '../helpers/pytorch.js';

describe('Tensor', () => {
  it('reports shape, dtype and device', () => {
    const t = torch.zeros([4, 1, 128]);
    expect(t.shape).toEqual([4, 1, 128]);
    expect(t.size(-1)).toBe(128);
    expect(t.dtype).toBe('float32');
    expect(t.device).toBe('cpu');
    expect(t.ndim).toBe(3);
    expect(t.numel()).toBe(512);
  });

  it('reshapes like the notebook: view(-1, 1), view(1, 1, -1), unsqueeze, squeeze', () => {
    const source = torch.tensor([5, 2, 9]).view(-1, 1);
    expect(source.shape).toEqual([3, 1]);
    expect(source.get(1).unsqueeze(0).shape).toEqual([1, 1]);
    expect(torch.randn([30]).view(1, 1, -1).shape).toEqual([1, 1, 30]);
    expect(torch.zeros([1, 1, 4]).squeeze().shape).toEqual([4]);
    expect(torch.zeros([1, 1, 4]).squeeze(0).shape).toEqual([1, 4]);
  });

  it('takes topk like PyTorch, values and indices', () => {
    const [values, indices] = torch.tensor([[0.1, 0.7, 0.2]]).topk(1);
    expect(values.toArray()[0]).toBeCloseTo(0.7, 6);
    expect(indices.dtype).toBe('int64');
    expect(indices.squeeze().detach().item()).toBe(1);
  });

  it('accumulates a loss with add and add_', () => {
    let loss = torch.tensor(0, { dtype: 'float32' });
    loss = loss.add(torch.tensor(1.5));
    loss.add_(2);
    expect(loss.item()).toBe(3.5);
    expect(torch.tensor([1, 2, 3]).sum().item()).toBe(6);
  });

  it('computes elementwise arithmetic and reductions exactly as PyTorch', () => {
    torch.manualSeed(7);
    const a = torch.randn([3, 4]);
    const b = torch.rand([3, 4]).add(0.5);
    const ours = [
      a.add(b, 2),
      a.sub(b),
      a.mul(b),
      a.div(b),
      b.log(),
      a.exp(),
      a.neg(),
      a.matmul(b.transpose(0, 1)),
      a.sum(1),
      a.mean(0, true),
    ];
    const spec = (t: torch.Tensor): TensorSpec => ({ data: t.toArray(), shape: t.shape });
    const ref = pytorch<{ data: number[] }[]>(
      `a, b = T(inp['a']), T(inp['b'])
out([J(t) for t in [a.add(b, alpha=2), a - b, a * b, a / b, b.log(), a.exp(), -a, a @ b.t(), a.sum(1), a.mean(0, keepdim=True)]])`,
      { a: spec(a), b: spec(b) },
    );
    const diff = Math.max(...ours.map((t, i) => maxAbsDiff(t.toArray(), ref[i]!.data)));
    console.log(`parity tensor ops on cpu: max |ours - PyTorch| ${diff.toExponential(2)} (tolerance 1e-6)`);
    expect(diff).toBeLessThanOrEqual(1e-6);
  });

  it('backpropagates and detaches', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad?.toArray()).toEqual([2, 4, 6]);
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(x.requiresGrad).toBe(true);
  });

  it('moves between dtypes and copies in place', () => {
    const t = torch.tensor([1.5, 2.5]);
    expect(t.to('float64').dtype).toBe('float64');
    expect(t.to({ dtype: 'int64' }).toArray()).toEqual([1, 2]);
    const target = torch.zeros([2]);
    target.copy_(t);
    expect(target.toArray()).toEqual([1.5, 2.5]);
  });

  it('reads its data as typed arrays, flat arrays and nested lists', () => {
    const t = torch.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(t.toTypedArray()).toBeInstanceOf(BigInt64Array);
    expect(t.toArray()).toEqual([1, 2, 3, 4]);
    expect(t.tolist()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(torch.tensor([true, false]).tolist()).toEqual([true, false]);
    expect(String(torch.tensor([1, 2]))).toBe('tensor([1,2], dtype=int64, device=cpu)');
  });

  it('throws a JS Error with libtorch’s message for bad operations, without a C++ backtrace', () => {
    const a = torch.zeros([2, 3]);
    expect(() => a.view(4)).toThrow("shape '[4]' is invalid for input of size 6");
    expect(() => a.add(torch.zeros([4]))).toThrow(/The size of tensor a \(3\) must match the size of tensor b \(4\)/);
    expect(() => a.matmul(torch.zeros([3, 2], { dtype: 'float64' }))).toThrow(/expected .*(dtype|scalar type)/i);
    expect(() => a.item()).toThrow(/cannot be converted to Scalar/);
    try {
      a.view(4);
    } catch (err) {
      expect((err as Error).message).not.toMatch(/frame #|Exception raised from/);
    }
  });

  it('throws when a disposed tensor is used again, and dispose is idempotent', () => {
    const t = torch.ones([2]);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.sum()).toThrow('Tensor used after dispose()');
    expect(() => torch.ones([2]).add(t)).toThrow('Tensor used after dispose()');
    expect(() => t.dispose()).not.toThrow();
  });

  it('releases through `using`', () => {
    const before = torch.memory().numTensors;
    {
      using t = torch.ones([3]);
      expect(t.numel()).toBe(3);
    }
    expect(torch.memory().numTensors).toBe(before);
  });

  it("shows a contiguous CPU tensor's bytes without copying them, kept alive by the view", () => {
    const t = torch.tensor([1, 2, 3], { dtype: 'float32' });
    const view = t.handle.bytesView();
    expect(Array.from(new Float32Array(view.buffer, view.byteOffset, 3))).toEqual([1, 2, 3]);
    t.copy_(torch.tensor([4, 5, 6], { dtype: 'float32' })); // not a copy: later writes show
    expect(Array.from(new Float32Array(view.buffer, view.byteOffset, 3))).toEqual([4, 5, 6]);
    t.dispose();
    expect(Array.from(new Float32Array(view.buffer, view.byteOffset, 3))).toEqual([4, 5, 6]);
    expect(torch.tensor(new BigInt64Array([1n, -2n])).handle.bytesView()).toEqual(
      new Uint8Array(new BigInt64Array([1n, -2n]).buffer),
    );
    expect(torch.zeros([0]).handle.bytesView()).toEqual(new Uint8Array(0));
    expect(() => torch.zeros([2, 3]).transpose(0, 1).handle.bytesView()).toThrow(/contiguous CPU tensor/);
    expect(() => torch.zeros([2], { dtype: 'float16' }).handle.bytesView()).toThrow(/not float16/);
  });
});
