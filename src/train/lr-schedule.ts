/**
 * Learning-rate schedules of the batched mode, computed here and handed to the native epoch as one rate per
 * update (the epoch runs in C++; the schedules stay in one place, in plain numbers that a test can compare with
 * PyTorch's schedulers):
 * - `constant`: the base rate throughout;
 * - `plateau`: torch.optim.lr_scheduler.ReduceLROnPlateau on the validation measure once per epoch (mode min for
 *   the loss, max for BLEU; threshold 1e-4 relative, cooldown 0, eps 1e-8): after more than `patience` epochs
 *   without improvement the rate is multiplied by `decay`, never below `minLr`;
 * - `step`: Sutskever et al.'s recipe: the base rate for epochs 1 to `decayStart`, then the rate is multiplied by
 *   `decay` at the start of every half epoch: lr * decay^(2 (e - decayStart - 1) + 1 + [second half]) in epoch
 *   e > decayStart, the second half starting at update ceil(U / 2) of the epoch's U; never below `minLr`;
 * - `warmup-rsqrt`: fairseq's inverse_sqrt: at update s (1, 2, ... over the whole run), lr * s / W while s <= W,
 *   then lr * sqrt(W / s) (not below `minLr`), W = `warmupSteps`.
 * The state that carries over epochs (updates so far, the rate, plateau's best and bad epochs) is kept in the
 * trainer state of every checkpoint, so a resumed run continues the sequence exactly.
 */
import { invalidParameterError } from '../util/check.js';

/** The schedules `--lr-schedule` names. */
export const LR_SCHEDULES = ['constant', 'plateau', 'step', 'warmup-rsqrt'] as const;
export type LrScheduleKind = (typeof LR_SCHEDULES)[number];

/** A schedule and its settings. */
export interface LrScheduleOptions {
  schedule: LrScheduleKind;
  /** The base rate. */
  lr: number;
  /** plateau, step: the factor applied at each decay. */
  decay: number;
  /** plateau: epochs without improvement tolerated before a decay. */
  patience: number;
  /** plateau, step, warmup-rsqrt: the rate never decays below this. */
  minLr: number;
  /** warmup-rsqrt: updates of linear warmup (at least 1). */
  warmupSteps: number;
  /** step: the epochs at the base rate before halving every half epoch. */
  decayStart: number;
  /** plateau: whether the validation measure improves downwards (loss) or upwards (BLEU). */
  mode: 'min' | 'max';
}

/** What a schedule carries from epoch to epoch (trainer.json's `schedule`). */
export interface LrScheduleState {
  /** Updates done so far in the run. */
  step: number;
  /** plateau: the rate of the next epoch; the others: the rate of the last update. */
  lr: number;
  /** plateau: the best measure so far (null: none yet, PyTorch's +-inf). */
  best?: number | null;
  /** plateau: epochs since the best without improvement. */
  num_bad_epochs?: number;
}

/** The state of a run that has not trained yet. */
export function initialScheduleState(options: LrScheduleOptions): LrScheduleState {
  return options.schedule === 'plateau'
    ? { step: 0, lr: options.lr, best: null, num_bad_epochs: 0 }
    : { step: 0, lr: options.lr };
}

/** Checks a state read from a checkpoint (the schedule's fields), naming what is wrong. */
export function checkScheduleState(options: LrScheduleOptions, state: unknown, where: string): LrScheduleState {
  const s = state as Partial<LrScheduleState> | null;
  const number = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  if (typeof s !== 'object' || s === null || !Number.isSafeInteger(s.step) || s.step! < 0 || !number(s.lr)) {
    throw new Error(`${where}: schedule is malformed`);
  }
  if (
    options.schedule === 'plateau' &&
    (!(s.best === null || number(s.best)) || !Number.isSafeInteger(s.num_bad_epochs) || s.num_bad_epochs! < 0)
  ) {
    throw new Error(`${where}: schedule's plateau state is malformed`);
  }
  return s as LrScheduleState;
}

/** The rate of update `s` (1-based over the run) of warmup-rsqrt. */
export function warmupRsqrtRate(options: LrScheduleOptions, s: number): number {
  const w = options.warmupSteps;
  return s <= w ? (options.lr * s) / w : Math.max(options.minLr, options.lr * Math.sqrt(w / s));
}

/** The rate of update `index` (0-based) of the `updates` in epoch `epoch` (1-based) of the step schedule. */
export function stepRate(options: LrScheduleOptions, epoch: number, index: number, updates: number): number {
  if (epoch <= options.decayStart) return options.lr;
  const decays = 2 * (epoch - options.decayStart - 1) + 1 + (index >= Math.ceil(updates / 2) ? 1 : 0);
  return Math.max(options.minLr, options.lr * options.decay ** decays);
}

/** The rate of each of the `updates` updates of epoch `epoch`, from the state after the epochs before it. */
export function epochRates(
  options: LrScheduleOptions,
  state: LrScheduleState,
  epoch: number,
  updates: number,
): Float64Array {
  const rates = new Float64Array(updates);
  for (let i = 0; i < updates; i++) {
    switch (options.schedule) {
      case 'constant':
        rates[i] = options.lr;
        break;
      case 'plateau':
        rates[i] = state.lr;
        break;
      case 'step':
        rates[i] = stepRate(options, epoch, i, updates);
        break;
      case 'warmup-rsqrt':
        rates[i] = warmupRsqrtRate(options, state.step + i + 1);
        break;
    }
  }
  return rates;
}

/**
 * The state after an epoch of `rates` (one per update) whose validation measure was `measure` (plateau needs
 * one; an epoch without it counts as no improvement, as PyTorch counts a NaN).
 */
export function afterEpoch(
  options: LrScheduleOptions,
  state: LrScheduleState,
  rates: ArrayLike<number>,
  measure: number | undefined,
): LrScheduleState {
  const step = state.step + rates.length;
  if (options.schedule !== 'plateau') {
    return { step, lr: rates.length > 0 ? rates[rates.length - 1]! : state.lr };
  }
  // ReduceLROnPlateau.step(metric): threshold_mode 'rel', threshold 1e-4, cooldown 0, eps 1e-8.
  const threshold = 1e-4;
  const current = measure ?? NaN;
  const best = state.best ?? (options.mode === 'min' ? Infinity : -Infinity);
  const better = options.mode === 'min' ? current < best * (1 - threshold) : current > best * (threshold + 1);
  let bad = better ? 0 : state.num_bad_epochs! + 1;
  let lr = state.lr;
  if (bad > options.patience) {
    const reduced = Math.max(lr * options.decay, options.minLr);
    if (lr - reduced > 1e-8) lr = reduced;
    bad = 0;
  }
  const kept = better ? current : state.best!;
  return { step, lr, best: Number.isFinite(kept) ? kept : null, num_bad_epochs: bad };
}

/** Refuses settings that cannot work together, naming the option. */
export function checkScheduleOptions(options: LrScheduleOptions, hasValidation: boolean): void {
  if (options.schedule === 'plateau' && !hasValidation) {
    throw new Error(
      '--lr-schedule plateau decays on the validation measure: it needs held-out pairs (--valid-fraction above 0)',
    );
  }
  if (options.schedule === 'warmup-rsqrt' && !(options.warmupSteps >= 1)) {
    throw invalidParameterError('warmupSteps', 'at least 1 with --lr-schedule warmup-rsqrt', options.warmupSteps);
  }
}
