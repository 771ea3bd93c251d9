/**
 * The held-out part of a run: a seeded fraction of the distinct sampled pairs. The notebook draws pairs with
 * replacement, so the same pair can be drawn many times; every draw of a held-out pair leaves the training set,
 * so that held-out scores measure generalisation, not recall.
 */
import type { Dataset } from '../data/dataset.js';
import { checkRunOption } from './run-options.js';
import { Random } from '../util/random.js';

export interface Split {
  /** Dataset indices trained on, in dataset order. */
  train: number[];
  /** Dataset indices held out: one per distinct held-out pair, in dataset order. */
  valid: number[];
}

/** Holds out `fraction` of the distinct pairs of `data` (at least one when the fraction is positive). */
export function splitHeldOut(data: Pick<Dataset, 'sources' | 'targets'>, fraction: number, seed: number): Split {
  return splitByKeys(
    data.sources.map((source, i) => `${source.join(' ')}|${data.targets[i]!.join(' ')}`),
    fraction,
    seed,
  );
}

/**
 * {@link splitHeldOut} of pairs told apart by `keys` (equal keys: the same pair), so that a split can be made before
 * the pairs are indexed: subword models train their segmentation on the training side only.
 */
export function splitByKeys(keys: readonly string[], fraction: number, seed: number): Split {
  checkRunOption('validFraction', fraction);
  const firstIndex = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!firstIndex.has(key)) firstIndex.set(key, i);
  });
  const distinct = [...firstIndex.keys()];
  if (fraction === 0 || distinct.length < 2) return { train: keys.map((_, i) => i), valid: [] };
  const random = new Random(seed);
  for (let i = distinct.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [distinct[i], distinct[j]] = [distinct[j]!, distinct[i]!];
  }
  const held = new Set(distinct.slice(0, Math.max(1, Math.round(fraction * distinct.length))));
  const train: number[] = [];
  const valid: number[] = [];
  keys.forEach((key, i) => {
    if (!held.has(key)) train.push(i);
    else if (firstIndex.get(key) === i) valid.push(i);
  });
  return { train, valid };
}
