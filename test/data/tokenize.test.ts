import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tokenize, toSentence } from '../../src/data/tokenize.js';
import { pytorch } from '../helpers/pytorch.js';

const fixture = new URL('../fixtures/awkward-lines.txt', import.meta.url);

describe('tokenize', () => {
  it('matches Python’s re.findall(r"\\w+", s) and str.lower() on awkward lines', () => {
    const lines = readFileSync(fixture, 'utf8').split('\n');
    const python = pytorch<string[][]>(
      `import re
out([[t.lower() for t in re.findall(r"\\w+", line)] for line in inp['lines']])`,
      { lines },
    );
    const ours = lines.map(tokenize);
    lines.forEach((line, i) => expect(ours[i], JSON.stringify(line)).toEqual(python[i]));
    console.log(`tokenizer: ${lines.length} awkward lines, ${ours.flat().length} tokens, identical to Python`);
  });

  it('splits as the notebook expects', () => {
    expect(tokenize("Tom's")).toEqual(['tom', 's']);
    expect(tokenize("don't")).toEqual(['don', 't']);
    expect(tokenize('Größe Straße')).toEqual(['größe', 'straße']);
    expect(toSentence('Hi!')).toEqual(['<sos>', 'hi', '<eos>']);
  });
});
