/**
 * The addon's surface as TypeScript sees it: its handles, the exact options each native function reads, the
 * `Addon` object itself and the names of its exports. Importing this module loads nothing.
 */
/** Element types a tensor can hold, named as in PyTorch without the `torch.` prefix. */
export type DType = 'float32' | 'float64' | 'float16' | 'int32' | 'int64' | 'int8' | 'uint8' | 'bool';

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
  /** The bytes of a contiguous CPU tensor (not float16), not copied: a view that keeps them alive and shows later writes. */
  bytesView(): Uint8Array;
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

/** @internal */
export interface TensorHandleStatics {
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
  /** Releases the module; later use throws. Refused while a background job uses it. */
  dispose(): void;
  isDisposed(): boolean;
}

/** @internal */
export interface ForwardHandle extends ModuleHandle {
  forward(input: TensorHandle): TensorHandle;
}

/** @internal */
export interface EmbeddingHandle extends ForwardHandle {
  /** The embedding's weight becomes the Linear's weight tensor (equal shapes). */
  tieWeight(linear: ForwardHandle): void;
}

/** @internal */
export interface LSTMHandle extends ModuleHandle {
  forward(input: TensorHandle, h0?: TensorHandle, c0?: TensorHandle): [TensorHandle, TensorHandle, TensorHandle];
}

/** @internal */
export interface AdamHandle {
  step(): void;
  zeroGrad(setToNone: boolean): void;
  getLr(): number;
  setLr(lr: number): void;
  getState(copy?: boolean): (AdamParamState | null)[];
  setState(states: (AdamParamState | null)[]): void;
  /** Releases the optimizer; later use throws. Refused while a background job uses it. */
  dispose(): void;
  isDisposed(): boolean;
}

/** @internal */
export interface SGDHandle {
  step(): void;
  zeroGrad(setToNone: boolean): void;
  getLr(): number;
  setLr(lr: number): void;
  /** Per parameter: its momentum buffer, or null (none yet, or no momentum). */
  getState(copy?: boolean): ({ momentumBuffer: TensorHandle } | null)[];
  setState(states: ({ momentumBuffer: TensorHandle } | null)[]): void;
  /** Releases the optimizer; later use throws. Refused while a background job uses it. */
  dispose(): void;
  isDisposed(): boolean;
}

/** @internal */
export interface SGDHandleOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
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
  /**
   * The CPU's native bf16 instructions (`amx-bf16, avx512-bf16`, `avx512-bf16`, or `none`): what `--precision
   * bf16` needs on the CPU.
   */
  cpuBf16: string;
  /** How the addon tuned glibc's malloc for tensors (`SEQ2SEQ_MALLOC=default` keeps glibc's defaults). */
  malloc: string;
  /** SentencePiece's version when the addon was built with it, else null. */
  sentencepiece: string | null;
  /** Where the build found SentencePiece (`pkg-config: /usr/lib/x86_64-linux-gnu`), else null. */
  sentencepieceSource: string | null;
}

/** @internal A SentencePiece model (native/subword); every method throws once disposed. */
export interface SentencePieceHandle {
  pieces(): string[];
  unkId(): number;
  bosId(): number;
  eosId(): number;
  padId(): number;
  encode(texts: string[]): string[][];
  encodeAsync(texts: string[]): NativeJob<string[][]>;
  decode(pieces: string[][]): string[];
  /** The serialized ModelProto: a .model file's bytes. */
  serialize(): Buffer;
  dispose(): void;
  isDisposed(): boolean;
}

/** @internal SentencePieceTrainer's options as the addon reads them. */
export interface TrainSentencePieceHandleOptions {
  vocabSize: number;
  modelType?: 'unigram' | 'bpe';
  characterCoverage?: number;
  threads?: number;
  seed?: number;
  maxSentences?: number;
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
  encoderOpt?: AdamHandle | SGDHandle;
  decoderOpt?: AdamHandle | SGDHandle;
  /** An int8 model's weights of each module (decoding runs its products on them). */
  encoderInt8?: Int8WeightsHandle;
  decoderInt8?: Int8WeightsHandle;
}

/** @internal One int8 weight: its rows quantized to int8, their scales, and its float bias. */
export interface Int8WeightEntry {
  /** The module's parameter name: `lstm.weight_ih_l0`, `dense.weight`. */
  name: string;
  q: TensorHandle;
  scales: TensorHandle;
  bias?: TensorHandle;
}

/** @internal A module's int8 weights, packed once for the int8 kernel (native/seq2seq/int8_weights.h). */
export interface Int8WeightsHandle {
  size(): number;
  dispose(): void;
  isDisposed(): boolean;
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
  /** Training: the loss is the cross-entropy with this label smoothing (0 to below 1); default 0. */
  labelSmoothing?: number;
  /** Training: `bf16` runs the forward's products in bf16 (autocast); default `fp32`. */
  precision?: 'fp32' | 'bf16';
  /** Training: dropout probability (0 to below 1); default 0. Needs `dropoutSeed`. */
  dropout?: number;
  /** Seeds the job's own generator of dropout masks. */
  dropoutSeed?: number;
  /** Data-parallel training: gradients are averaged over the group before each step. */
  group?: ProcessGroupHandle;
  /** trainEpoch: consecutive batches whose gradients make one update (default 1). */
  accumulate?: number;
  /** trainEpoch: the learning rate of each update, in order (default: the optimizers' own). */
  lrs?: Float64Array;
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

/** @internal nn.Embedding's options as the addon reads them. */
export interface EmbeddingHandleOptions {
  paddingIdx?: number;
}

/** @internal nn.Linear's options as the addon reads them. */
export interface LinearHandleOptions {
  bias?: boolean;
}

/** @internal nn.LSTM's options as the addon reads them. */
export interface LSTMHandleOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
}

