import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';

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
});
