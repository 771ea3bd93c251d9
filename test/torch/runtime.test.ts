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

  it("sets OpenBLAS's own thread pool with libtorch's threads, so that one thread means one core", () => {
    const threads = torch.getNumThreads();
    try {
      torch.setNumThreads(1);
      // null where libtorch's BLAS is not OpenBLAS (pip's wheels bring MKL or OpenBLAS of their own).
      if (torch.buildInfo().openblas) expect(torch.getBlasThreads()).toBe(1);
      else expect(torch.getBlasThreads()).toBeNull();
      torch.setNumThreads(2);
      if (torch.buildInfo().openblas) expect(torch.getBlasThreads()).toBe(2);
    } finally {
      torch.setNumThreads(threads);
    }
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
