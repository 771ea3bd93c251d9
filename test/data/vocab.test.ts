import { describe, expect, it } from 'vitest';
import { Vocab } from '../../src/data/vocab.js';

describe('Vocab', () => {
  it('orders words by first appearance, whatever the run', () => {
    const v = Vocab.fromSentences([
      ['<sos>', 'i', 'see', '<eos>'],
      ['<sos>', 'you', 'see', '<eos>'],
    ]);
    expect(v.words).toEqual(['<sos>', 'i', 'see', '<eos>', 'you']);
    expect(v.encode(['<sos>', 'you'])).toEqual([0, 4]);
    expect(v.decode([2, 3])).toEqual(['see', '<eos>']);
  });

  it('names unknown words and rejects bad indices', () => {
    const v = new Vocab(['<sos>', 'a']);
    expect(v.unknown(['a', 'b', 'b', 'c'])).toEqual(['b', 'c']);
    expect(() => v.index('b')).toThrow('"b" is not in the vocabulary');
    expect(() => v.decode([2])).toThrow('Index 2 is outside a vocabulary of 2 words');
    expect(() => new Vocab(['a', 'a'])).toThrow(/twice/);
  });
});
