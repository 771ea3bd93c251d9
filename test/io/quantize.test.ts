/**
 * int8 models (io/quantize.ts, model/int8.ts, native/seq2seq/int8_weights.h): `quantizeModel` writes a folder
 * PyTorch reads, whose int8 weights are PyTorch's per-channel quantization of the float ones; its decoding path
 * (teacher-forced here, the same InferenceDecoder greedy and beam run) gives the log-probabilities of
 * scripts/reference/quantized_model.py, which emulates PyTorch's dynamically quantized LSTM and Linear exactly
 * (integer parts equal; float32 rounding of the pointwise parts apart, and float64 in the reference), for models with
 * attention, 2 layers and a bidirectional encoder over sources of different lengths (packed). Tolerance: 1e-5 on
 * log-probabilities (measured: ~1e-6). The integer parts are exact, but a state that differs by float rounding
 * (~1e-7) can move an activation across a rounding boundary, changing one quantized input by one step (an effect
 * of ~1e-3): none does on these inputs. The emulation itself equals the installed torch's quantize_dynamic LSTM
 * (oneDNN on Debian's 1.13) to float rounding. Commands that need float weights refuse int8 models.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SOS, EOS, tokenize } from '../../src/data/tokenize.js';
import { Vocab } from '../../src/data/vocab.js';
import { greedyDecodeBatch } from '../../src/decode/batch-greedy.js';
import { beamSearchBatch } from '../../src/decode/beam.js';
import { ensembleMembers } from '../../src/decode/ensemble.js';
import { averageCheckpoints } from '../../src/io/average.js';
import { loadModel, saveModel, type TrainedModel } from '../../src/io/model-files.js';
import { quantizeModel } from '../../src/io/quantize.js';
import { buildModel, type ModelSizes } from '../../src/model/architecture.js';
import { modelParts } from '../../src/model/parts.js';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/addon.js';
import { padBatch } from '../../src/train/batches.js';
import { pytorch } from '../helpers/pytorch.js';
import { trainTinyModel, type TinyModel } from '../server/tiny-model.js';

const TOL = 1e-5;

interface Forced {
  logProbs: number[];
  shape: number[];
}

/** Teacher-forced log-probabilities [T, B, V] of `model` (its decoding path) on sources and targets. */
async function forced(model: TrainedModel, sources: number[][], targets: number[][]): Promise<Forced> {
  const sos = model.targetVocab.index(SOS);
  const eos = model.targetVocab.index(EOS);
  const [r] = await native.forceDecode(modelParts(model.encoder, model.decoder), [padBatch(sources, targets)], {
    device: 'cpu',
    sos,
    eos,
  }).promise;
  return { logProbs: Array.from(r!.logProbs), shape: [r!.steps, r!.size, r!.vocab] };
}

/** The reference's teacher-forced log-probabilities of the int8 folder `dir` (emulated int8 products). */
function reference(dir: string, sources: number[][], targets: number[][], sos: number): Forced {
  const B = sources.length;
  const S = Math.max(...sources.map((s) => s.length));
  const T = Math.max(...targets.map((t) => t.length));
  const src = new Array<number>(S * B).fill(0);
  const input = new Array<number>(T * B).fill(0);
  sources.forEach((s, b) => s.forEach((w, i) => (src[i * B + b] = w)));
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) input[t * B + b] = t === 0 ? sos : (targets[b]![t - 1] ?? 0);
  }
  const r = pytorch<{ logProbs: { data: number[]; shape: number[] } }>(
    `
import sys
sys.path.insert(0, 'scripts/reference')
from attention_model import teacher_forced
from quantized_model import load_int8_model
enc, dec = load_int8_model(inp['dir'])
with torch.no_grad():
    log_probs, _ = teacher_forced(enc, dec, T(inp['source']), T(inp['lengths']), T(inp['input']))
out({'logProbs': J(log_probs)})
`,
    {
      dir,
      source: { data: src, shape: [S, B], dtype: 'int64' },
      lengths: { data: sources.map((s) => s.length), shape: [B], dtype: 'int64' },
      input: { data: input, shape: [T, B], dtype: 'int64' },
    },
  );
  return { logProbs: r.logProbs.data, shape: r.logProbs.shape };
}

