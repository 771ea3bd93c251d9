import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { buildModel, type ModelSizes } from '../../src/model/architecture.js';
import * as torch from '../../src/torch/index.js';
import { trainBatched } from '../../src/train/batched.js';
import { DEVICE } from '../helpers/device.js';

const MODELS: [string, ModelSizes][] = [
  ["the notebook's model", { hidden: 64, embedding: 30, layers: 2 }],
  [
    'Bahdanau attention, bidirectional encoder',
    { hidden: 64, embedding: 30, layers: 2, attention: 'bahdanau', bidirectional: true },
  ],
];

describe('batched training memory', () => {
  for (const [name, sizes] of MODELS) {
    it(`holds resident memory within 10% of its value after the first epoch over 10 epochs (${name})`, async () => {
      const { pairs } = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 1000, seed: 2 })), 'demo');
      const data = buildDataset(samplePairs(pairs, 1000, 2));
      torch.manualSeed(0);
      const { encoder, decoder } = buildModel(data.sourceVocab.size, data.targetVocab.size, sizes);
      encoder.to(DEVICE);
      decoder.to(DEVICE);
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
          `largest growth over epoch 1: ${(100 * growth).toFixed(1)}% (limit 10%); live tensors ${tensors.join(' ')}`,
      );
      expect(growth).toBeLessThanOrEqual(0.1);
      // No live tensor is added by an epoch. (The count may fall: the previous test's modules are finalized
      // whenever the garbage collector gets to them.)
      expect(Math.max(...tensors)).toBeLessThanOrEqual(tensors[0]!);
    });
  }
});
