import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { modelParts } from '../../src/model/parts.js';
import { trainFused } from '../../src/train/fused.js';
import { native } from '../../src/torch/native.js';
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
  it('gives the TypeScript mirror’s losses (relative difference <= 1e-5 over 200 sentences and 2 epochs)', async () => {
    const options = { epochs: 2, lr: 0.01, device: DEVICE };
    const t0 = performance.now();
    const mirror = await trainNotebook(...model(11), data, options);
    const t1 = performance.now();
    const fused = await trainFused(...model(11), data, options);
    const t2 = performance.now();
    let maxRel = 0;
    mirror.perSentence.forEach((epoch, i) =>
      epoch.forEach((l, j) => {
        maxRel = Math.max(maxRel, Math.abs(fused.perSentence[i]![j]! - l) / Math.max(Math.abs(l), 1e-12));
      }),
    );
    console.log(
      `fused vs mirror on ${DEVICE}: 400 sentence losses, max relative difference ${maxRel.toExponential(2)} ` +
        `(limit 1e-5); mirror ${((t1 - t0) / 1000).toFixed(1)} s, fused ${((t2 - t1) / 1000).toFixed(1)} s (not a benchmark)`,
    );
    expect(maxRel).toBeLessThanOrEqual(1e-5);
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
