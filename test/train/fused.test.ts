import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { modelParts } from '../../src/model/parts.js';
import { trainFused } from '../../src/train/fused.js';
import { native } from '../../src/torch/addon.js';
import { trainNotebook } from '../../src/train/notebook.js';
import { DEVICE } from '../helpers/device.js';

const { pairs } = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 2000, seed: 7 })), 'demo');
const data = buildDataset(samplePairs(pairs, 200, 7));

function model(seed: number): [Encoder, Decoder] {
  torch.manualSeed(seed);
  return [
    new Encoder(data.sourceVocab.size, 32, 30, 4).to(DEVICE),
    new Decoder(data.targetVocab.size, 32, 30, 4).to(DEVICE),
  ];
}

describe('the fused notebook step', () => {
  // The fused step runs the jobs' LSTM kernel, decodes over the guessed words in one sequence and takes one-pass
  // Adam steps: the notebook's computation with other roundings. In float64 the 400 losses agree to 1e-7 (the
  // algorithm); in float32 training amplifies 1e-7 roundings chaotically (to ~1e-4 after 400 Adam steps), so
  // float32 is compared over the first 20 sentences.
  it('gives the TypeScript mirror’s losses (float64: relative difference <= 1e-7 over 200 sentences and 2 epochs)', async () => {
    const compare = async (dtype: 'float32' | 'float64', epochs: number) => {
      torch.setDefaultDtype(dtype);
      try {
        const options = { epochs, lr: 0.01, device: DEVICE };
        const t0 = performance.now();
        const mirror = await trainNotebook(...model(11), data, options);
        const t1 = performance.now();
        const fused = await trainFused(...model(11), data, options);
        const t2 = performance.now();
        const rel = mirror.perSentence
          .flat()
          .map((l, i) => Math.abs(fused.perSentence.flat()[i]! - l) / Math.max(Math.abs(l), 1e-12));
        return { rel, mirror: (t1 - t0) / 1000, fused: (t2 - t1) / 1000 };
      } finally {
        torch.setDefaultDtype('float32');
      }
    };
    const exact = await compare('float64', 2);
    const single = await compare('float32', 1);
    const first = Math.max(...single.rel.slice(0, 20));
    console.log(
      `fused vs mirror on ${DEVICE}: float64, 400 sentence losses, max relative difference ` +
        `${Math.max(...exact.rel).toExponential(2)} (limit 1e-7); float32, first 20: ${first.toExponential(2)} ` +
        `(limit 1e-5), all 200: ${Math.max(...single.rel).toExponential(2)}; float32 epoch: mirror ` +
        `${single.mirror.toFixed(1)} s, fused ${single.fused.toFixed(1)} s (not a benchmark)`,
    );
    expect(Math.max(...exact.rel)).toBeLessThanOrEqual(1e-7);
    expect(first).toBeLessThanOrEqual(1e-5);
  });

  it('rejects indices outside the vocabularies before libtorch sees them', () => {
    const [encoder, decoder] = model(1);
    const opt = new torch.optim.Adam(encoder.parameters());
    const parts = modelParts(encoder, decoder, opt, opt);
    expect(() => native.notebookStep(parts, [0, 99999], [0, 1], 0, 1, DEVICE)).toThrow(
      /source index 99999 is out of range/,
    );
    expect(() =>
      native.notebookStep({ ...parts, encoderLstm: parts.decoderDense as never }, [0], [0], 0, 1, DEVICE),
    ).toThrow('Expected parts.encoderLstm to be an LSTM');
  });
});
