import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { planBatches } from '../../src/train/batches.js';

const { pairs } = readCorpus(new URL('../fixtures/deu-small.txt', import.meta.url).pathname);

describe('dataset', () => {
  it('draws pairs uniformly with replacement, the same for the same seed', () => {
    const a = samplePairs(pairs, 1000, 3);
    expect(samplePairs(pairs, 1000, 3)).toEqual(a);
    expect(samplePairs(pairs, 1000, 4)).not.toEqual(a);
    const counts = new Map<number, number>();
    for (const p of a) counts.set(p.line, (counts.get(p.line) ?? 0) + 1);
    expect(counts.size).toBe(pairs.length);
    for (const c of counts.values()) expect(c).toBeGreaterThan(120); // 200 expected each
  });

  it('indexes sentences as the notebook does, reversing the sources only', () => {
    const drawn = [pairs[3]!, pairs[2]!]; // I see the dog. / Tom's here.
    const d = buildDataset(drawn);
    expect(d.sourceVocab.words).toEqual(['<sos>', 'i', 'see', 'the', 'dog', '<eos>', 'tom', 's', 'here']);
    expect(d.sources[0]).toEqual([5, 4, 3, 2, 1, 0]);
    expect(d.targetVocab.decode(d.targets[0]!)).toEqual(['<sos>', 'ich', 'sehe', 'den', 'hund', '<eos>']);
    expect(d.sourceVocab.decode(d.sources[1]!)).toEqual(['<eos>', 'here', 's', 'tom', '<sos>']);
    expect(d.lines).toEqual([6, 4]);
    expect(d.maxSentLen).toBe(6);
  });

  it('rejects a non-positive instance count', () => {
    expect(() => samplePairs(pairs, 0, 1)).toThrow(
      'Expected a positive integer for instances but received 0 of type number',
    );
  });

  it('draws and indexes 200,000 instances (no argument spreads over data) and plans their batches', () => {
    const d = buildDataset(samplePairs(pairs, 200_000, 1));
    expect(d.sources.length).toBe(200_000);
    expect(d.maxSentLen).toBe(6);
    const indices = d.sources.map((_, i) => i);
    const batches = planBatches(d.sources, d.targets, indices, 1, { batchSize: 200_000, seed: 1 });
    expect(batches.reduce((n, b) => n + b.indices.length, 0)).toBe(200_000);
  });

  it('refuses an instance count whose dataset cannot fit in the heap, by name, before allocating', () => {
    const before = process.memoryUsage().heapUsed;
    expect(() => samplePairs(pairs, 1e9, 1)).toThrow(
      /^1000000000 instances would need about \d+ GiB of JavaScript heap, more than the .* free/,
    );
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 << 20);
  });
});
