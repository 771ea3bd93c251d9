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

  it('checks its options', () => {
    expect(() => generateDemoCorpus({ pairs: 0 })).toThrow(/pairs/);
    expect(() => generateDemoCorpus({ seed: -1 })).toThrow(/seed/);
  });
});
