/**
 * Loads the compiled addon (build/Release/seq2seq.node) and types its surface. A failed load throws one
 * Error that names the cause and the commands that fix it, in the manner of sharp.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Element types a tensor can hold, named as in PyTorch without the `torch.` prefix. */
export type DType = 'float32' | 'float64' | 'float16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** `cpu`, `cuda` (the current CUDA device) or `cuda:N`. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** The typed arrays a tensor's data can be read into or created from. */
export type TypedArray =
  Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Int8Array | Uint8Array | Uint8ClampedArray;

/** @internal The native tensor handle; the public class is Tensor. */
export interface TensorHandle {
  shape(): number[];
  dtype(): DType;
  device(): string;
  item(): number | boolean;
  toTypedArray(): TypedArray;
  dispose(): void;
  isDisposed(): boolean;
  view(shape: number[]): TensorHandle;
  reshape(shape: number[]): TensorHandle;
  unsqueeze(dim: number): TensorHandle;
  squeeze(dim?: number): TensorHandle;
  select(dim: number, index: number): TensorHandle;
  narrow(dim: number, start: number, length: number): TensorHandle;
  transpose(dim0: number, dim1: number): TensorHandle;
  contiguous(): TensorHandle;
  clone(): TensorHandle;
  to(device?: string, dtype?: string): TensorHandle;
  copyFrom(source: TensorHandle): TensorHandle;
  add(other: TensorHandle | number, alpha?: number): TensorHandle;
  addInPlace(other: TensorHandle | number, alpha?: number): TensorHandle;
  sub(other: TensorHandle | number): TensorHandle;
  mul(other: TensorHandle | number): TensorHandle;
  div(other: TensorHandle | number): TensorHandle;
  eq(other: TensorHandle | number): TensorHandle;
  neg(): TensorHandle;
  exp(): TensorHandle;
  log(): TensorHandle;
  matmul(other: TensorHandle): TensorHandle;
  sum(dim?: number, keepdim?: boolean): TensorHandle;
  mean(dim?: number, keepdim?: boolean): TensorHandle;
  argmax(dim?: number, keepdim?: boolean): TensorHandle;
  topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): [TensorHandle, TensorHandle];
  backward(gradient?: TensorHandle, retainGraph?: boolean): void;
  grad(): TensorHandle | undefined;
  detach(): TensorHandle;
  requiresGrad(): boolean;
  setRequiresGrad(requiresGrad: boolean): TensorHandle;
}

interface TensorHandleStatics {
  fromData(data: TypedArray, shape: number[], dtype?: string, device?: string): TensorHandle;
  full(shape: number[], value: number, dtype?: string, device?: string): TensorHandle;
  randn(shape: number[], dtype?: string, device?: string): TensorHandle;
  rand(shape: number[], dtype?: string, device?: string): TensorHandle;
  arange(end: number, dtype?: string, device?: string): TensorHandle;
}

/** @internal */
export interface ModuleHandle {
  namedParameters(): [string, TensorHandle][];
  to(device?: string, dtype?: string): void;
  train(mode: boolean): void;
  isTraining(): boolean;
}

/** @internal */
export interface ForwardHandle extends ModuleHandle {
  forward(input: TensorHandle): TensorHandle;
}

/** @internal */
export interface LSTMHandle extends ModuleHandle {
  forward(input: TensorHandle, h0?: TensorHandle, c0?: TensorHandle): [TensorHandle, TensorHandle, TensorHandle];
  forwardKernel(
    input: TensorHandle,
    h0: TensorHandle,
    c0: TensorHandle,
    lengths?: number[],
  ): [TensorHandle, TensorHandle, TensorHandle];
}

/** @internal */
export interface AdamHandle {
  step(): void;
  stepFused(): void;
  zeroGrad(setToNone: boolean): void;
  getLr(): number;
  setLr(lr: number): void;
  getState(): (AdamParamState | null)[];
  setState(states: (AdamParamState | null)[]): void;
}

/** One parameter's Adam state, as libtorch keeps it. */
export interface AdamParamState {
  step: number;
  expAvg: TensorHandle;
  expAvgSq: TensorHandle;
  maxExpAvgSq?: TensorHandle;
}

/** Facts about the libtorch the addon was built against. */
export interface BuildInfo {
  /** libtorch's version, e.g. `1.13.0`. */
  torchVersion: string;
  /** The folder holding the TorchConfig.cmake used at build time. */
  torchDir: string;
  /** Whether the libtorch has CUDA compiled in. */
  cudaBuild: boolean;
  /** Whether cuDNN is usable. */
  cudnn: boolean;
  /** Whether the addon and libtorch use the C++11 std::string ABI (`_GLIBCXX_USE_CXX11_ABI=1`). */
  cxx11Abi?: boolean;
  /**
   * The OpenBLAS behind libtorch's matrix products and the kernels it runs on this CPU (e.g. `OpenBLAS 0.3.21
   * DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64; kernels: Cooperlake`), or `` for another BLAS (MKL).
   */
  openblas: string;
  /** at::get_parallel_info(): the threading backends and thread counts. */
  parallelInfo: string;
  /** at::show_config(): how libtorch itself was built. */
  config: string;
}

