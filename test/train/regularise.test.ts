/**
 * Regularisation of the batched mode against plain PyTorch (scripts/reference/batched.py) on the same weights,
 * batches, coins and dropout seeds: label smoothing (F.cross_entropy's), tied embeddings (one tensor for the
 * decoder's embedding and output layer) and dropout (OpenNMT-py's places, F.dropout's arithmetic). Debian's torch
 * 1.13 and the addon's libtorch 1.13 share the CPU generator, so the reference, seeding a torch.Generator with each
 * epoch's seed and drawing in the same order, draws the very masks the addon draws: dropout is checked exactly,
 * not statistically. Compared: every batch's loss, the weights after 2 epochs and the last batch's gradients.
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
import { NOTEBOOK_DEFAULTS } from '../../src/model/config.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import { modelParts } from '../../src/model/parts.js';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/addon.js';
import { planBatches } from '../../src/train/batches.js';
import { dropoutSeed, evaluateLoss, trainBatched, type BatchedOptions } from '../../src/train/batched.js';
import { DEVICE } from '../helpers/device.js';
import { PYTHON, pytorch } from '../helpers/pytorch.js';

const { pairs } = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 2000, seed: 7 })), 'demo');
const data = buildDataset(samplePairs(pairs, 120, 7));

interface Case {
  teacherForcing: number;
  batchSize: number;
  dtype: 'float32' | 'float64';
  dropout?: number;
  labelSmoothing?: number;
  tieEmbeddings?: boolean;
  /** Batches per update (`--accumulate`); default 1. */
  accumulate?: number;
}

/** Tying needs the embedding size to be the output layer's input size (the hidden size here). */
const sizes = (c: Case) => ({ hidden: 32, embedding: c.tieEmbeddings ? 32 : 30, layers: 3 });

function model(seed: number, c: Case): [Encoder, Decoder] {
  torch.manualSeed(seed);
  const s = sizes(c);
  return [
    new Encoder(data.sourceVocab.size, s.hidden, s.embedding, s.layers).to(DEVICE),
    new Decoder(data.targetVocab.size, s.hidden, s.embedding, s.layers, { tieEmbeddings: c.tieEmbeddings ?? false }).to(
      DEVICE,
    ),
  ];
}

/** The largest |a - b| relative to the largest |b| (per list). */
function relative(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  const scale = Math.max(...b.map(Math.abs), 1e-12);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!) / scale);
  return max;
}

/** Trains 2 epochs here and in PyTorch; returns the largest relative differences. */
async function compare(c: Case): Promise<{ losses: number; weights: number; grads: number }> {
  const run = mkdtempSync(join(tmpdir(), 'regularise-'));
  torch.setDefaultDtype(c.dtype);
  try {
    const [encoder, decoder] = model(3, c);
    const options: BatchedOptions = {
      epochs: 2,
      lr: 0.01,
      device: DEVICE,
      seed: 4,
      batchSize: c.batchSize,
      teacherForcing: c.teacherForcing,
      clip: 5,
      validFraction: 0,
      dropout: c.dropout ?? 0,
      labelSmoothing: c.labelSmoothing ?? 0,
      accumulate: c.accumulate ?? 1,
    };
    exportRunStart(run, data, encoder, decoder, { ...NOTEBOOK_DEFAULTS, ...sizes(c), epochs: 2 });
    const indices = data.sources.map((_, i) => i);
    const epochs = [1, 2];
    exportBatchPlan(run, {
      options: {
        teacherForcing: c.teacherForcing,
        clip: 5,
        normalize: 'tokens',
        scoreSos: false,
        dropout: c.dropout ?? 0,
        labelSmoothing: c.labelSmoothing ?? 0,
        tieEmbeddings: c.tieEmbeddings ?? false,
        accumulate: c.accumulate ?? 1,
      },
      epochs: epochs.map((epoch) =>
        planBatches(data.sources, data.targets, indices, epoch, { ...options, batchSize: c.batchSize }),
      ),
      dropoutSeeds: epochs.map((epoch) => dropoutSeed(4, epoch)),
    });
    const ours = await trainBatched(encoder, decoder, data, options);
    const py = spawnSync(PYTHON, ['scripts/reference/batched.py', run, '--device', DEVICE], { encoding: 'utf8' });
    expect(py.status, py.stderr).toBe(0);
    const ref = JSON.parse(py.stdout) as { epochs: { losses: number[]; tokens: number[] }[] };
    expect(ours.epochs.flatMap((e) => e.batchTokens)).toEqual(ref.epochs.flatMap((e) => e.tokens));
    const losses = relative(
      ours.epochs.flatMap((e) => e.batchLosses),
      ref.epochs.flatMap((e) => e.losses),
    );
    const final = torch.loadTensors(join(run, 'final.pt'));
    const grads = torch.loadTensors(join(run, 'grads.pt'));
    let weights = 0;
    const state = jointStateDict(encoder, decoder);
    expect(Object.keys(state).sort()).toEqual(Object.keys(final).sort());
    for (const [name, tensor] of Object.entries(state)) {
      weights = Math.max(weights, relative(tensor.to('cpu').toArray(), final[name]!.toArray()));
    }
    // Gradients by parameter (a tied weight once, under its first name, as named_parameters() lists it).
    let gradRel = 0;
    const named = [...encoder.namedParameters('encoder.'), ...decoder.namedParameters('decoder.')];
    expect(named.map(([n]) => n).sort()).toEqual(Object.keys(grads).sort());
    for (const [name, p] of named)
      gradRel = Math.max(gradRel, relative(p.grad!.to('cpu').toArray(), grads[name]!.toArray()));
    return { losses, weights, grads: gradRel };
  } finally {
    torch.setDefaultDtype('float32');
  }
}

