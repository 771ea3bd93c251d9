import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';

describe('runtime', () => {
  it('defaults libtorch’s intra-op threads to the machine’s cores and lets them be set', () => {
    if (!process.env.SEQ2SEQ_NUM_THREADS && !process.env.OMP_NUM_THREADS) {
      expect(torch.getNumThreads()).toBe(availableParallelism());
    }
    torch.setNumThreads(1);
    expect(torch.getNumThreads()).toBe(1);
    expect(() => torch.setNumThreads(0)).toThrow(
      'Expected an integer between 1 and 1024 for threads but received 0 of type number',
    );
  });

  it('describes the libtorch it was built against', () => {
    const info = torch.buildInfo();
    expect(info.torchVersion).toMatch(/^\d+\.\d+/);
    expect(typeof info.cudaBuild).toBe('boolean');
    expect(info.parallelInfo).toMatch(/ATen\/Parallel/);
  });

  it('answers CUDA queries consistently', () => {
    expect(torch.cuda.isAvailable()).toBe(torch.cuda.deviceCount() > 0);
  });
});