/** @internal The modules (and optimizers, for training) of an encoder-decoder, as the fused paths take them. */
export interface PartsHandles {
  encoderEmbedding: ForwardHandle;
  encoderLstm: LSTMHandle;
  decoderEmbedding: ForwardHandle;
  decoderLstm: LSTMHandle;
  decoderDense: ForwardHandle;
  /** An attention decoder's kind and Linears (bias-free); absent for the notebook's decoder. */
  attention?: AttentionHandles;
  encoderOpt?: AdamHandle;
  decoderOpt?: AdamHandle;
}

/** @internal The attention layers of a decoder, as the native paths take them. */
export interface AttentionHandles {
  kind: 'none' | 'bahdanau' | 'luong-dot' | 'luong-general' | 'luong-concat';
  inputFeed: boolean;
  query?: ForwardHandle;
  key?: ForwardHandle;
  v?: ForwardHandle;
  W?: ForwardHandle;
  combine?: ForwardHandle;
}

/** @internal One batch's teacher-forced decoding: row-major [steps][sentences][vocab] and [steps][sentences][source]. */
export interface ForcedDecoding {
  logProbs: Float64Array;
  attention?: Float64Array;
  steps: number;
  size: number;
  vocab: number;
  sourceSteps?: number;
}

/**
 * @internal One padded mini-batch, row-major [step][sentence]: `target` holds -100 where nothing is scored;
 * `teacher[t]` is the teacher-forcing coin of step t; decoding batches give `maxLengths` instead of `target`.
 */
export interface BatchArrays {
  source: Int32Array;
  sourceLengths: Int32Array;
  target?: Int32Array;
  teacher?: Uint8Array;
  maxLengths?: Int32Array;
}

/** @internal Options of the batched jobs. */
export interface BatchJobOptions {
  device: string;
  sos: number;
  eos: number;
  teacherForcing?: number;
  clip?: number;
  perToken?: boolean;
  /** Data-parallel training: gradients are averaged over the group before each step. */
  group?: ProcessGroupHandle;
}

/** @internal A c10d process group (Gloo or NCCL). */
export interface ProcessGroupHandle {
  rank(): number;
  worldSize(): number;
  close(): void;
}

/** @internal Where the workers of a group meet. */
export interface GroupOptions {
  masterAddr: string;
  port: number;
  rank: number;
  worldSize: number;
  timeoutMs: number;
  backend: 'gloo' | 'nccl';
  /** Where this rank's tensors live (NCCL: its own GPU). */
  device: Device;
  /** A launcher's store (torchrun's agent) at masterAddr:port, this restart attempt's keys. */
  agentStoreAttempt?: number;
}

/** @internal A job running on its own thread. */
export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
}

/** @internal Progress of a training epoch. */
export interface EpochProgressData {
  batch: number;
  batches: number;
  sentences: number;
  /** Mean NLL per scored token so far in this epoch. */
  loss: number;
}

/** @internal Per-batch summed NLL and scored token counts. */
export interface BatchLosses {
  losses: Float64Array;
  tokens: Float64Array;
}

/** @internal */
export interface Addon {
  TensorHandle: TensorHandleStatics;
  Embedding: new (numEmbeddings: number, embeddingDim: number, options?: object) => ForwardHandle;
  LSTM: new (inputSize: number, hiddenSize: number, options?: object) => LSTMHandle;
  Linear: new (inFeatures: number, outFeatures: number, options?: object) => ForwardHandle;
  Adam: new (params: TensorHandle[], options?: object) => AdamHandle;
  logSoftmax(input: TensorHandle, dim: number): TensorHandle;
  nllLoss(input: TensorHandle, target: TensorHandle, options?: object): TensorHandle;
  manualSeed(seed: number): void;
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  setDefaultDtype(dtype: 'float32' | 'float64'): void;
  getDefaultDtype(): 'float32' | 'float64';
  setGradEnabled(enabled: boolean): void;
  isGradEnabled(): boolean;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  liveTensors(): number;
  buildInfo(): BuildInfo;
  notebookStep(
    parts: Required<PartsHandles>,
    source: number[],
    target: number[],
    sos: number,
    eos: number,
    device: string,
  ): number;
  trainEpoch(
    parts: Required<PartsHandles>,
    batches: BatchArrays[],
    options: BatchJobOptions,
    onProgress?: (progress: EpochProgressData) => void,
  ): NativeJob<BatchLosses & { completed: number; allReduceSeconds: number }>;
  evaluateBatches(parts: PartsHandles, batches: BatchArrays[], options: BatchJobOptions): NativeJob<BatchLosses>;
  translateBatches(parts: PartsHandles, batches: BatchArrays[], options: BatchJobOptions): NativeJob<number[][][]>;
  translateBatches(
    parts: PartsHandles,
    batches: BatchArrays[],
    options: BatchJobOptions & { withAttention: true },
  ): NativeJob<{ words: number[][][]; attention: Float32Array[][] }>;
  forceDecode(parts: PartsHandles, batches: BatchArrays[], options: BatchJobOptions): NativeJob<ForcedDecoding[]>;
  connectGroup(options: GroupOptions): NativeJob<ProcessGroupHandle>;
  broadcastTensors(group: ProcessGroupHandle, tensors: TensorHandle[], root: number): NativeJob<void>;
  allReduceTensors(group: ProcessGroupHandle, tensors: TensorHandle[]): NativeJob<void>;
  /** The c10d backends this build has. */
  processGroupBackends(): ('gloo' | 'nccl')[];
  beamBatches(
    parts: PartsHandles,
    batches: BatchArrays[],
    options: BatchJobOptions & { beam: number; nBest?: number; lengthPenalty?: number },
  ): NativeJob<NativeHypothesis[][][]>;
}