// float64: the same algorithm, so the two agree to rounding (1e-9 after 2 epochs, as the batched mode's own parity
// tests); float32: each batch's loss to 1e-5 and the weights to 2e-4 (the LSTM kernel and the fused output loss round
// otherwise than ATen's, and 2 epochs of Adam amplify it: 1.4e-4 seen with label smoothing, where losses agree to
// 6e-8). Gradients are the last batch's, after 2 epochs of such differences.
const TOLERANCE = {
  float64: { losses: 1e-9, weights: 1e-9, grads: 1e-9 },
  float32: { losses: 1e-5, weights: 2e-4, grads: 1e-4 },
};

const CASES: [string, Case][] = [
  ['label smoothing 0.1, teacher forcing', { labelSmoothing: 0.1, teacherForcing: 1, batchSize: 16, dtype: 'float64' }],
  ['label smoothing 0.1, teacher forcing', { labelSmoothing: 0.1, teacherForcing: 1, batchSize: 16, dtype: 'float32' }],
  ['label smoothing 0.2, free-running', { labelSmoothing: 0.2, teacherForcing: 0, batchSize: 8, dtype: 'float64' }],
  ['tied embeddings, teacher forcing', { tieEmbeddings: true, teacherForcing: 1, batchSize: 16, dtype: 'float64' }],
  [
    'tied embeddings, teacher forcing 0.5',
    { tieEmbeddings: true, teacherForcing: 0.5, batchSize: 8, dtype: 'float64' },
  ],
  ['dropout 0.3, teacher forcing', { dropout: 0.3, teacherForcing: 1, batchSize: 16, dtype: 'float64' }],
  ['dropout 0.3, teacher forcing 0.5', { dropout: 0.3, teacherForcing: 0.5, batchSize: 8, dtype: 'float64' }],
  [
    'dropout 0.2, label smoothing 0.1 and tied embeddings',
    { dropout: 0.2, labelSmoothing: 0.1, tieEmbeddings: true, teacherForcing: 1, batchSize: 16, dtype: 'float32' },
  ],
  // Accumulated batches draw their masks as single ones do (the PyTorch loop accumulates micro-batch by micro-batch).
  [
    'dropout 0.3 and label smoothing 0.1, accumulating 3 batches',
    { dropout: 0.3, labelSmoothing: 0.1, accumulate: 3, teacherForcing: 1, batchSize: 8, dtype: 'float64' },
  ],
];

describe('regularisation in batched training, against PyTorch', () => {
  for (const [name, c] of CASES) {
    it(`matches PyTorch step for step: ${name} (${c.dtype})`, async () => {
      const r = await compare(c);
      const t = TOLERANCE[c.dtype];
      console.log(
        `regularisation vs PyTorch, ${name} (${c.dtype}, ${DEVICE}): max relative difference of batch losses ` +
          `${r.losses.toExponential(2)} (tolerance ${t.losses}), weights after 2 epochs ${r.weights.toExponential(2)} ` +
          `(${t.weights}), last gradients ${r.grads.toExponential(2)} (${t.grads})`,
      );
      expect(r.losses).toBeLessThanOrEqual(t.losses);
      expect(r.weights).toBeLessThanOrEqual(t.weights);
      expect(r.grads).toBeLessThanOrEqual(t.grads);
    });
  }
});

