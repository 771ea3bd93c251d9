import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { EOS, SOS } from '../../src/data/tokenize.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { greedyDecodeBatch } from '../../src/decode/batch-greedy.js';
import { greedyDecode } from '../../src/decode/greedy.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { trainBatched } from '../../src/train/batched.js';
import { DEVICE } from '../helpers/device.js';

const { pairs } = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 500, seed: 3 })), 'demo');
const data = buildDataset(samplePairs(pairs, 300, 3));
const sos = data.targetVocab.index(SOS);
const eos = data.targetVocab.index(EOS);

describe('batched greedy decoding', () => {
  it('gives the same words as decoding one sentence at a time, in the order given', async () => {
    torch.manualSeed(2);
    const encoder = new Encoder(data.sourceVocab.size, 32, 30, 2).to(DEVICE);
    const decoder = new Decoder(data.targetVocab.size, 32, 30, 2).to(DEVICE);
    // Trained a little, so that translations differ in length and some end with <eos>.
    await trainBatched(encoder, decoder, data, { epochs: 3, lr: 0.01, device: DEVICE, seed: 0, validFraction: 0 });
    const sources = data.sources.slice(0, 100);
    const maxLength = sources.map((_, i) => data.targets[i]!.length);
    const batched = await greedyDecodeBatch(encoder, decoder, sources, {
      sos,
      eos,
      maxLength,
      device: DEVICE,
      batchSize: 16,
    });
    const single = sources.map((s, i) =>
      greedyDecode(encoder, decoder, s, { sos, eos, maxLength: maxLength[i]!, device: DEVICE }),
    );
    expect(batched).toEqual(single);
    expect(new Set(batched.map((w) => w.length)).size).toBeGreaterThan(1);
  });

  it('rejects empty sources and bad lengths with an Error', async () => {
    const encoder = new Encoder(data.sourceVocab.size, 8, 8, 1);
    const decoder = new Decoder(data.targetVocab.size, 8, 8, 1);
    const options = { sos, eos, maxLength: 5, device: DEVICE };
    await expect(greedyDecodeBatch(encoder, decoder, [[]], options)).rejects.toThrow('Source 0 is empty');
    await expect(greedyDecodeBatch(encoder, decoder, [[1]], { ...options, maxLength: 0 })).rejects.toThrow(/maxLength/);
    await expect(greedyDecodeBatch(encoder, decoder, [[99999]], options)).rejects.toThrow(
      /source index 99999 is out of range/,
    );
  });
});
