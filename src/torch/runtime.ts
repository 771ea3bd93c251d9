/** Process-wide libtorch state: seeding, intra-op threads, CUDA presence, live tensors, build facts. */
import { checkInteger, checkOneOf } from '../util/check.js';
import { native } from './addon.js';
import type { BuildInfo } from './addon-types.js';

/** Seeds libtorch's CPU and CUDA generators, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  native.manualSeed(checkInteger('seed', seed, 0, Number.MAX_SAFE_INTEGER));
}

/**
 * Sets libtorch's intra-op thread count, and OpenBLAS's when it is libtorch's BLAS (its thread pool is its own:
 * without this a product would still use every core). It starts at SEQ2SEQ_NUM_THREADS, else OMP_NUM_THREADS,
 * else the machine's core count.
 */
export function setNumThreads(threads: number): void {
  native.setNumThreads(checkInteger('threads', threads, 1, 1024));
}

/**
 * Sets the floating-point type of new parameters and float tensors, like `torch.set_default_dtype`
 * (`float32` unless changed; `float64` for numerical cross-checks).
 */
export function setDefaultDtype(dtype: 'float32' | 'float64'): void {
  native.setDefaultDtype(checkOneOf('dtype', dtype, ['float32', 'float64']));
}

/** The current default floating-point type. */
export function getDefaultDtype(): 'float32' | 'float64' {
  return native.getDefaultDtype();
}

/** libtorch's intra-op thread count. */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/** OpenBLAS's thread count (which {@link setNumThreads} sets too), or null when libtorch's BLAS is another. */
export function getBlasThreads(): number | null {
  return native.getBlasThreads();
}

/** Live native tensors: handles created and not yet disposed or collected. Tests assert it returns to zero. */
export function memory(): { numTensors: number } {
  return { numTensors: native.liveTensors() };
}

/** What the addon was built against (version, CUDA, C++ ABI, threading). */
export function buildInfo(): BuildInfo {
  return native.buildInfo();
}

/** CUDA queries, like `torch.cuda`. */
export const cuda = {
  /** Whether this libtorch has CUDA and a CUDA device is visible. */
  isAvailable(): boolean {
    return native.cudaIsAvailable();
  },
  /** Visible CUDA devices (0 without CUDA). */
  deviceCount(): number {
    return native.cudaDeviceCount();
  },
};
