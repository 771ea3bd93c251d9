/**
 * Mini-batches for the batched paths: sentences grouped by source length (so that most batches need no
 * padding in the encoder at all), padded into the row-major [step][sentence] arrays the addon takes, with the
 * teacher-forcing coins of every step drawn from a seeded generator so that a run can be replayed.
 */
import type { BatchArrays } from '../torch/addon-types.js';
import { checkInteger, checkNumber } from '../util/check.js';
import { Random } from '../util/random.js';
import { maxOf } from '../util/array.js';

/** nll_loss's ignore_index: target positions holding it are not scored. */
export const IGNORE_INDEX = -100;

export interface BatchPlanOptions {
  /** Sentences per batch (the last batch of a length group may be smaller). */
  batchSize: number;
  /**
   * Instead of `batchSize` sentences: as many sentences as keep the padded target (sentences x the longest
   * scored target) within this many tokens; a sentence longer than that alone. Data-parallel: per worker.
   */
  maxTokens?: number;
  /** With the epoch, seeds the grouping, the batch order and the teacher-forcing coins. */
  seed: number;
  /** Probability that a decoder step is fed the reference token: 1 (default) always, 0 never. */
  teacherForcing?: number;
  /**
   * `length` (default): shuffled, then grouped by source and target length, batches in random order;
   * `sequential`: batches of consecutive sentences in the given order (for cross-checks with the notebook).
   */
  order?: 'length' | 'sequential';
  /** Score the target's leading `<sos>` as the notebook does (default: scoring starts after `<sos>`). */
  scoreSos?: boolean;
  /**
   * Data-parallel training: every worker plans the same global batches of `batchSize` x `worldSize` sentences
   * and keeps its share of each (sentences rank, rank + worldSize, ...), with the global batch's coins, so the
   * workers together train exactly the global batch. Global batches smaller than `worldSize` are left out.
   */
  shard?: { rank: number; worldSize: number };
}

/** One batch with the dataset indices of its sentences. */
export interface PlannedBatch extends BatchArrays {
  indices: number[];
  target: Int32Array;
}

function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Pads the given sources (reversed, as fed to the encoder) and scored targets into one batch. */
export function padBatch(
  sources: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
): Omit<PlannedBatch, 'indices'> {
  const B = sources.length;
  const S = maxOf(sources, (s) => s.length);
  const T = maxOf(targets, (t) => t.length);
  const source = new Int32Array(S * B);
  const target = new Int32Array(T * B).fill(IGNORE_INDEX);
  const sourceLengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    sourceLengths[b] = sources[b]!.length;
    sources[b]!.forEach((word, s) => (source[s * B + b] = word));
    targets[b]!.forEach((word, t) => (target[t * B + b] = word));
  }
  return { source, sourceLengths, target };
}

/** The batches of one epoch over the sentences `indices` of `sources`/`targets`. */
export function planBatches(
  sources: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  indices: readonly number[],
  epoch: number,
  options: BatchPlanOptions,
): PlannedBatch[] {
  checkInteger('batchSize', options.batchSize, 1);
  if (options.maxTokens !== undefined) checkInteger('maxTokens', options.maxTokens, 1);
  const worldSize = options.shard ? checkInteger('shard.worldSize', options.shard.worldSize, 1) : 1;
  const rank = options.shard ? checkInteger('shard.rank', options.shard.rank, 0, worldSize - 1) : 0;
  const batchSize = options.batchSize * worldSize;
  const ratio = options.teacherForcing ?? 1;
  checkNumber('teacherForcing', ratio, 0, 1);
  const random = new Random((options.seed % 2 ** 32) * 2 ** 20 + (epoch % 2 ** 20));
  const order = [...indices];
  if ((options.order ?? 'length') === 'length') {
    shuffle(order, random);
    // Stable: sentences of equal lengths stay in their shuffled order.
    order.sort((a, b) => sources[a]!.length - sources[b]!.length || targets[a]!.length - targets[b]!.length);
  }
  const scoredLength = (j: number): number => targets[j]!.length - (options.scoreSos ? 0 : 1);
  const maxTokens = options.maxTokens === undefined ? undefined : options.maxTokens * worldSize;
  const groups: number[][] = [];
  for (let i = 0; i < order.length;) {
    const group: number[] = [];
    const length = sources[order[i]!]!.length;
    let longest = 0;
    // A batch never mixes source lengths when grouped, so the encoder runs unpacked on it.
    while (
      i < order.length &&
      (options.order === 'sequential' || sources[order[i]!]!.length === length) &&
      (maxTokens === undefined
        ? group.length < batchSize
        : group.length === 0 || (group.length + 1) * Math.max(longest, scoredLength(order[i]!)) <= maxTokens)
    ) {
      longest = Math.max(longest, scoredLength(order[i]!));
      group.push(order[i++]!);
    }
    groups.push(group);
  }
  if ((options.order ?? 'length') === 'length') shuffle(groups, random);
  const scored = (j: number): readonly number[] => (options.scoreSos ? targets[j]! : targets[j]!.slice(1));
  const planned: PlannedBatch[] = [];
  for (const global of groups) {
    // The coins are drawn for the global batch, in the same order whatever the sharding.
    const steps = maxOf(global, (j) => scored(j).length);
    const coins =
      ratio > 0 && ratio < 1 ? Uint8Array.from({ length: steps }, () => (random.next() < ratio ? 1 : 0)) : undefined;
    if (global.length < worldSize) continue;
    const group = worldSize === 1 ? global : global.filter((_, k) => k % worldSize === rank);
    const batch: PlannedBatch = {
      indices: group,
      ...padBatch(
        group.map((j) => sources[j]!),
        group.map(scored),
      ),
    };
    if (coins) batch.teacher = coins.slice(0, batch.target.length / group.length);
    planned.push(batch);
  }
  return planned;
}