/** One hypothesis of beam search: target indices (with `<eos>` when it ended), summed log-probability, score. */
export interface NativeHypothesis {
  words: number[];
  logProb: number;
  score: number;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const candidates = [join(root, 'build', 'Release', 'seq2seq.node'), join(root, 'build', 'Debug', 'seq2seq.node')];

/** Turns load failures into one message with the likely cause and its fix. */
function loadError(errors: string[]): Error {
  const all = errors.join('\n');
  const fixes: string[] = [];
  if (errors.every((e) => e.includes('not built'))) {
    fixes.push('Build it: `npm rebuild seq2seq-node` (in this repository: `npm install`).');
  }
  if (/lib(torch|c10)[^:]*\.so[^:]*: cannot open shared object file/.test(all)) {
    fixes.push('The libtorch the addon was built against is gone: reinstall it, or rebuild against another one');
    fixes.push('  (`npm rebuild seq2seq-node`, with LIBTORCH=/path/to/libtorch to choose it).');
  }
  if (
    /undefined symbol: .*(cxx11|__cxx11|St7__cxx11)/.test(all) ||
    /undefined symbol: _ZN(3c10|2at|5torch)/.test(all)
  ) {
    fixes.push('The addon and libtorch disagree on the C++ ABI or version (pytorch#17492): rebuild so that');
    fixes.push('  TORCH_CXX_FLAGS of the libtorch in use are honoured: `npm rebuild seq2seq-node`.');
  }
  if (/(GLIBCXX|CXXABI)_[0-9.]+' not found/.test(all)) {
    fixes.push(
      'The C++ runtime is older than the one libtorch needs: update libstdc++ (your OS) or use an older libtorch.',
    );
  }
  if (/libcuda\.so|libcudart|libcudnn|libnvrtc/.test(all)) {
    fixes.push('A CUDA libtorch needs the NVIDIA driver and its CUDA libraries: install them, or build against a');
    fixes.push('  CPU libtorch (`SEQ2SEQ_NO_APT=1 LIBTORCH=/path/to/cpu/libtorch npm rebuild seq2seq-node`).');
  }
  if (fixes.length === 0) fixes.push('Rebuild the addon: `npm rebuild seq2seq-node`, then run `npx seq2seq doctor`.');
  return new Error(
    ['Could not load the seq2seq-node native addon.', ...errors.map((e) => `  ${e}`), 'Possible solutions:']
      .concat(fixes.map((f) => (f.startsWith('  ') ? `  ${f}` : `- ${f}`)))
      .join('\n'),
  );
}

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

function load(): Addon {
  const require = createRequire(import.meta.url);
  // libtorch's c10d logs socket errors and retries (with C++ backtraces in libtorch 2) beside our one-line error
  // when a worker cannot reach its peers: through glog in Debian's build, which reads the first when libtorch
  // loads, through c10's own logging in pip's, which reads the second. A user's setting wins.
  setDefault('GLOG_minloglevel', '3');
  setDefault('TORCH_CPP_LOG_LEVEL', 'FATAL');
  // OpenMP's idle threads spin by default, and so do OpenBLAS's own: with both pools on every core the spinning
  // threads take turns with the working ones (batched training 3x slower at 2 + 2 threads on a 2-core Xeon, most
  // of it system time). Passive OpenMP threads sleep at once; libgomp reads this when libtorch loads.
  setDefault('OMP_WAIT_POLICY', 'PASSIVE');
  // OpenBLAS reads this when it loads. See openblasCoreType.
  const core = openblasCoreType();
  if (core) setDefault('OPENBLAS_CORETYPE', core);
  const errors: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      errors.push(`${path}: not built`);
      continue;
    }
    try {
      return require(path) as Addon;
    } catch (err) {
      errors.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw loadError(errors);
}

/** Threads for libtorch's intra-op pool: SEQ2SEQ_NUM_THREADS, else OMP_NUM_THREADS, else every core. */
function defaultThreads(): number {
  for (const name of ['SEQ2SEQ_NUM_THREADS', 'OMP_NUM_THREADS']) {
    const n = Number(process.env[name]);
    if (Number.isInteger(n) && n > 0) return n;
  }
  return availableParallelism();
}

/** @internal The loaded addon, shared by every module of this package. */
export const native: Addon = load();
native.setNumThreads(defaultThreads());