/** The largest difference over the scored positions (each target's words; padding steps are not compared). */
function worst(a: Forced, b: Forced, targets: number[][]): number {
  expect(a.shape).toEqual(b.shape);
  const [, B, V] = a.shape as [number, number, number];
  let max = 0;
  targets.forEach((target, bi) =>
    target.forEach((_, t) => {
      for (let v = 0; v < V; v++) {
        const i = (t * B + bi) * V + v;
        max = Math.max(max, Math.abs(a.logProbs[i]! - b.logProbs[i]!));
      }
    }),
  );
  return max;
}

describe('int8 models', () => {
  let tiny: TinyModel;
  let int8Dir: string;
  beforeAll(async () => {
    tiny = await trainTinyModel(21, 'luong-general');
    int8Dir = join(mkdtempSync(join(tmpdir(), 'int8-')), 'model');
    quantizeModel(tiny.dir, int8Dir);
  }, 120_000);

  it("writes a folder PyTorch reads: int8 weights with row scales, PyTorch's own quantization of the float ones", () => {
    const config = JSON.parse(readFileSync(join(int8Dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config.quantized).toBe('int8');
    const r = pytorch<{ dtypes: Record<string, string>; equal: boolean }>(
      `
import sys
sys.path.insert(0, 'scripts/reference')
from quantized_model import quantize_weight
import os
dtypes, equal = {}, True
for side in ('encoder', 'decoder'):
    q8 = torch.load(os.path.join(inp['int8'], side + '.pt'))
    f32 = torch.load(os.path.join(inp['float'], side + '.pt'))
    for k, t in q8.items():
        dtypes[side + '.' + k] = str(t.dtype)
        if k + '_scale' in q8:
            q, s = quantize_weight(f32[k])
            equal = equal and (t.numpy() == q).all() and (q8[k + '_scale'].numpy() == s).all()
        elif not k.endswith('_scale'):
            equal = equal and torch.equal(t, f32[k])
out({'dtypes': dtypes, 'equal': bool(equal)})
`,
      { int8: int8Dir, float: join(tiny.dir, 'best') },
    );
    expect(r.equal).toBe(true);
    expect(r.dtypes['encoder.lstm.weight_ih_l0']).toBe('torch.int8');
    expect(r.dtypes['encoder.lstm.weight_hh_l0_scale']).toBe('torch.float32');
    expect(r.dtypes['decoder.dense.weight']).toBe('torch.int8');
    expect(r.dtypes['decoder.embedding.weight']).toBe('torch.float32');
    expect(r.dtypes['decoder.lstm.bias_ih_l0']).toBe('torch.float32');
  });

  it("the reference's emulation is the installed torch's quantize_dynamic LSTM, to float rounding", () => {
    const r = pytorch<{ diffs: (number | null)[] }>(
      `
import sys
sys.path.insert(0, 'scripts/reference')
from quantized_model import check_lstm_against_torch
torch.manual_seed(0)
diffs = []
for bidirectional in (False, True):
    lstm = torch.nn.LSTM(8, 16, 2, bidirectional=bidirectional)
    r = check_lstm_against_torch(lstm, torch.randn(6, 4, 8), torch.tensor([6, 3, 5, 2]))
    diffs.append(None if r is None else r[0])
out({'diffs': diffs})
`,
      {},
    );
    console.log(`emulated vs the installed torch's quantized LSTM (packed, 2 layers): ${r.diffs.join(', ')}`);
    for (const d of r.diffs) if (d !== null) expect(d).toBeLessThan(1e-6);
  });

  it('decodes as the emulation of PyTorch int8 scheme does (a trained Luong model)', async () => {
    const model = loadModel(int8Dir);
    expect(model.quantized).toBe('int8');
    const sentences = tiny.sentences.slice(0, 6);
    const sources = sentences.map((s) => model.sourceVocab.encode([SOS, ...tokenize(s), EOS]).reverse());
    const sos = model.targetVocab.index(SOS);
    const targets = sources.map((s, i) =>
      [3 + (i % 5), 4, 5, 6 + (s.length % 3), model.targetVocab.index(EOS)].slice(i % 3),
    );
    const error = worst(await forced(model, sources, targets), reference(int8Dir, sources, targets, sos), targets);
    console.log(`int8 Luong model vs the emulated PyTorch scheme: max |log-prob diff| ${error.toExponential(2)}`);
    expect(error).toBeLessThanOrEqual(TOL);
  });

  it.each<[string, ModelSizes]>([
    [
      'bahdanau, 2 layers, bidirectional encoder',
      { hidden: 24, embedding: 8, layers: 2, attention: 'bahdanau', bidirectional: true },
    ],
    ['no attention, 2 layers', { hidden: 16, embedding: 8, layers: 2 }],
  ])('decodes as the emulation does: %s, random weights', async (_, sizes) => {
    torch.manualSeed(4);
    const words = ['<sos>', '<eos>', ...Array.from({ length: 30 }, (__, i) => `w${i}`)];
    const vocab = new Vocab(words);
    const { encoder, decoder } = buildModel(vocab.size, vocab.size, sizes);
    const dir = mkdtempSync(join(tmpdir(), 'int8-float-'));
    saveModel(dir, { sizes, sourceVocab: vocab, targetVocab: vocab, encoder, decoder });
    const out = join(dir, 'int8');
    quantizeModel(dir, out);
    const model = loadModel(out);
    const sources = [
      [1, 5, 6, 7, 8, 0],
      [1, 9, 0],
      [1, 10, 11, 12, 0],
      [1, 13, 14, 15, 16, 17, 18, 0],
    ];
    const targets = [
      [3, 4, 5, 1],
      [6, 1],
      [7, 8, 9, 10, 11, 1],
      [12, 13, 1],
    ];
    const error = worst(await forced(model, sources, targets), reference(out, sources, targets, 0), targets);
    console.log(
      `int8 ${sizes.attention ?? 'none'} model vs the emulated PyTorch scheme: max |diff| ${error.toExponential(2)}`,
    );
    expect(error).toBeLessThanOrEqual(TOL);
  });

  it('translates greedily and with beam search; few greedy translations differ from the float model', async () => {
    const model = loadModel(int8Dir);
    const float = tiny.model;
    const sources = tiny.sentences.map((s) => float.sourceVocab.encode([SOS, ...tokenize(s), EOS]).reverse());
    const options = {
      sos: float.targetVocab.index(SOS),
      eos: float.targetVocab.index(EOS),
      maxLength: sources.map((s) => 2 * s.length + 2),
      device: 'cpu' as const,
    };
    const a = await greedyDecodeBatch(float.encoder, float.decoder, sources, options);
    const b = await greedyDecodeBatch(model.encoder, model.decoder, sources, options);
    const differ = a.filter((w, i) => w.join() !== b[i]!.join()).length;
    console.log(`greedy: ${differ} of ${sources.length} translations differ between the int8 and the float model`);
    expect(differ).toBeLessThanOrEqual(Math.ceil(sources.length / 4));
    const beam = await beamSearchBatch(model.encoder, model.decoder, sources.slice(0, 20), {
      ...options,
      maxLength: options.maxLength.slice(0, 20),
      beam: 4,
    });
    expect(beam.every((h) => h.length === 1 && h[0]!.words.length > 0 && Number.isFinite(h[0]!.logProb))).toBe(true);
  });

  it('refuses: quantizing an int8 model, a used --out without force, averaging or ensembling one', () => {
    expect(() => quantizeModel(int8Dir, join(tmpdir(), 'never'))).toThrow(/already an int8 model/);
    expect(() => quantizeModel(tiny.dir, int8Dir)).toThrow(/--force/);
    const model = loadModel(int8Dir);
    expect(() => ensembleMembers([model, tiny.model], ['a', 'b'])).toThrow(/a is an int8 model/);
    expect(() => loadModel(int8Dir, 'cuda')).toThrow(/CPU only/);
    expect(() => averageCheckpoints(int8Dir, join(tmpdir(), 'never-avg'), { last: 1 })).toThrow();
  });
});
