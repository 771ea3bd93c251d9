import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/data/tokenize.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';

describe('demo corpus', () => {
  const text = generateDemoCorpus();
  const lines = text.trimEnd().split('\n');
  const pairs = lines.map((l) => l.split('\t'));

  it('is deterministic for a seed, different for another, in deu.txt format', () => {
    expect(generateDemoCorpus()).toBe(text);
    expect(generateDemoCorpus({ seed: 2 })).not.toBe(text);
    expect(lines).toHaveLength(5000);
    for (const p of pairs) {
      expect(p).toHaveLength(3);
      expect(p[0]).toMatch(/^[A-Z].*[.?]$/);
      expect(p[1]).toMatch(/^[A-ZÄÖÜ].*[.?]$/);
    }
  });

  it('exercises case, kein, questions and verb-second inversion', () => {
    const german = pairs.map((p) => p[1]!);
    expect(german.some((s) => /\b(den|einen|keinen) /.test(s))).toBe(true);
    expect(german.some((s) => /\bkein(e|en)? /.test(s))).toBe(true);
    expect(german.some((s) => /\bnicht\.$/.test(s))).toBe(true);
    expect(german.some((s) => /[äöüÄÖÜß]/.test(s))).toBe(true);
    expect(
      pairs.some(([en, de]) => en!.startsWith('Does he ') && de!.endsWith('?') && /^\p{Lu}\S+ er /u.test(de!)),
    ).toBe(true);
    // After a fronted adverb the finite verb comes second: "Heute liest der Mann ..."
    const inverted = pairs.filter(([en]) => en!.startsWith('Today the man reads'));
    for (const [, de] of inverted) expect(de).toMatch(/^Heute liest der Mann /);
    expect(german.some((s) => s.startsWith('Heute '))).toBe(true);
  });

  it('is varied yet small enough to learn', () => {
    const english = new Set(pairs.map((p) => p[0]));
    expect(english.size).toBeGreaterThan(1500);
    const words = (i: number) => new Set(pairs.flatMap((p) => tokenize(p[i]!)));
    expect(words(0).size).toBeLessThan(300);
    expect(words(1).size).toBeLessThan(300);
  });

  it('joins up to `clauses` sentences per line with and / und, the same number on both sides', () => {
    expect(generateDemoCorpus({ pairs: 50, seed: 4, clauses: 1 })).toBe(generateDemoCorpus({ pairs: 50, seed: 4 }));
    const lines = generateDemoCorpus({ pairs: 600, seed: 4, clauses: 3 })
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const counts = lines.map(([en, de]) => {
      const and = tokenize(en!).filter((w) => w === 'and').length;
      expect(tokenize(de!).filter((w) => w === 'und').length).toBe(and);
      return and + 1;
    });
    expect(new Set(counts)).toEqual(new Set([1, 2, 3]));
    expect(() => generateDemoCorpus({ clauses: 0 })).toThrow(/clauses/);
  });

  it('checks its options', () => {
    expect(() => generateDemoCorpus({ pairs: 0 })).toThrow(/pairs/);
    expect(() => generateDemoCorpus({ seed: -1 })).toThrow(/seed/);
  });
});
