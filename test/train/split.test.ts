import { describe, expect, it } from 'vitest';
import { splitHeldOut } from '../../src/train/split.js';

// Ten distinct pairs, each drawn twice (as sampling with replacement does).
const sources = Array.from({ length: 20 }, (_, i) => [i % 10, 100]);
const targets = Array.from({ length: 20 }, (_, i) => [200, i % 10]);

describe('the held-out split', () => {
  it('holds out whole distinct pairs: no held-out pair is ever trained on', () => {
    const { train, valid } = splitHeldOut({ sources, targets }, 0.2, 1);
    expect(valid).toHaveLength(2);
    const held = new Set(valid.map((i) => i % 10));
    expect(train.filter((i) => held.has(i % 10))).toEqual([]);
    expect(train).toHaveLength(16);
  });

  it('is seeded, and empty for a fraction of 0', () => {
    expect(splitHeldOut({ sources, targets }, 0.3, 5)).toEqual(splitHeldOut({ sources, targets }, 0.3, 5));
    expect(splitHeldOut({ sources, targets }, 0, 5).valid).toEqual([]);
    expect(() => splitHeldOut({ sources, targets }, 0.9, 5)).toThrow(/validFraction/);
  });
});
