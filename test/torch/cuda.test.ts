import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';

const reason = torch.buildInfo().cudaBuild ? 'no CUDA device is visible' : 'this libtorch was built without CUDA';

describe.skipIf(!torch.cuda.isAvailable())(`CUDA (skipped when absent: ${reason})`, () => {
  it('moves tensors and modules to cuda and back, keeping values', () => {
    const x = torch.randn([3, 4]);
    const y = x.to('cuda');
    expect(y.device).toBe('cuda:0');
    expect(y.to('cpu').toArray()).toEqual(x.toArray());
    const linear = new torch.nn.Linear(4, 2).to('cuda');
    expect(linear.parameters()[0]!.device).toBe('cuda:0');
    expect(linear.forward(y).device).toBe('cuda:0');
  });

  it('rejects mixing devices with libtorch’s message', () => {
    const linear = new torch.nn.Linear(4, 2).to('cuda');
    expect(() => linear.forward(torch.randn([1, 4]))).toThrow(/device/);
  });

  it('rejects out-of-range embedding indices and targets without a device-side assert', () => {
    const embedding = new torch.nn.Embedding(5, 2).to('cuda');
    expect(() => embedding.forward(torch.tensor([5], { device: 'cuda' }))).toThrow(RangeError);
    const criterion = new torch.nn.NLLLoss();
    expect(() =>
      criterion.forward(torch.zeros([1, 3], { device: 'cuda' }), torch.tensor([7], { device: 'cuda' })),
    ).toThrow(RangeError);
    expect(embedding.forward(torch.tensor([4], { device: 'cuda' })).shape).toEqual([1, 2]);
  });
});

describe('CUDA absent', () => {
  it.skipIf(torch.cuda.isAvailable())('says plainly that cuda cannot be used', () => {
    expect(() => new torch.nn.Linear(2, 2).to('cuda')).toThrow(/Device "cuda" was requested but/);
  });
});
