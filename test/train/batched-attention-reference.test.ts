/**
 * The PyTorch reference the training benchmark runs for attention models (scripts/reference/batched.py, which
 * trains scripts/reference/attention_model.py's classes when init.pt has attention layers) replays batched training
 * step for step: same batches, teacher forcing, clip 5, Adam. In float64 the two agree to 1e-9 after 2 epochs (the
 * same algorithm); the benchmark's float32 runs differ only by rounding.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { exportBatchPlan, exportRunStart } from '../../src/io/run-export.js';
import { jointStateDict } from '../../src/io/model-files.js';
import { buildModel } from '../../src/model/architecture.js';
import type { AttentionKind } from '../../src/model/attention.js';
import { NOTEBOOK_DEFAULTS } from '../../src/model/config.js';
import * as torch from '../../src/torch/index.js';
import { planBatches } from '../../src/train/batches.js';
import { trainBatched, type BatchedOptions } from '../../src/train/batched.js';
import { DEVICE } from '../helpers/device.js';
import { PYTHON } from '../helpers/pytorch.js';

const { pairs } = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 500, seed: 3 })), 'demo');
const data = buildDataset(samplePairs(pairs, 60, 3));

function maxRelative(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.max(Math.abs(b[i]!), 1e-12)));
}

describe('batched.py trains attention models as batched training does (the benchmark’s PyTorch side)', () => {
  for (const [attention, bidirectional] of [
    ['luong-general', false],
    ['bahdanau', true],
  ] as [AttentionKind, boolean][]) {
    it(`${attention}${bidirectional ? ', bidirectional encoder' : ''}: batch losses and weights after 2 epochs within 1e-9 (float64)`, async () => {
      const run = mkdtempSync(join(tmpdir(), 'batched-attention-'));
      const sizes = { hidden: 12, embedding: 6, layers: 2, attention, bidirectional };
      torch.setDefaultDtype('float64');
      try {
        torch.manualSeed(2);
        const { encoder, decoder } = buildModel(data.sourceVocab.size, data.targetVocab.size, sizes);
        encoder.to(DEVICE);
        decoder.to(DEVICE);
        const options: BatchedOptions & { batchSize: number } = {
          epochs: 2,
          lr: 0.01,
          device: DEVICE,
          seed: 5,
          batchSize: 16,
          teacherForcing: 1,
          clip: 5,
          validFraction: 0,
        };
        exportRunStart(run, data, encoder, decoder, { ...NOTEBOOK_DEFAULTS, ...sizes, epochs: 2 });
        const indices = data.sources.map((_, i) => i);
        const plan = [1, 2].map((epoch) => planBatches(data.sources, data.targets, indices, epoch, options));
        exportBatchPlan(run, {
          options: { teacherForcing: 1, clip: 5, normalize: 'tokens', scoreSos: false },
          epochs: plan,
        });
        const ours = await trainBatched(encoder, decoder, data, options);
        const py = spawnSync(PYTHON, ['scripts/reference/batched.py', run, '--device', DEVICE], { encoding: 'utf8' });
        expect(py.status, py.stderr).toBe(0);
        const ref = JSON.parse(py.stdout) as { epochs: { losses: number[]; tokens: number[] }[]; model: string };
        expect(ref.model).toBe(attention);
        expect(ours.epochs.flatMap((e) => e.batchTokens)).toEqual(ref.epochs.flatMap((e) => e.tokens));
        const lossRel = maxRelative(
          ours.epochs.flatMap((e) => e.batchLosses),
          ref.epochs.flatMap((e) => e.losses),
        );
        const final = torch.loadTensors(join(run, 'final.pt'));
        let weightRel = 0;
        for (const [name, tensor] of Object.entries(jointStateDict(encoder, decoder))) {
          const theirs = final[name]!.toArray();
          const mine = tensor.to('cpu').toArray();
          const scale = Math.max(...theirs.map(Math.abs), 1e-12);
          for (let i = 0; i < mine.length; i++) {
            weightRel = Math.max(weightRel, Math.abs(mine[i]! - theirs[i]!) / scale);
          }
        }
        console.log(
          `batched.py (${attention}, bidirectional ${bidirectional}) vs batched training, float64 on ${DEVICE}: ` +
            `batch losses max relative difference ${lossRel.toExponential(2)}, weights after 2 epochs ${weightRel.toExponential(2)}`,
        );
        expect(lossRel).toBeLessThanOrEqual(1e-9);
        expect(weightRel).toBeLessThanOrEqual(1e-9);
      } finally {
        torch.setDefaultDtype('float32');
      }
    });
  }
});
