/**
 * The decode benchmark's PyTorch side (scripts/reference/decode_bench.py: plain batched PyTorch, packed sources,
 * inference_mode) translates exactly as this package does on the same model folder: greedy float32 word for word,
 * and beam 5's best hypotheses too (the same search rules, log-probabilities within 1e-5), at batch sizes 1 (where
 * the one-row products run on native/kernels/row_product_cpu.cc) and 8.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SOS, EOS, tokenize } from '../../src/data/tokenize.js';
import { Vocab } from '../../src/data/vocab.js';
import { greedyDecodeBatch } from '../../src/decode/batch-greedy.js';
import { beamSearchBatch } from '../../src/decode/beam.js';
import { saveModel, type TrainedModel } from '../../src/io/model-files.js';
import { buildModel } from '../../src/model/architecture.js';
import * as torch from '../../src/torch/index.js';
import { Random } from '../../src/util/random.js';
import { PYTHON } from '../helpers/pytorch.js';
import { trainTinyModel } from '../server/tiny-model.js';

interface Input {
  sources: number[][];
  maxLengths: number[];
  sos: number;
  eos: number;
}

interface Decoded {
  words: number[][];
  logProbs: (number | null)[];
}

function reference(dir: string, input: Input, mode: 'greedy' | 'beam', batchSize: number): Decoded {
  const file = join(mkdtempSync(join(tmpdir(), 'decode-ref-')), 'input.json');
  writeFileSync(file, JSON.stringify(input));
  const args = ['--model', dir, '--input', file, '--mode', mode, '--beam', '5', '--batch-size', String(batchSize)];
  const r = spawnSync(PYTHON, ['scripts/reference/decode_bench.py', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, PYTHONPATH: '' },
  });
  if (r.status !== 0) throw new Error(`decode_bench.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Decoded;
}

async function ours(model: TrainedModel, input: Input, mode: 'greedy' | 'beam', batchSize: number) {
  const options = { sos: input.sos, eos: input.eos, maxLength: input.maxLengths, device: 'cpu' as const, batchSize };
  if (mode === 'greedy')
    return { words: await greedyDecodeBatch(model.encoder, model.decoder, input.sources, options) };
  const hyps = await beamSearchBatch(model.encoder, model.decoder, input.sources, { ...options, beam: 5 });
  return { words: hyps.map((h) => h[0]!.words), logProbs: hyps.map((h) => h[0]!.logProb) };
}

const cases: { name: string; make: () => Promise<{ dir: string; model: TrainedModel; input: Input }> }[] = [
  {
    // Trained for seconds: it ends its sentences, so rows finish at different steps.
    name: 'a trained Luong-general attention model',
    make: async () => {
      const tiny = await trainTinyModel(21, 'luong-general');
      const { model } = tiny;
      const sentences = tiny.sentences.slice(0, 40);
      const sources = sentences.map((s) => model.sourceVocab.encode([SOS, ...tokenize(s), EOS]).reverse());
      const input = {
        sources,
        maxLengths: sources.map((s) => 2 * s.length + 2),
        sos: model.targetVocab.index(SOS),
        eos: model.targetVocab.index(EOS),
      };
      return { dir: `${tiny.dir}/best`, model, input };
    },
  },
  {
    // Random weights, 2 layers, Bahdanau attention over a bidirectional encoder: long outputs cut at maxLength.
    name: 'an untrained 2-layer Bahdanau model with a bidirectional encoder',
    make: async () => {
      torch.manualSeed(4);
      const words = ['<sos>', '<eos>', ...Array.from({ length: 30 }, (_, i) => `w${i}`)];
      const vocab = new Vocab(words);
      const sizes = { hidden: 24, embedding: 8, layers: 2, attention: 'bahdanau' as const, bidirectional: true };
      const { encoder, decoder } = buildModel(vocab.size, vocab.size, sizes);
      encoder.eval();
      decoder.eval();
      const dir = mkdtempSync(join(tmpdir(), 'decode-model-'));
      const model = { sizes, sourceVocab: vocab, targetVocab: vocab, encoder, decoder, device: 'cpu' as const };
      saveModel(dir, model);
      const random = new Random(8);
      const sources = Array.from({ length: 30 }, () => [
        1,
        ...Array.from({ length: 1 + random.int(9) }, () => 2 + random.int(30)),
        0,
      ]);
      return { dir, model, input: { sources, maxLengths: sources.map((s) => s.length + 3), sos: 0, eos: 1 } };
    },
  },
];

describe.each(cases)('decode_bench.py and this package on $name', ({ make }) => {
  let setup: Awaited<ReturnType<typeof make>>;
  beforeAll(async () => {
    setup = await make();
  }, 60_000);

  it.each([1, 8])('give the same greedy translations word for word at batch size %i', async (batchSize) => {
    const expected = reference(setup.dir, setup.input, 'greedy', batchSize);
    expect((await ours(setup.model, setup.input, 'greedy', batchSize)).words).toEqual(expected.words);
  });

  it.each([1, 8])(
    'give the same best beam-5 hypotheses at batch size %i, log-probabilities within 1e-5',
    async (batchSize) => {
      const expected = reference(setup.dir, setup.input, 'beam', batchSize);
      const got = await ours(setup.model, setup.input, 'beam', batchSize);
      expect(got.words).toEqual(expected.words);
      // Float32 steps summed in float64 on both sides: the cell's exp and tanh round differently from PyTorch's.
      got.logProbs!.forEach((logProb, i) => expect(Math.abs(logProb - expected.logProbs[i]!)).toBeLessThan(1e-5));
    },
  );
});
