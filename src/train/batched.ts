/**
 * Batched training: mini-batches of sentences grouped by length, teacher forcing (or free-running like the
 * notebook), gradient-norm clipping and the mean NLL per target token, each epoch run by the addon on a thread
 * of its own so that the event loop stays free. Per epoch it reports the training loss and the held-out loss.
 */
import type { Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import { modelParts } from '../model/parts.js';
import * as torch from '../torch/index.js';
import type { BatchJobOptions, BatchLosses, NativeJob } from '../torch/addon-types.js';
import { native } from '../torch/addon.js';
import { checkInteger, checkOneOf } from '../util/check.js';
import { Random } from '../util/random.js';
import { planBatches, type BatchPlanOptions } from './batches.js';
import { broadcastModel, sameDevice, type ProcessGroup } from './distributed.js';
import { checkRunOption, runOptionDefault, type Precision, type TrainOptions } from './run-options.js';
import { checkPrecision } from './precision.js';
import { splitHeldOut, type Split } from './split.js';

export interface BatchedOptions {
  epochs: number;
  /** The learning rate of both optimizers (as in the notebook); `learningRates` may set each update's. */
  lr: number;
  /** The optimizers made when `optimizers` is not given: `adam` (default) or `sgd`. */
  optimizer?: 'adam' | 'sgd';
  /** SGD's momentum; default 0. */
  momentum?: number;
  /** L2 penalty of either optimizer; default 0. */
  weightDecay?: number;
  /** Fill batches up to this many padded target tokens instead of `batchSize` sentences (not data-parallel). */
  maxTokens?: number;
  /** Batches whose gradients make one update, as one batch that many times larger; default 1. */
  accumulate?: number;
  /**
   * Each update's learning rate in epoch `epoch`, which has `updates` updates (src/train/lr-schedule.ts);
   * undefined: the optimizers keep their rate.
   */
  learningRates?: (epoch: number, updates: number) => Float64Array | undefined;
  device: torch.Device;
  /** Seeds the held-out split, the batches and the teacher-forcing coins. */
  seed: number;
  /** Sentences per batch; default 64 (defaults: src/train/run-options.ts). */
  batchSize?: number;
  /** Probability of feeding the reference token at each decoder step; default 1. 0: free-running like the notebook. */
  teacherForcing?: number;
  /** Largest gradient norm (Sutskever et al. clip at 5, the default); 0: no clipping. */
  clip?: number;
  /** What the loss is averaged over before backward: `tokens` (default) or `sentences` (the notebook's sum, per sentence). */
  normalize?: 'tokens' | 'sentences';
  /** Fraction of the distinct pairs held out for validation; default 0.05. */
  validFraction?: number;
  /** Batch order: see {@link BatchPlanOptions.order}. */
  order?: BatchPlanOptions['order'];
  /** Score the target's leading `<sos>` as the notebook does; default false. */
  scoreSos?: boolean;
  /**
   * Dropout probability on the embeddings, between LSTM layers and on the decoder's output before the output layer
   * (OpenNMT-py's places), in training only; default 0. Each epoch's masks come from {@link dropoutSeed}.
   */
  dropout?: number;
  /** Label smoothing of the training loss (`cross_entropy(..., label_smoothing)`); default 0. Validation: plain NLL. */
  labelSmoothing?: number;
  /**
   * `bf16`: the training forward's matrix products run in bf16 (torch.autocast's rules; the log-softmax and loss
   * in float32), the weights, gradients and optimizer state staying float32; needs a CPU with AVX-512 BF16 or AMX
   * (`torch.buildInfo().cpuBf16`), or CUDA. Validation and decoding stay float32. Default `fp32`.
   */
  precision?: Precision;
  /** Called about ten times a second while an epoch trains. */
  onProgress?: (progress: BatchedProgress) => void;
  /** Called after every epoch (and its validation), before the next one starts; may be async. `'stop'` ends training. */
  onEpoch?: (report: EpochReport, split: Split) => void | 'stop' | Promise<void | 'stop'>;
  /** Epochs already done (a resumed run): training continues with epoch `startEpoch + 1`; default 0. */
  startEpoch?: number;
  /** The two optimizers, e.g. restored from a checkpoint; default: new ones of `optimizer`'s kind with `lr`. */
  optimizers?: { encoder: torch.optim.Optimizer; decoder: torch.optim.Optimizer };
  /**
   * Data-parallel training: this worker starts from rank 0's weights, trains its share of every global batch
   * of `batchSize` x `worldSize` sentences, and gradients are averaged over the group before each step.
   */
  group?: ProcessGroup;
  /** Aborting stops training after the current batch; the result then has `stopped: true`. */
  signal?: AbortSignal;
  /** The held-out split, made before the pairs were indexed; default: `validFraction` of the distinct pairs. */
  split?: Split;
}

/** Where an epoch stands. */
export interface BatchedProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  sentences: number;
  /** Mean NLL per target token so far in this epoch. */
  loss: number;
}

