import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { trainBatched } from '../../src/train/batched.js';
import { DEVICE } from '../helpers/device.js';

describe('batched training memory', () => {
  it('holds resident memory within 10% of its value after the first epoch over 10 epochs', async () => {
    const { pairs } = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 1000, seed: 2 })), 'demo');
    const data = buildDataset(samplePairs(pairs, 1000, 2));
    torch.manualSeed(0);
    const encoder = new Encoder(data.sourceVocab.size, 64, 30, 2).to(DEVICE);
    const decoder = new Decoder(data.targetVocab.size, 64, 30, 2).to(DEVICE);
    const rss: number[] = [];
    const tensors: number[] = [];
    await trainBatched(encoder, decoder, data, {
      epochs: 10,
      lr: 0.01,
      device: DEVICE,
      seed: 0,
      batchSize: 16,
      onEpoch: () => {
        rss.push(process.memoryUsage().rss);
        tensors.push(torch.memory().numTensors);
      },
    });
    const growth = (Math.max(...rss.slice(1)) - rss[0]!) / rss[0]!;
    console.log(
      `RSS after epochs 1..10 (MB): ${rss.map((r) => (r / 2 ** 20).toFixed(0)).join(' ')}; ` +
        `largest growth over epoch 1: ${(100 * growth).toFixed(1)}% (limit 10%)`,
    );
    expect(growth).toBeLessThanOrEqual(0.1);
    expect(new Set(tensors).size).toBe(1);
  });
});
