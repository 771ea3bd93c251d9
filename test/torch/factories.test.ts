import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';

describe('factories', () => {
  it('infers dtypes as torch.tensor does', () => {
    expect(torch.tensor([1, 2]).dtype).toBe('int64');
    expect(torch.tensor([1, 2.5]).dtype).toBe('float32');
    expect(torch.tensor([true]).dtype).toBe('bool');
    expect(torch.tensor(3).shape).toEqual([]);
    expect(torch.tensor([[1], [2]], { dtype: 'float64' }).dtype).toBe('float64');
    expect(torch.tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    expect(torch.tensor(new BigInt64Array([1n, 2n])).toArray()).toEqual([1, 2]);
  });

  it('rounds float data to float32 exactly as PyTorch does', () => {
    expect(torch.tensor([0.1]).toArray()[0]).toBe(Math.fround(0.1));
  });

  it('builds zeros, ones, full, arange and seeded random tensors', () => {
    expect(torch.zeros([2, 2]).toArray()).toEqual([0, 0, 0, 0]);
    expect(torch.ones([2], { dtype: 'int64' }).toArray()).toEqual([1, 1]);
    expect(torch.full([2], 7).toArray()).toEqual([7, 7]);
    expect(torch.arange(4).toArray()).toEqual([0, 1, 2, 3]);
    torch.manualSeed(42);
    const a = torch.randn([5]).toArray();
    torch.manualSeed(42);
    expect(torch.randn([5]).toArray()).toEqual(a);
    expect(
      torch
        .rand([100])
        .toArray()
        .every((v) => v >= 0 && v < 1),
    ).toBe(true);
  });

  it('rejects ragged arrays, mixed types and bad shapes with a named argument', () => {
    expect(() => torch.tensor([[1, 2], [3]])).toThrow(
      'Expected data[1] to be an array of length 2: nested arrays must be rectangular',
    );
    expect(() => torch.tensor([1, true])).toThrow('Expected data to hold only numbers or only booleans');
    expect(() => torch.zeros([2, -1])).toThrow(
      'Expected an integer of at least 0 for shape[1] but received -1 of type number',
    );
    expect(() => torch.zeros([2], { dtype: 'complex' as never })).toThrow(/for dtype but received complex/);
    expect(() => torch.tensor(['a' as never])).toThrow(/Expected a number or boolean for data\[0\]/);
  });

  it('says plainly when a device cannot be honoured', () => {
    expect(() => torch.zeros([1], { device: 'tpu' as never })).toThrow(/Expected "cpu", "cuda" or "cuda:N" for device/);
    if (!torch.cuda.isAvailable()) {
      expect(() => torch.zeros([1], { device: 'cuda' })).toThrow(/Device "cuda" was requested but/);
      expect(() => torch.zeros([1], { device: 'cuda:1' })).toThrow(/Device "cuda:1" was requested but/);
    } else {
      const n = torch.cuda.deviceCount();
      expect(() => torch.zeros([1], { device: `cuda:${n}` })).toThrow(/only \d+ CUDA device/);
    }
  });
});