/** What one epoch did. */
export interface EpochReport {
  epoch: number;
  /** Mean NLL per scored target token over the epoch's training batches (label-smoothed when asked). */
  trainLoss: number;
  /** Mean NLL per target token on the held-out pairs (teacher-forced); undefined without any. */
  validLoss?: number;
  sentences: number;
  tokens: number;
  seconds: number;
  /** Data-parallel training: this worker's seconds in the gradient all-reduce (waiting for peers included). */
  allReduceSeconds?: number;
  /** This worker's optimisation steps in the epoch. */
  steps: number;
  /** Each batch's summed NLL and scored tokens, in training order. */
  batchLosses: number[];
  batchTokens: number[];
  /** Seconds from the epoch's start to each batch's update (on CUDA: when it was queued). */
  batchSeconds: number[];
  /** Optimisation updates in the epoch (batches / accumulate, rounded up). */
  updates: number;
  /** Each update's learning rate. */
  learningRates: number[];
}

export interface BatchedResult {
  /** The epochs this call trained. */
  epochs: EpochReport[];
  /** True when `onEpoch` asked to stop (early stopping). */
  earlyStopped: boolean;
  /** True when the signal stopped training; the model holds the weights after the last complete batch. */
  stopped: boolean;
  split: Split;
}

/** The options with their defaults filled in, callbacks aside. */
export type ResolvedBatchedOptions = Required<
  Omit<
    BatchedOptions,
    | 'onProgress'
    | 'onEpoch'
    | 'signal'
    | 'optimizers'
    | 'startEpoch'
    | 'group'
    | 'split'
    | 'maxTokens'
    | 'learningRates'
  >
> & { maxTokens?: number };

/** Resolves the defaults and checks every option against the run option table, naming the one that is wrong. */
export function resolveBatchedOptions(options: BatchedOptions): ResolvedBatchedOptions {
  const pick = <
    K extends
      | 'batchSize'
      | 'teacherForcing'
      | 'clip'
      | 'normalize'
      | 'validFraction'
      | 'dropout'
      | 'labelSmoothing'
      | 'precision',
  >(
    name: K,
  ): NonNullable<TrainOptions[K]> => checkRunOption(name, options[name] ?? runOptionDefault(name));
  const o: ResolvedBatchedOptions = {
    epochs: checkRunOption('epochs', options.epochs),
    lr: checkRunOption('lr', options.lr),
    device: options.device,
    seed: checkRunOption('seed', options.seed),
    batchSize: pick('batchSize'),
    teacherForcing: pick('teacherForcing'),
    clip: pick('clip'),
    normalize: pick('normalize'),
    validFraction: pick('validFraction'),
    order: checkOneOf('order', options.order ?? 'length', ['length', 'sequential']),
    scoreSos: options.scoreSos ?? false,
    dropout: pick('dropout'),
    labelSmoothing: pick('labelSmoothing'),
    precision: pick('precision'),
    optimizer: checkRunOption('optimizer', options.optimizer ?? runOptionDefault('optimizer')),
    momentum: checkRunOption('momentum', options.momentum ?? runOptionDefault('momentum')),
    weightDecay: checkRunOption('weightDecay', options.weightDecay ?? runOptionDefault('weightDecay')),
    accumulate: checkRunOption('accumulate', options.accumulate ?? runOptionDefault('accumulate')),
    ...(options.maxTokens !== undefined ? { maxTokens: checkRunOption('maxTokens', options.maxTokens) } : {}),
  };
  return o;
}

/**
 * The seed of epoch `epoch`'s dropout masks (a generator of the training job's own): from the run's seed and the
 * epoch alone, so that a resumed run draws what the uninterrupted one would have; each worker of a group its own.
 */
export function dropoutSeed(seed: number, epoch: number, rank = 0): number {
  const random = new Random((seed % 2 ** 32) * 2 ** 20 + (epoch % 2 ** 20));
  return random.nextUint32() * 2 ** 16 + (rank % 2 ** 16);
}

/** A new optimizer of `o.optimizer`'s kind over `params`. */
function makeOptimizer(params: Iterable<torch.Tensor>, o: ResolvedBatchedOptions): torch.optim.Optimizer {
  return o.optimizer === 'sgd'
    ? new torch.optim.SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay })
    : new torch.optim.Adam(params, { lr: o.lr, weightDecay: o.weightDecay });
}

