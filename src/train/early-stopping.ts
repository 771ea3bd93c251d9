/**
 * The best epoch by a validation measure, and patience: stop once that many epochs in a row brought no better
 * measure (as OpenNMT-py's onmt/utils/earlystopping.py does). The state lives in the trainer state, so that a
 * resumed run keeps counting where it stopped.
 */
import type { EpochRecord, TrainerState } from '../io/checkpoint.js';
import type { BestMetric } from './run-options.js';

/** The record's measure for `metric`: held-out BLEU (higher is better) or held-out loss (lower is better). */
function measure(record: EpochRecord, metric: BestMetric): number | undefined {
  return metric === 'bleu' ? record.valid_bleu : record.valid_loss;
}

/**
 * Makes `record` the best epoch of `trainer` when its measure beats the best so far, and says whether it is the
 * best. An epoch without a measure (no held-out pairs) counts as the best: the latest weights are all there is.
 */
export function updateBest(trainer: TrainerState<unknown>, record: EpochRecord, metric: BestMetric): boolean {
  const value = measure(record, metric);
  if (value === undefined) return true;
  const best = trainer.best;
  const isBest = !best || (metric === 'bleu' ? value > best.value : value < best.value);
  if (isBest) trainer.best = { epoch: record.epoch, metric: `valid_${metric}`, value };
  return isBest;
}

/** True when `patience` epochs have passed since the best one (never without patience or a best epoch). */
export function patienceExhausted(trainer: TrainerState<unknown>, epoch: number, patience?: number): boolean {
  return patience !== undefined && trainer.best !== undefined && epoch - trainer.best.epoch >= patience;
}
