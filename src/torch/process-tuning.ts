/**
 * What this package sets in the process before libtorch loads (libgomp, OpenBLAS and glog read their settings
 * when they load): OpenMP's wait policy, OpenBLAS's kernels, libtorch's log levels, and the intra-op threads once it
 * has loaded. A user's own setting always wins. Only the addon's loader (addon.ts) calls these.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * OpenBLAS (the BLAS of Debian's libtorch) picks its kernels from the CPU's model number and falls back to SSE3
 * ("Prescott") kernels on models newer than it knows: Debian 12's OpenBLAS 0.3.21 does so on 5th-generation
 * Xeons, where matrix products then run 4-6x slower (50 instead of 230 GFLOP/s on 2 cores). The kernels to use
 * follow from the CPU's features just as well; a user's OPENBLAS_CORETYPE wins, and other BLAS ignore it.
 */
function openblasCoreType(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  const has = (...names: string[]) => names.every((name) => flags.has(name));
  if (has('avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl')) {
    return has('avx512_bf16') ? 'Cooperlake' : 'SkylakeX';
  }
  return has('avx2', 'fma') ? 'Haswell' : undefined;
}

/**
 * @internal The environment variables this package set before libtorch loaded because the user had not (the
 * benchmark runs PyTorch with or without them).
 */
export const packageEnvironment: Record<string, string> = {};

function setDefault(name: string, value: string): void {
  if (process.env[name] !== undefined) return;
  process.env[name] = value;
  packageEnvironment[name] = value;
}

/** Sets the environment libtorch and its libraries read when they load; call before loading the addon. */
export function tuneProcessForLibtorch(): void {
  // libtorch's c10d logs socket errors and retries (with C++ backtraces in libtorch 2) beside our one-line error
  // when a worker cannot reach its peers: through glog in Debian's build, which reads the first when libtorch
  // loads, through c10's own logging in pip's, which reads the second. A user's setting wins.
  setDefault('GLOG_minloglevel', '3');
  setDefault('TORCH_CPP_LOG_LEVEL', 'FATAL');
  // OpenMP's idle threads spin by default, and so do OpenBLAS's own: with both pools on every core the spinning
  // threads take turns with the working ones (batched training 3x slower at 2 + 2 threads on a 2-core Xeon, most
  // of it system time). Passive OpenMP threads sleep at once; libgomp reads this when libtorch loads.
  setDefault('OMP_WAIT_POLICY', 'PASSIVE');
  // OpenBLAS's idle workers spin in sched_yield for 2^28 cycles after each product before they sleep, taking the
  // cores from the OpenMP threads of the ATen and project kernels in between: the shortest wait (2^4) let batched
  // training at hidden 512 and int8 beam search at batch 64 run 10-20% faster on 2 threads here (interleaved runs),
  // with half the system time. OpenBLAS reads this when it loads.
  setDefault('OPENBLAS_THREAD_TIMEOUT', '4');
  // OpenBLAS reads this when it loads. See openblasCoreType.
  const core = openblasCoreType();
  if (core) setDefault('OPENBLAS_CORETYPE', core);
}

/** Threads for libtorch's intra-op pool: SEQ2SEQ_NUM_THREADS, else OMP_NUM_THREADS, else every core. */
export function defaultThreads(): number {
  for (const name of ['SEQ2SEQ_NUM_THREADS', 'OMP_NUM_THREADS']) {
    const n = Number(process.env[name]);
    if (Number.isInteger(n) && n > 0) return n;
  }
  return availableParallelism();
}