/** Runs a native job, cancelling it when `signal` aborts. */
async function runJob<T>(job: NativeJob<T>, signal?: AbortSignal): Promise<T> {
  const cancel = (): void => job.cancel();
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await job.promise;
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

/** Mean NLL per target token of `encoder`/`decoder` on the pairs `indices` of `data`, teacher-forced. */
export async function evaluateLoss(
  encoder: Encoder,
  decoder: Decoder,
  data: Dataset,
  indices: readonly number[],
  options: { device: torch.Device; batchSize?: number; scoreSos?: boolean },
): Promise<number> {
  if (indices.length === 0) throw new RangeError('Expected at least one pair to evaluate');
  const batches = planBatches(data.sources, data.targets, indices, 0, {
    batchSize: options.batchSize ?? runOptionDefault('batchSize'),
    seed: 0,
    scoreSos: options.scoreSos,
  });
  const jobOptions: BatchJobOptions = {
    device: options.device,
    sos: data.targetVocab.index(SOS),
    eos: data.targetVocab.index(EOS),
  };
  const result: BatchLosses = await native.evaluateBatches(modelParts(encoder, decoder), batches, jobOptions).promise;
  return sum(result.losses) / sum(result.tokens);
}

/** Trains `encoder` and `decoder` (already on `options.device`) on `data` in mini-batches. */
export async function trainBatched(
  encoder: Encoder,
  decoder: Decoder,
  data: Dataset,
  options: BatchedOptions,
): Promise<BatchedResult> {
  const o = resolveBatchedOptions(options);
  checkPrecision(o.precision, o.device);
  const split = options.split ?? splitHeldOut(data, o.validFraction, o.seed);
  const startEpoch = checkInteger('startEpoch', options.startEpoch ?? 0, 0);
  const encoderOpt = options.optimizers?.encoder ?? makeOptimizer(encoder.parameters(), o);
  const decoderOpt = options.optimizers?.decoder ?? makeOptimizer(decoder.parameters(), o);
  const parts = modelParts(encoder, decoder, encoderOpt, decoderOpt);
  if (options.group && o.maxTokens !== undefined) {
    // Workers share each global batch sentence by sentence: a batch of one long sentence has no share for most.
    throw new Error('--max-tokens is not supported in data-parallel training: use --batch-size there');
  }
  const jobOptions: BatchJobOptions = {
    device: o.device,
    sos: data.targetVocab.index(SOS),
    eos: data.targetVocab.index(EOS),
    teacherForcing: o.teacherForcing,
    clip: o.clip,
    perToken: o.normalize === 'tokens',
    ...(o.labelSmoothing > 0 ? { labelSmoothing: o.labelSmoothing } : {}),
    ...(o.precision !== 'fp32' ? { precision: o.precision } : {}),
    ...(o.accumulate > 1 ? { accumulate: o.accumulate } : {}),
  };
  const group = options.group;
  const shard = group ? { rank: group.rank, worldSize: group.worldSize } : undefined;
  if (group && !sameDevice(group.device, o.device)) {
    throw new Error(`this worker's process group is on ${group.device} but training runs on ${o.device}`);
  }
  if (group) {
    jobOptions.group = group.handle;
    await broadcastModel(group, encoder, decoder);
  }
  const epochs: EpochReport[] = [];
  for (let epoch = startEpoch + 1; epoch <= o.epochs; epoch++) {
    if (options.signal?.aborted) return { epochs, stopped: true, earlyStopped: false, split };
    const started = performance.now();
    const batches = planBatches(data.sources, data.targets, split.train, epoch, { ...o, shard });
    const onProgress = options.onProgress
      ? (p: { batch: number; batches: number; sentences: number; loss: number }) =>
          options.onProgress!({ epoch, epochs: o.epochs, ...p })
      : undefined;
    const updates = Math.ceil(batches.length / o.accumulate);
    const rates = options.learningRates?.(epoch, updates);
    const epochOptions: BatchJobOptions = {
      ...jobOptions,
      ...(o.dropout > 0 ? { dropout: o.dropout, dropoutSeed: dropoutSeed(o.seed, epoch, shard?.rank) } : {}),
      ...(rates ? { lrs: rates } : {}),
    };
    const result = await runJob(native.trainEpoch(parts, batches, epochOptions, onProgress), options.signal);
    if (result.completed < batches.length) return { epochs, stopped: true, earlyStopped: false, split };
    // The epoch's figures over all workers (each trained its share of the same global batches).
    // With a stop flag, so that a worker asked to stop at the epoch's very end takes every other one along.
    const totals = torch.tensor(
      [
        sum(result.losses),
        sum(result.tokens),
        batches.reduce((n, b) => n + b.indices.length, 0),
        options.signal?.aborted ? 1 : 0,
      ],
      { dtype: 'float64' },
    );
    if (group) await group.allReduce([totals]);
    const [lossSum, tokens, sentences, stops] = totals.toArray() as [number, number, number, number];
    totals.dispose();
    const report: EpochReport = {
      epoch,
      trainLoss: lossSum / tokens,
      sentences,
      tokens,
      seconds: (performance.now() - started) / 1000,
      steps: updates,
      ...(group ? { allReduceSeconds: result.allReduceSeconds } : {}),
      batchLosses: [...result.losses],
      batchTokens: [...result.tokens],
      batchSeconds: [...result.batchSeconds],
      updates,
      learningRates: rates ? [...rates] : new Array<number>(updates).fill(encoderOpt.lr),
    };
    if (split.valid.length > 0) {
      report.validLoss = await evaluateLoss(encoder, decoder, data, split.valid, o);
    }
    epochs.push(report);
    if ((await options.onEpoch?.(report, split)) === 'stop')
      return { epochs, stopped: false, earlyStopped: true, split };
    if (stops > 0) return { epochs, stopped: true, earlyStopped: false, split };
  }
  return { epochs, stopped: false, earlyStopped: false, split };
}