/** @internal optim.Adam's options as the addon reads them (`beta2` is read only with `beta1`). */
export interface AdamHandleOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/** @internal nll_loss's options as the addon reads them. */
export interface NllLossHandleOptions {
  reduction?: 'mean' | 'sum' | 'none';
  ignoreIndex?: number;
}

/**
 * @internal `addon.testing`: entry points for tests only, off the production classes. They run the kernels the
 * background jobs run (native/kernels) on one module or optimizer.
 */
export interface AddonTesting {
  /** The jobs' LSTM (kernels/lstm_cpu.h); `lengths`: each sequence's length, like a packed sequence. */
  lstmForwardKernel(
    lstm: LSTMHandle,
    input: TensorHandle,
    h0: TensorHandle,
    c0: TensorHandle,
    lengths?: number[] | null,
    dropout?: { p: number; seed: number; layerwise?: boolean },
  ): [TensorHandle, TensorHandle, TensorHandle];
  /** The jobs' one-pass Adam step (kernels/adam_fused.h). */
  adamStepFused(optimizer: AdamHandle): void;
  /** The jobs' dropout (seq2seq/dropout.h) from a generator seeded with `seed`. */
  dropout(input: TensorHandle, p: number, seed: number): TensorHandle;
  /**
   * The int8 kernel (kernels/int8_linear_cpu.h) on one instruction set: the weight quantized per row, x per tensor,
   * their int32 product and the dequantized result; null when this CPU lacks `isa`.
   */
  int8Linear(
    weight: TensorHandle,
    x: TensorHandle,
    bias: TensorHandle | null,
    isa: Int8IsaName,
  ): [TensorHandle, TensorHandle, TensorHandle, TensorHandle, TensorHandle, [number, number]] | null;
  /**
   * The decoders' product of a few rows (kernels/row_product_cpu.h) on one instruction set: x weight^T + bias, each
   * output one fused multiply-add chain in order; float32; null when this CPU lacks `isa`.
   */
  rowsProduct(weight: TensorHandle, x: TensorHandle, bias: TensorHandle | null, isa: RowsIsaName): TensorHandle | null;
  /** The decoders' top-k of each row (kernels/top_k_cpu.h): x.topk(k, 1), ties lower index first. */
  topK(x: TensorHandle, k: number): [TensorHandle, TensorHandle];
  /**
   * int8 models' top-k of the log-softmax (kernels/top_k_cpu.h): x.log_softmax(1).topk(k, 1) from the logits,
   * without the log-softmax written; float32, 1 <= k <= min(V, 64).
   */
  logSoftmaxTopK(x: TensorHandle, k: number): [TensorHandle, TensorHandle];
  /**
   * The training jobs' fused output layer and loss (kernels/output_loss.h): the summed (label-smoothed) NLL of
   * linear(x, weight, bias), as an autograd node; float32 CPU tensors.
   */
  outputLayerLoss(
    x: TensorHandle,
    weight: TensorHandle,
    bias: TensorHandle | null,
    target: TensorHandle,
    smoothing: number,
  ): TensorHandle;
}

/** @internal The int8 kernel's instruction sets. */
export type Int8IsaName = 'scalar' | 'avx2' | 'avx512-vnni';

/** The instruction sets of the decoders' few-row product (kernels/row_product_cpu.h). */
export type RowsIsaName = 'portable' | 'avx2' | 'avx512';

