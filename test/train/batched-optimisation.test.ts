/**
 * The batched mode's optimisation options against plain PyTorch (scripts/reference/batched.py) on the same
 * weights and batches: SGD with momentum (and weight decay) at a learning rate that changes inside an epoch, and
 * gradient accumulation; and accumulation against one batch N times larger, here. Tolerances as in
 * batched.test.ts: float64 the same algorithm (1e-9 relative), float32 rounding amplified by training (1e-4).
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
import { NOTEBOOK_DEFAULTS } from '../../src/model/config.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/addon.js';
import { modelParts } from '../../src/model/parts.js';
import { planBatches } from '../../src/train/batches.js';
import { trainBatched, type BatchedOptions, type BatchedResult } from '../../src/train/batched.js';
import { epochRates, initialScheduleState, type LrScheduleOptions } from '../../src/train/lr-schedule.js';
import { DEVICE } from '../helpers/device.js';
import { PYTHON } from '../helpers/pytorch.js';

const { pairs } = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 2000, seed: 7 })), 'demo');
const data = buildDataset(samplePairs(pairs, 160, 7));

function model(seed: number): [Encoder, Decoder] {
  torch.manualSeed(seed);
  return [
    new Encoder(data.sourceVocab.size, 24, 16, 2).to(DEVICE),
    new Decoder(data.targetVocab.size, 24, 16, 2).to(DEVICE),
  ];
}

function maxRelative(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!) / Math.max(Math.abs(b[i]!), 1e-12)));
}

/** The largest difference between two models' weights, relative to each tensor's largest weight. */
function weightDifference(a: Record<string, torch.Tensor>, b: Record<string, torch.Tensor>): number {
  let worst = 0;
  for (const [name, tensor] of Object.entries(a)) {
    const mine = tensor.to('cpu').toArray();
    const theirs = b[name]!.to('cpu').toArray();
    const scale = Math.max(...theirs.map(Math.abs), 1e-12);
    for (let i = 0; i < mine.length; i++) worst = Math.max(worst, Math.abs(mine[i]! - theirs[i]!) / scale);
  }
  return worst;
}

// Sutskever's step schedule from the first epoch on: the rate halves at the start and in the middle of each epoch.
const STEP: LrScheduleOptions = {
  schedule: 'step',
  lr: 0.5,
  decay: 0.5,
  patience: 1,
  minLr: 0,
  warmupSteps: 1,
  decayStart: 0,
  mode: 'min',
};

const CASES = [
  {
    name: 'SGD, momentum 0.9, step schedule',
    optimizer: 'sgd',
    momentum: 0.9,
    weightDecay: 0,
    accumulate: 1,
    rates: true,
  },
  {
    name: 'SGD, momentum 0.5, weight decay 0.01',
    optimizer: 'sgd',
    momentum: 0.5,
    weightDecay: 0.01,
    accumulate: 1,
    rates: false,
  },
  { name: 'Adam, accumulating 3 batches', optimizer: 'adam', momentum: 0, weightDecay: 0, accumulate: 3, rates: false },
  {
    name: 'SGD, momentum 0.9, accumulating 2 batches, step schedule',
    optimizer: 'sgd',
    momentum: 0.9,
    weightDecay: 0,
    accumulate: 2,
    rates: true,
  },
] as const;

describe('batched optimisation against PyTorch', () => {
  for (const c of CASES) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`matches PyTorch update for update: ${c.name} (${dtype})`, async () => {
        const run = mkdtempSync(join(tmpdir(), 'batched-opt-'));
        torch.setDefaultDtype(dtype);
        const [encoder, decoder] = model(3);
        const options: BatchedOptions = {
          epochs: 2,
          lr: c.optimizer === 'sgd' ? 0.5 : 0.01,
          device: DEVICE,
          seed: 4,
          batchSize: 8,
          clip: 5,
          validFraction: 0,
          optimizer: c.optimizer,
          momentum: c.momentum,
          weightDecay: c.weightDecay,
          accumulate: c.accumulate,
        };
        const rates: Float64Array[] = [];
        if (c.rates) {
          options.learningRates = (epoch, updates) => {
            const r = epochRates(STEP, initialScheduleState(STEP), epoch, updates);
            rates.push(r);
            return r;
          };
        }
        exportRunStart(run, data, encoder, decoder, {
          ...NOTEBOOK_DEFAULTS,
          hidden: 24,
          embedding: 16,
          layers: 2,
          lr: options.lr,
          epochs: 2,
        });
        const indices = data.sources.map((_, i) => i);
        const plan = [1, 2].map((epoch) =>
          planBatches(data.sources, data.targets, indices, epoch, { batchSize: 8, seed: 4 }),
        );
        let ours: BatchedResult;
        try {
          ours = await trainBatched(encoder, decoder, data, options);
        } finally {
          torch.setDefaultDtype('float32');
        }
        exportBatchPlan(run, {
          options: {
            teacherForcing: 1,
            clip: 5,
            normalize: 'tokens',
            scoreSos: false,
            optimizer: c.optimizer,
            momentum: c.momentum,
            weightDecay: c.weightDecay,
            accumulate: c.accumulate,
          },
          epochs: plan,
          ...(c.rates ? { lrs: rates } : {}),
        });
        const py = spawnSync(PYTHON, ['scripts/reference/batched.py', run, '--device', DEVICE], { encoding: 'utf8' });
        expect(py.status, py.stderr).toBe(0);
        const ref = JSON.parse(py.stdout) as { epochs: { losses: number[]; tokens: number[] }[] };
        const lossRel = maxRelative(
          ours.epochs.flatMap((e) => e.batchLosses),
          ref.epochs.flatMap((e) => e.losses),
        );
        const weightRel = weightDifference(jointStateDict(encoder, decoder), torch.loadTensors(join(run, 'final.pt')));
        const updates = ours.epochs.map((e) => e.updates);
        expect(updates).toEqual(plan.map((p) => Math.ceil(p.length / c.accumulate)));
        if (c.rates) expect(ours.epochs.flatMap((e) => e.learningRates)).toEqual(rates.flatMap((r) => [...r]));
        console.log(
          `${c.name} vs PyTorch (${dtype}) on ${DEVICE}: ${updates.join('+')} updates, batch losses max relative ` +
            `difference ${lossRel.toExponential(2)}, weights after 2 epochs ${weightRel.toExponential(2)}`,
        );
        expect(lossRel).toBeLessThanOrEqual(dtype === 'float64' ? 1e-9 : 1e-5);
        expect(weightRel).toBeLessThanOrEqual(dtype === 'float64' ? 1e-9 : 1e-4);
      });
    }
  }
});

