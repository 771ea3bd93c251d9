import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX, padBatch, planBatches } from '../../src/train/batches.js';

const sources = [[5, 6, 7], [1, 2], [3, 4], [8, 9, 10], [11]];
const targets = [
  [0, 20, 1],
  [0, 21, 22, 1],
  [0, 23, 1],
  [0, 24, 1],
  [0, 1],
];

describe('mini-batches', () => {
  it('pads row-major [step][sentence], with -100 where no target token is scored', () => {
    const b = padBatch([[1, 2], [3]], [[7, 8, 9], [6]]);
    expect([...b.source]).toEqual([1, 3, 2, 0]);
    expect([...b.sourceLengths]).toEqual([2, 1]);
    expect([...b.target]).toEqual([7, 6, 8, IGNORE_INDEX, 9, IGNORE_INDEX]);
  });

  it('groups sentences by source length, covers every sentence once, and is seeded per epoch', () => {
    const indices = [0, 1, 2, 3, 4];
    const batches = planBatches(sources, targets, indices, 1, { batchSize: 2, seed: 3 });
    expect(batches.flatMap((b) => b.indices).sort()).toEqual(indices);
    for (const b of batches) expect(new Set(b.indices.map((i) => sources[i]!.length)).size).toBe(1);
    expect(planBatches(sources, targets, indices, 1, { batchSize: 2, seed: 3 })).toEqual(batches);
    // Scoring starts after <sos> unless asked to score it as the notebook does.
    const first = batches.find((b) => b.indices.length === 1 && b.indices[0] === 4)!;
    expect([...first.target]).toEqual([1]);
    const notebook = planBatches(sources, targets, [4], 1, { batchSize: 2, seed: 3, scoreSos: true });
    expect([...notebook[0]!.target]).toEqual([0, 1]);
  });

  it('keeps the given order in sequential mode and draws one teacher coin per step between 0 and 1', () => {
    const batches = planBatches(sources, targets, [4, 0, 1], 1, {
      batchSize: 2,
      seed: 0,
      order: 'sequential',
      teacherForcing: 0.5,
    });
    expect(batches.map((b) => b.indices)).toEqual([[4, 0], [1]]);
    expect(batches[0]!.teacher).toHaveLength(2);
    expect(planBatches(sources, targets, [0], 1, { batchSize: 1, seed: 0 })[0]!.teacher).toBeUndefined();
  });
});
