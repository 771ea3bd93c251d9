/**
 * Word models with `<unk>`: unknown words are translated, never refused, and `replaceUnk` copies the most-attended
 * source word in place of each `<unk>` produced, the same in greedy decoding and in beam search (whose attention is
 * recovered by feeding the decoder the hypothesis).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { Vocab } from '../../src/data/vocab.js';
import {
  replaceUnk,
  translateBeam,
  translateWithAttention,
  UnknownWordsError,
  type AttendedTranslation,
  type Translation,
} from '../../src/decode/translate.js';
import { loadModel, type TrainedModel } from '../../src/io/model-files.js';
import { train } from '../../src/train/run.js';

const dir = mkdtempSync(join(tmpdir(), 'replace-unk-'));
const corpus = join(dir, 'demo.txt');
writeFileSync(corpus, generateDemoCorpus({ pairs: 300, seed: 5 }));
let model: TrainedModel;

beforeAll(async () => {
  await train({
    corpus,
    out: join(dir, 'run'),
    instances: 'all',
    maxVocab: 8,
    attention: 'luong-general',
    hidden: 16,
    embedding: 8,
    layers: 1,
    epochs: 2,
    batchSize: 32,
    threads: 1,
    samples: 0,
  });
  model = loadModel(join(dir, 'run'));
}, 120_000);

const texts = ['the old dog sees a zebra in Paris', 'a cat', 'xylophones and quarks eat the table', 'dog dog dog'];

describe('word models with <unk>', () => {
  it('translate sentences with unknown words instead of refusing them', async () => {
    expect(model.sourceVocab.hasUnk).toBe(true);
    const results = await translateBeam(model, texts, { beam: 3 });
    for (const r of results) expect(r).not.toBeInstanceOf(UnknownWordsError);
  });

  it('replace each <unk> with the most-attended source word, greedy and beam alike', async () => {
    const greedy = (await translateWithAttention(model, texts, 20, { replaceUnk: true })) as AttendedTranslation[];
    const plain = (await translateWithAttention(model, texts, 20)) as AttendedTranslation[];
    const beam = (await translateBeam(model, texts, { beam: 1, maxLength: 20, replaceUnk: true })) as Translation[][];
    let replaced = 0;
    greedy.forEach((g, i) => {
      expect(beam[i]![0]!.tokens).toEqual(g.tokens);
      const sourceWords = g.attention.source.slice(1, -1);
      plain[i]!.tokens.forEach((token, t) => {
        if (token !== '<unk>') return expect(g.tokens[t]).toBe(token);
        replaced++;
        // The row of this output token (the model emits no leading <sos> here: tokens and rows line up).
        const row = g.attention.weights[g.attention.target[0] === '<sos>' ? t + 1 : t]!;
        const best = sourceWords.reduce((b, _, s) => (row[s + 1]! > row[b + 1]! ? s : b), 0);
        expect(g.tokens[t]).toBe(sourceWords[best]);
      });
    });
    expect(replaced).toBeGreaterThan(0);
  });

  it('refuse --replace-unk without attention or without <unk>', async () => {
    const noUnk = { ...model, targetVocab: new Vocab(model.targetVocab.words) };
    await expect(translateBeam(noUnk, ['a cat'], { replaceUnk: true })).rejects.toThrow(/no <unk> to replace/);
  });
});

describe('replaceUnk', () => {
  it('takes the argmax over the source words, never the markers', () => {
    const vocab = new Vocab(['<unk>', '<sos>', '<eos>', 'x'], { unk: '<unk>' });
    const source = ['<sos>', 'paris', 'rome', '<eos>'];
    const weights = [
      [0.9, 0.05, 0.04, 0.01],
      [0.1, 0.2, 0.6, 0.1],
    ];
    expect(replaceUnk(['<unk>', '<unk>'], weights, source, vocab)).toEqual(['paris', 'rome']);
    expect(replaceUnk(['x', '<eos>'], weights, source, vocab)).toEqual(['x', '<eos>']);
  });
});