describe('gradient accumulation', () => {
  // Batches of 8 taken in order, 4 per update, against batches of 32: the same sentences per update, so the
  // same updates (Adam, clipping at 1 so that the clipping of the accumulated gradient matters). float64: the
  // sums run in another order only (1e-10 relative). float32: those 1e-7 roundings grow through 26 Adam steps
  // (whose first ones divide by the root of tiny second moments) to about 1e-4; the limit is 5e-4.
  for (const dtype of ['float64', 'float32'] as const) {
    it(`makes the updates of one batch N times larger (${dtype})`, async () => {
      torch.setDefaultDtype(dtype);
      try {
        const common = {
          epochs: 2,
          lr: 0.01,
          device: DEVICE,
          seed: 1,
          clip: 1,
          validFraction: 0,
          order: 'sequential',
        } as const;
        const [e1, d1] = model(9);
        const large = await trainBatched(e1, d1, data, { ...common, batchSize: 32 });
        const [e2, d2] = model(9);
        const accumulated = await trainBatched(e2, d2, data, { ...common, batchSize: 8, accumulate: 4 });
        expect(accumulated.epochs.map((e) => e.updates)).toEqual(large.epochs.map((e) => e.updates));
        expect(accumulated.epochs.map((e) => e.trainLoss)).toHaveLength(2);
        const lossRel = maxRelative(
          accumulated.epochs.map((e) => e.trainLoss),
          large.epochs.map((e) => e.trainLoss),
        );
        const weightRel = weightDifference(jointStateDict(e2, d2), jointStateDict(e1, d1));
        console.log(
          `accumulate 4 x 8 vs batch 32 (${dtype}): epoch losses ${lossRel.toExponential(2)}, weights ${weightRel.toExponential(2)}`,
        );
        expect(lossRel).toBeLessThanOrEqual(dtype === 'float64' ? 1e-10 : 1e-4);
        expect(weightRel).toBeLessThanOrEqual(dtype === 'float64' ? 1e-10 : 5e-4);
      } finally {
        torch.setDefaultDtype('float32');
      }
    });
  }
});

describe('the epoch job’s optimisation options', () => {
  it('refuses a wrong number of rates, bad rates and bad accumulation with an Error, never a crash', async () => {
    const [encoder, decoder] = model(1);
    const parts = modelParts(
      encoder,
      decoder,
      new torch.optim.SGD(encoder.parameters(), { lr: 0.1, momentum: 0.9 }),
      new torch.optim.SGD(decoder.parameters(), { lr: 0.1, momentum: 0.9 }),
    );
    const options = { device: DEVICE, sos: 0, eos: 1 };
    const ok = { source: new Int32Array([1, 2]), sourceLengths: new Int32Array([2]), target: new Int32Array([1, 2]) };
    const three = [ok, ok, ok];
    expect(() => native.trainEpoch(parts, three, { ...options, lrs: new Float64Array(3), accumulate: 2 })).toThrow(
      /one learning rate per update: 2, got 3/,
    );
    expect(() => native.trainEpoch(parts, three, { ...options, lrs: new Float64Array([0.1, NaN, 0.1]) })).toThrow(
      /learning rates of at least 0/,
    );
    expect(() => native.trainEpoch(parts, three, { ...options, lrs: [0.1, 0.1, 0.1] as never })).toThrow(
      /lrs to be a Float64Array/,
    );
    expect(() => native.trainEpoch(parts, three, { ...options, accumulate: 0 })).toThrow(/accumulate must be/);
    // Rates are set before each update: the optimizers end at the last one.
    const result = await native.trainEpoch(parts, three, {
      ...options,
      accumulate: 2,
      lrs: new Float64Array([0.2, 0.05]),
    }).promise;
    expect(result.completed).toBe(3);
    expect(result.batchSeconds).toHaveLength(3);
    expect(parts.encoderOpt.getLr()).toBe(0.05);
  });
});
