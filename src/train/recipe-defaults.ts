/**
 * The defaults of subword runs: the recipe the quality table on real text supports (README, "Which recipe on real
 * text"): Adam at 0.002 with dropout 0.3, label smoothing 0.1 and a plateau schedule (patience 0). The notebook's
 * defaults (Adam at 0.01, no regularisation, a constant rate) diverged there; they stay the defaults of word
 * vocabularies, which the notebook's data, the quick start and every cross-check with the notebook use.
 */
import { runOptionDefault, type TrainOptions } from './run-options.js';

/** What a subword run takes where its options do not say. */
export const REAL_TEXT_RECIPE = {
  lr: 0.002,
  dropout: 0.3,
  labelSmoothing: 0.1,
  lrSchedule: 'plateau',
  lrPatience: 0,
} as const;

/**
 * `given` with the real-text recipe filling what it leaves out, for a fresh batched run with a subword vocabulary
 * (else `given` as it is). Options given win; the learning rate only for Adam (SGD's scale is another); the plateau
 * schedule only where pairs are held out to decide on, and not over a schedule given.
 */
export function withRealTextRecipe(given: TrainOptions): TrainOptions {
  const subword = given.vocab === 'subword' || given.sourceSpm !== undefined || given.targetSpm !== undefined;
  if (!subword || (given.mode ?? runOptionDefault('mode')) !== 'batched') return given;
  const out: TrainOptions = { ...given };
  if ((given.optimizer ?? runOptionDefault('optimizer')) === 'adam') out.lr ??= REAL_TEXT_RECIPE.lr;
  out.dropout ??= REAL_TEXT_RECIPE.dropout;
  out.labelSmoothing ??= REAL_TEXT_RECIPE.labelSmoothing;
  if (given.lrSchedule === undefined && (given.validFraction ?? runOptionDefault('validFraction')) > 0) {
    out.lrSchedule = REAL_TEXT_RECIPE.lrSchedule;
    out.lrPatience ??= REAL_TEXT_RECIPE.lrPatience;
  }
  return out;
}
