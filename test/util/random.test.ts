import { describe, expect, it } from 'vitest';
import { Random } from '../../src/util/random.js';

describe('Random', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const xs = Array.from({ length: 10 }, () => a.nextUint32());
    expect(Array.from({ length: 10 }, () => b.nextUint32())).toEqual(xs);
    expect(Array.from({ length: 10 }, () => c.nextUint32())).not.toEqual(xs);
  });

  it('draws integers uniformly in [0, n)', () => {
    const r = new Random(1);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[r.int(10)]!++;
    // Each bucket expects 10,000 draws; 5 standard deviations is about 475.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(475);
    for (let i = 0; i < 1000; i++) expect(r.next()).toBeLessThan(1);
  });

  it('rejects bad seeds and bounds', () => {
    expect(() => new Random(-1)).toThrow(TypeError);
    expect(() => new Random(1).int(0)).toThrow(RangeError);
    expect(() => new Random(1).pick([])).toThrow(RangeError);
  });
});