/** @internal */
export interface Addon {
  TensorHandle: TensorHandleStatics;
  Embedding: new (numEmbeddings: number, embeddingDim: number, options?: EmbeddingHandleOptions) => EmbeddingHandle;
  LSTM: new (inputSize: number, hiddenSize: number, options?: LSTMHandleOptions) => LSTMHandle;
  Linear: new (inFeatures: number, outFeatures: number, options?: LinearHandleOptions) => ForwardHandle;
  Adam: new (params: TensorHandle[], options?: AdamHandleOptions) => AdamHandle;
  SGD: new (params: TensorHandle[], options: SGDHandleOptions) => SGDHandle;
  logSoftmax(input: TensorHandle, dim: number): TensorHandle;
  nllLoss(input: TensorHandle, target: TensorHandle, options?: NllLossHandleOptions): TensorHandle;
  manualSeed(seed: number): void;
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  /** OpenBLAS's thread count, or null when libtorch's BLAS is another. */
  getBlasThreads(): number | null;
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
  ): NativeJob<BatchLosses & { completed: number; allReduceSeconds: number; batchSeconds: Float64Array }>;
  evaluateBatches(parts: PartsHandles, batches: BatchArrays[], options: BatchJobOptions): NativeJob<BatchLosses>;
  translateBatches(parts: PartsHandles, batches: BatchArrays[], options: BatchJobOptions): NativeJob<number[][][]>;
  translateBatches(
    parts: PartsHandles,
    batches: BatchArrays[],
    options: BatchJobOptions & { withAttention: true },
  ): NativeJob<{ words: number[][][]; attention: Float32Array[][] }>;
  forceDecode(parts: PartsHandles, batches: BatchArrays[], options: BatchJobOptions): NativeJob<ForcedDecoding[]>;
  /** The class of the process groups connectGroup resolves to; JS cannot construct a connected one. */
  ProcessGroup: abstract new () => ProcessGroupHandle;
  connectGroup(options: GroupOptions): NativeJob<ProcessGroupHandle>;
  broadcastTensors(group: ProcessGroupHandle, tensors: TensorHandle[], root: number): NativeJob<void>;
  allReduceTensors(group: ProcessGroupHandle, tensors: TensorHandle[]): NativeJob<void>;
  /** The c10d backends this build has. */
  processGroupBackends(): ('gloo' | 'nccl')[];
  /** A model from a .model file's bytes; throws when they are not one, or when built without SentencePiece. */
  SentencePiece: new (bytes: Uint8Array) => SentencePieceHandle;
  Int8Weights: new (entries: Int8WeightEntry[]) => Int8WeightsHandle;
  /** PyTorch's per-row symmetric int8 quantization of a float32 [N, K] weight: [q int8 [N, K], scales [N]]. */
  quantizeInt8Rows(weight: TensorHandle): [TensorHandle, TensorHandle];
  /** Trains on a thread of its own; resolves to the serialized model. Cancel only drops the result. */
  trainSentencePiece(sentences: string[], options: TrainSentencePieceHandleOptions): NativeJob<Buffer>;
  beamBatches(
    parts: PartsHandles,
    batches: BatchArrays[],
    options: BatchJobOptions & { beam: number; nBest?: number; lengthPenalty?: number },
  ): NativeJob<NativeHypothesis[][][]>;
  /** Greedy decoding of an ensemble: the members' log-probabilities averaged at each step. */
  ensembleTranslateBatches(
    members: PartsHandles[],
    batches: BatchArrays[],
    options: BatchJobOptions,
  ): NativeJob<number[][][]>;
  /** Beam search of an ensemble: the members' log-probabilities averaged at each step. */
  ensembleBeamBatches(
    members: PartsHandles[],
    batches: BatchArrays[],
    options: BatchJobOptions & { beam: number; nBest?: number; lengthPenalty?: number },
  ): NativeJob<NativeHypothesis[][][]>;
  testing: AddonTesting;
}

/** One hypothesis of beam search: target indices (with `<eos>` when it ended), summed log-probability, score. */
export interface NativeHypothesis {
  words: number[];
  logProb: number;
  score: number;
}

/**
 * @internal Every export of the addon by name. The compiler proves the list complete (AddonExportsComplete) and
 * free of strays (`satisfies`); test/torch/addon.test.ts compares it with what the loaded addon exports.
 */
export const ADDON_EXPORTS = [
  'TensorHandle',
  'Embedding',
  'LSTM',
  'Linear',
  'Adam',
  'SGD',
  'logSoftmax',
  'nllLoss',
  'manualSeed',
  'setNumThreads',
  'getNumThreads',
  'getBlasThreads',
  'setDefaultDtype',
  'getDefaultDtype',
  'setGradEnabled',
  'isGradEnabled',
  'cudaIsAvailable',
  'cudaDeviceCount',
  'liveTensors',
  'buildInfo',
  'notebookStep',
  'trainEpoch',
  'evaluateBatches',
  'translateBatches',
  'forceDecode',
  'beamBatches',
  'ensembleTranslateBatches',
  'ensembleBeamBatches',
  'ProcessGroup',
  'connectGroup',
  'broadcastTensors',
  'allReduceTensors',
  'processGroupBackends',
  'SentencePiece',
  'trainSentencePiece',
  'Int8Weights',
  'quantizeInt8Rows',
  'testing',
] as const satisfies readonly (keyof Addon)[];

/** @internal Every export of `addon.testing` by name, checked like ADDON_EXPORTS. */
export const ADDON_TESTING_EXPORTS = [
  'lstmForwardKernel',
  'adamStepFused',
  'dropout',
  'int8Linear',
  'rowsProduct',
  'topK',
  'logSoftmaxTopK',
  'outputLayerLoss',
] as const satisfies readonly (keyof AddonTesting)[];

/** Compiles only when `T` is `never`: here, when no declared export is missing from the lists above. */
type Never<T extends never> = T;
/** @internal */
export type AddonExportsComplete = Never<Exclude<keyof Addon, (typeof ADDON_EXPORTS)[number]>>;
/** @internal */
export type AddonTestingExportsComplete = Never<Exclude<keyof AddonTesting, (typeof ADDON_TESTING_EXPORTS)[number]>>;
