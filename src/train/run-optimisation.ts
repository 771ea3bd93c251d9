/**
 * The optimisation options of a run (optimizer, learning-rate schedule, accumulation, token batches, metrics
 * interval): which go together, what a fresh run keeps of them in trainer.json, and the resolved values a
 * run's loop uses (absent fields of older runs are the defaults of today's behaviour).
 */
import * as torch from '../torch/index.js';
import type { CheckpointOptimizers } from '../io/checkpoint.js';
import type { LrScheduleOptions, LrScheduleState } from './lr-schedule.js';
import { planBatches } from './batches.js';
import type { RunContext } from './run-context.js';
import { splitHeldOut } from './split.js';
import { flagOf, runOptionDefault, type RunOptions, type TrainOptions } from './run-options.js';

/** Options that only the batched mode has, in the table's order. */
const BATCHED_ONLY = [
  'optimizer',
  'momentum',
  'weightDecay',
  'lrSchedule',
  'lrDecay',
  'lrPatience',
  'minLr',
  'warmupSteps',
  'lrDecayStart',
  'maxTokens',
  'accumulate',
  'logEvery',
] as const satisfies readonly (keyof TrainOptions)[];

/** Which schedules read each schedule setting. */
const SCHEDULE_SETTINGS = {
  lrDecay: ['plateau', 'step'],
  lrPatience: ['plateau'],
  minLr: ['plateau', 'step', 'warmup-rsqrt'],
  warmupSteps: ['warmup-rsqrt'],
  lrDecayStart: ['step'],
} as const;

/**
 * The optimisation fields of a fresh run's options, refusing what does not go together: options of the
 * batched mode in the notebook modes (their loop is the notebook's Adam step), settings of another optimizer or
 * schedule than the one chosen, and plateau without held-out pairs. With `maxTokens`, `batchSize` still sizes the
 * validation batches (and a run's config.yaml holds both).
 */
export function freshOptimisationOptions(
  given: TrainOptions,
  batched: boolean,
  validFraction: number,
): Partial<RunOptions> {
  const present = BATCHED_ONLY.filter((name) => given[name] !== undefined);
  if (!batched) {
    if (present.length > 0) {
      throw new Error(
        `the notebook modes train with the notebook's Adam, one sentence per step: ${present.map(flagOf).join(', ')} need --mode batched`,
      );
    }
    return {};
  }
  const optimizer = given.optimizer ?? runOptionDefault('optimizer');
  if (given.momentum !== undefined && optimizer !== 'sgd') {
    throw new Error('--momentum is the SGD momentum: use it with --optimizer sgd');
  }
  const schedule = given.lrSchedule ?? runOptionDefault('lrSchedule');
  for (const [name, schedules] of Object.entries(SCHEDULE_SETTINGS) as [
    keyof typeof SCHEDULE_SETTINGS,
    readonly string[],
  ][]) {
    if (given[name] !== undefined && !schedules.includes(schedule)) {
      throw new Error(`${flagOf(name)} belongs to --lr-schedule ${schedules.join(' or ')}, not ${schedule}`);
    }
  }
  if (schedule === 'plateau' && !(validFraction > 0)) {
    throw new Error(
      '--lr-schedule plateau decays on the validation measure: it needs held-out pairs (--valid-fraction above 0)',
    );
  }
  const value = <K extends Parameters<typeof runOptionDefault>[0]>(name: K) => given[name] ?? runOptionDefault(name);
  const uses = (name: keyof typeof SCHEDULE_SETTINGS): boolean =>
    (SCHEDULE_SETTINGS[name] as readonly string[]).includes(schedule);
  return {
    optimizer,
    ...(optimizer === 'sgd' ? { momentum: value('momentum') } : {}),
    ...(given.weightDecay !== undefined ? { weightDecay: given.weightDecay } : {}),
    lrSchedule: schedule,
    ...(uses('lrDecay') ? { lrDecay: value('lrDecay') } : {}),
    ...(uses('lrPatience') ? { lrPatience: value('lrPatience') } : {}),
    ...(uses('minLr') ? { minLr: value('minLr') } : {}),
    ...(uses('warmupSteps') ? { warmupSteps: value('warmupSteps') } : {}),
    ...(uses('lrDecayStart') ? { lrDecayStart: value('lrDecayStart') } : {}),
    accumulate: value('accumulate'),
    ...(given.maxTokens !== undefined ? { maxTokens: given.maxTokens } : {}),
    logEvery: value('logEvery'),
  };
}

/** The run's schedule settings (a run of an older version: constant). */
export function scheduleOptions(options: RunOptions): LrScheduleOptions {
  return {
    schedule: options.lrSchedule ?? 'constant',
    lr: options.lr,
    decay: options.lrDecay ?? runOptionDefault('lrDecay'),
    patience: options.lrPatience ?? runOptionDefault('lrPatience'),
    minLr: options.minLr ?? runOptionDefault('minLr'),
    warmupSteps: options.warmupSteps ?? runOptionDefault('warmupSteps'),
    decayStart: options.lrDecayStart ?? runOptionDefault('lrDecayStart'),
    mode: options.bestMetric === 'bleu' ? 'max' : 'min',
  };
}

/** The run's two optimizers: Adam (the notebook's, and older runs') or SGD, as its options say. */
export function runOptimizers(
  encoderParams: Iterable<torch.Tensor>,
  decoderParams: Iterable<torch.Tensor>,
  options: RunOptions,
): CheckpointOptimizers {
  const make = (params: Iterable<torch.Tensor>): torch.optim.Optimizer =>
    options.optimizer === 'sgd'
      ? new torch.optim.SGD(params, {
          lr: options.lr,
          momentum: options.momentum ?? 0,
          weightDecay: options.weightDecay ?? 0,
        })
      : new torch.optim.Adam(params, {
          lr: options.lr,
          ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
        });
  return { encoder: make(encoderParams), decoder: make(decoderParams) };
}

/**
 * The schedule state of a run resumed from a checkpoint of a version before schedules (a constant rate, one
 * update per batch): its epochs' batches are planned again, as they were trained, to count its updates.
 */
export function stateOfOlderRun(run: RunContext): LrScheduleState {
  const { options, data, trainer } = run;
  const split =
    run.split ?? splitHeldOut(data, options.validFraction ?? runOptionDefault('validFraction'), options.seed);
  const shard = run.group ? { rank: run.group.rank, worldSize: run.group.worldSize } : undefined;
  let step = 0;
  for (let epoch = 1; epoch <= trainer.epoch; epoch++) {
    step += planBatches(data.sources, data.targets, split.train, epoch, {
      batchSize: options.batchSize ?? runOptionDefault('batchSize'),
      seed: options.seed,
      shard,
    }).length;
  }
  return { step, lr: options.lr };
}
