/**
 * Batches by target tokens (`maxTokens`): each batch's padded target (sentences x its longest scored target)
 * stays within the budget, a sentence longer than the budget gets a batch of its own, the grouping by source
 * length holds, and every sentence is planned once.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';
import { planBatches } from '../../src/train/batches.js';

const random = new Random(5);
const sentences = 400;
const sources = Array.from({ length: sentences }, () => Array.from({ length: 1 + random.int(6) }, () => 4));
// <sos> + 1 to 30 words; the longest exceed the smaller budgets below.
const targets = Array.from({ length: sentences }, () => [0, ...Array.from({ length: 1 + random.int(30) }, () => 5)]);
const indices = sources.map((_, i) => i);
const scored = (i: number): number => targets[i]!.length - 1;

describe('batches by target tokens', () => {
  for (const maxTokens of [20, 64, 500]) {
    it(`keeps every batch within ${maxTokens} padded target tokens, a longer sentence alone`, () => {
      const batches = planBatches(sources, targets, indices, 1, { batchSize: 1, maxTokens, seed: 2 });
      expect(batches.flatMap((b) => b.indices).sort((a, b) => a - b)).toEqual(indices);
      for (const b of batches) {
        const longest = Math.max(...b.indices.map(scored));
        expect(b.target.length).toBe(longest * b.indices.length);
        if (b.indices.length > 1) expect(b.indices.length * longest).toBeLessThanOrEqual(maxTokens);
        else if (longest > maxTokens) expect(b.indices).toHaveLength(1);
        expect(new Set(b.indices.map((i) => sources[i]!.length)).size).toBe(1);
      }
      // Sentences share batches (the budget is not one sentence each).
      expect(batches.length).toBeLessThan(sentences);
    });
  }

  it('is seeded per epoch like sentence batches', () => {
    const a = planBatches(sources, targets, indices, 3, { batchSize: 1, maxTokens: 64, seed: 2 });
    expect(planBatches(sources, targets, indices, 3, { batchSize: 1, maxTokens: 64, seed: 2 })).toEqual(a);
    expect(planBatches(sources, targets, indices, 4, { batchSize: 1, maxTokens: 64, seed: 2 })).not.toEqual(a);
  });

  it('refuses a budget that is not a positive integer, naming it', () => {
    expect(() => planBatches(sources, targets, indices, 1, { batchSize: 1, maxTokens: 0, seed: 2 })).toThrow(
      /maxTokens/,
    );
  });
});