describe('regularisation off and out of training', () => {
  const base: BatchedOptions = { epochs: 1, lr: 0.01, device: DEVICE, seed: 1, batchSize: 16, validFraction: 0.1 };
  const c: Case = { teacherForcing: 1, batchSize: 16, dtype: 'float32' };

  it('dropout 0 and label smoothing 0 train exactly as without the options', async () => {
    const [e1, d1] = model(5, c);
    const [e2, d2] = model(5, c);
    const a = await trainBatched(e1, d1, data, base);
    const b = await trainBatched(e2, d2, data, { ...base, dropout: 0, labelSmoothing: 0 });
    expect(b.epochs[0]!.batchLosses).toEqual(a.epochs[0]!.batchLosses);
    const [sa, sb] = [jointStateDict(e1, d1), jointStateDict(e2, d2)];
    for (const name of Object.keys(sa)) expect(sb[name]!.toArray(), name).toEqual(sa[name]!.toArray());
  });

  it('validation is the plain NLL of the whole model: the held-out loss ignores dropout and label smoothing', async () => {
    const [encoder, decoder] = model(6, c);
    const result = await trainBatched(encoder, decoder, data, { ...base, dropout: 0.5, labelSmoothing: 0.3 });
    const valid = result.split.valid;
    const plain = await evaluateLoss(encoder, decoder, data, valid, { device: DEVICE, batchSize: 16 });
    expect(result.epochs[0]!.validLoss).toBe(plain);
    // The evaluation job refuses to regularise even when asked to.
    const batches = planBatches(data.sources, data.targets, valid, 0, { batchSize: 16, seed: 0 });
    const job = { device: DEVICE, sos: data.targetVocab.index('<sos>'), eos: data.targetVocab.index('<eos>') };
    const parts = modelParts(encoder, decoder);
    const asked = await native.evaluateBatches(parts, batches, {
      ...job,
      dropout: 0.5,
      dropoutSeed: 1,
      labelSmoothing: 0.3,
    }).promise;
    const without = await native.evaluateBatches(parts, batches, job).promise;
    expect([...asked.losses]).toEqual([...without.losses]);
  });

  it('dropout draws the same masks for the same seed, other ones for another seed, epoch or worker', async () => {
    const train = async (seed: number) => {
      const [encoder, decoder] = model(7, c);
      const r = await trainBatched(encoder, decoder, data, { ...base, validFraction: 0, seed, dropout: 0.3 });
      return r.epochs[0]!.batchLosses;
    };
    const once = await train(1);
    expect(await train(1)).toEqual(once);
    expect(dropoutSeed(1, 1)).not.toBe(dropoutSeed(1, 2));
    expect(dropoutSeed(1, 1, 0)).not.toBe(dropoutSeed(1, 1, 1));
    expect(dropoutSeed(1, 1)).not.toBe(dropoutSeed(2, 1));
  });
});

// Attention decoders train step by step: dropout on the embedding, between layers, and on the features entering the
// output layer (Luong: the attentional state, which input feeding passes on dropped). One step of each kind against
// scripts/reference/attention_model.py with the same seed, in float64: loss and every gradient to 1e-9 relative.
const ATTENTION_REFERENCE = `
import sys
sys.path.insert(0, 'scripts/reference')
from attention_model import Encoder, AttentionDecoder, Dropout, teacher_forced
torch.set_grad_enabled(True)
torch.set_default_dtype(torch.float64)
cfg = inp['cfg']
enc = Encoder(cfg['srcWords'], cfg['hidden'], cfg['embedding'], cfg['layers'], bidirectional=cfg['bidirectional'])
dec = AttentionDecoder(cfg['tgtWords'], cfg['hidden'], cfg['embedding'], cfg['layers'], cfg['attention'])
enc.load_state_dict(torch.load(inp['dir'] + '/encoder.pt'))
dec.load_state_dict(torch.load(inp['dir'] + '/decoder.pt'))
enc.drop = dec.drop = Dropout(inp['p'], inp['seed'])
src, lengths, inputs, target = (T(inp[k]) for k in ['source', 'lengths', 'input', 'target'])
log_probs, _ = teacher_forced(enc, dec, src, lengths, inputs)
loss = torch.nn.functional.cross_entropy(log_probs.view(-1, log_probs.size(2)), target.view(-1), ignore_index=-100,
                                         reduction='sum', label_smoothing=inp['smoothing'])
(loss / (target != -100).sum()).backward()
grads = {('encoder.' + n): J(p.grad) for n, p in enc.named_parameters()}
grads.update({('decoder.' + n): J(p.grad) for n, p in dec.named_parameters()})
out({'loss': loss.item(), 'grads': grads})
`;

