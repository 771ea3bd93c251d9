import { describe, expect, it } from 'vitest';
import { displayWords, translate, UnknownWordsError } from '../../src/decode/translate.js';
import { Vocab } from '../../src/data/vocab.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';

describe('translate', () => {
  const sourceVocab = new Vocab(['<sos>', 'i', 'see', '<eos>']);
  const targetVocab = new Vocab(['<sos>', 'ich', 'sehe', '<eos>']);
  const model = {
    sizes: { hidden: 8, embedding: 4, layers: 2 },
    device: 'cpu' as const,
    sourceVocab,
    targetVocab,
    encoder: new Encoder(sourceVocab.size, 8, 4, 2),
    decoder: new Decoder(targetVocab.size, 8, 4, 2),
  };

  it('names the words outside the vocabulary instead of guessing', () => {
    expect(() => translate(model, 'I see Paris and Rome')).toThrow(new UnknownWordsError(['paris', 'and', 'rome']));
  });

  it('is bounded in length even by an untrained model', () => {
    expect(translate(model, 'I see', 7).length).toBeLessThanOrEqual(7);
  });

  it('leaves out the leading <sos> and the closing <eos>', () => {
    expect(displayWords(['<sos>', 'ich', 'sehe', '<eos>'])).toEqual(['ich', 'sehe']);
    expect(displayWords(['ich'])).toEqual(['ich']);
  });
});