describe('dropout and label smoothing in attention models, against PyTorch', () => {
  for (const [attention, bidirectional] of [
    ['bahdanau', true],
    ['luong-general', false],
  ] as const) {
    it(`${attention}${bidirectional ? ', bidirectional encoder' : ''}: one step's loss and gradients (float64)`, async () => {
      torch.setDefaultDtype('float64');
      try {
        torch.manualSeed(8);
        const sizes = { hidden: 16, embedding: 8, layers: 2, attention, bidirectional };
        const { encoder, decoder } = buildModel(data.sourceVocab.size, data.targetVocab.size, sizes);
        encoder.to(DEVICE);
        decoder.to(DEVICE);
        const dir = mkdtempSync(join(tmpdir(), 'regularise-attention-'));
        torch.save(encoder.stateDict(), join(dir, 'encoder.pt'));
        torch.save(decoder.stateDict(), join(dir, 'decoder.pt'));
        const batch = planBatches(
          data.sources,
          data.targets,
          data.sources.map((_, i) => i),
          1,
          {
            batchSize: 8,
            seed: 2,
          },
        )[0]!;
        const B = batch.sourceLengths.length;
        const [S, T] = [batch.source.length / B, batch.target!.length / B];
        const sos = data.targetVocab.index('<sos>');
        const input = Array.from({ length: T * B }, (_, i) => (i < B ? sos : Math.max(0, batch.target![i - B]!)));
        const p = 0.3;
        const seed = 17;
        const smoothing = 0.1;
        const ref = pytorch<{ loss: number; grads: Record<string, { data: number[] }> }>(ATTENTION_REFERENCE, {
          dir,
          cfg: { ...sizes, srcWords: data.sourceVocab.size, tgtWords: data.targetVocab.size },
          p,
          seed,
          smoothing,
          source: { data: [...batch.source], shape: [S, B], dtype: 'int64' },
          lengths: { data: [...batch.sourceLengths], shape: [B], dtype: 'int64' },
          input: { data: input, shape: [T, B], dtype: 'int64' },
          target: { data: [...batch.target!], shape: [T, B], dtype: 'int64' },
        });
        const encoderOpt = new torch.optim.Adam(encoder.parameters(), { lr: 0.01 });
        const decoderOpt = new torch.optim.Adam(decoder.parameters(), { lr: 0.01 });
        const trained = await native.trainEpoch(modelParts(encoder, decoder, encoderOpt, decoderOpt), [batch], {
          device: DEVICE,
          sos,
          eos: data.targetVocab.index('<eos>'),
          teacherForcing: 1,
          clip: 0,
          perToken: true,
          dropout: p,
          dropoutSeed: seed,
          labelSmoothing: smoothing,
        }).promise;
        const lossRel = Math.abs(trained.losses[0]! - ref.loss) / ref.loss;
        let gradRel = 0;
        const named = [...encoder.namedParameters('encoder.'), ...decoder.namedParameters('decoder.')];
        expect(named.map(([n]) => n).sort()).toEqual(Object.keys(ref.grads).sort());
        for (const [name, param] of named) {
          gradRel = Math.max(gradRel, relative(param.grad!.to('cpu').toArray(), ref.grads[name]!.data));
        }
        console.log(
          `dropout ${p} + label smoothing ${smoothing}, ${attention} (float64, ${DEVICE}): loss ${lossRel.toExponential(2)}, ` +
            `gradients ${gradRel.toExponential(2)} relative (tolerance 1e-9)`,
        );
        expect(lossRel).toBeLessThanOrEqual(1e-9);
        expect(gradRel).toBeLessThanOrEqual(1e-9);
      } finally {
        torch.setDefaultDtype('float32');
      }
    });
  }
});
