import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { EOS, SOS } from '../../src/data/tokenize.js';
import { greedyDecode } from '../../src/decode/greedy.js';
import { exportRunLosses, exportRunStart } from '../../src/io/run-export.js';
import { resolveConfig } from '../../src/model/config.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { trainNotebook } from '../../src/train/notebook.js';
import { DEVICE } from '../helpers/device.js';
import { PYTHON } from '../helpers/pytorch.js';

interface Reference {
  per_sentence: number[][];
  current_loss: number[];
  translations: number[][];
}

describe('the notebook loop', () => {
  it('gives PyTorch’s per-sentence losses (relative difference <= 1e-5 over 200 sentences, 2 epochs) and translations', async () => {
    const config = resolveConfig({
      instances: 200,
      epochs: 2,
      hidden: 32,
      embedding: 30,
      layers: 4,
      seed: 3,
      device: DEVICE,
    });
    const corpus = join(mkdtempSync(join(tmpdir(), 'corpus-')), 'deu-demo.txt');
    writeFileSync(corpus, generateDemoCorpus({ pairs: 2000, seed: 5 }));
    const { pairs } = readCorpus(corpus);
    const data = buildDataset(samplePairs(pairs, config.instances, config.seed));
    torch.manualSeed(config.seed);
    const encoder = new Encoder(data.sourceVocab.size, config.hidden, config.embedding, config.layers).to(DEVICE);
    const decoder = new Decoder(data.targetVocab.size, config.hidden, config.embedding, config.layers).to(DEVICE);
    const dir = mkdtempSync(join(tmpdir(), 'run-'));
    exportRunStart(dir, data, encoder, decoder, config);
    const losses = await trainNotebook(encoder, decoder, data, config);
    exportRunLosses(dir, losses);

    const result = spawnSync(PYTHON, ['scripts/reference/notebook.py', dir, '--device', DEVICE, '--translate', '20'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(result.stderr);
    const ref = JSON.parse(result.stdout) as Reference;

    let maxRel = 0;
    let count = 0;
    ref.per_sentence.forEach((epoch, i) =>
      epoch.forEach((theirs, j) => {
        const ours = losses.perSentence[i]![j]!;
        maxRel = Math.max(maxRel, Math.abs(ours - theirs) / Math.max(Math.abs(theirs), 1e-12));
        count++;
      }),
    );
    console.log(
      `crosscheck on ${DEVICE}: ${count} sentence losses, max relative difference ${maxRel.toExponential(2)} (limit 1e-5)`,
    );
    expect(count).toBe(400);
    expect(maxRel).toBeLessThanOrEqual(1e-5);
    expect(losses.currentLoss).toHaveLength(2);

    const sos = data.targetVocab.index(SOS);
    const eos = data.targetVocab.index(EOS);
    const ours = data.sources
      .slice(0, 20)
      .map((s, j) =>
        greedyDecode(encoder, decoder, s, { sos, eos, maxLength: data.targets[j]!.length, device: DEVICE }),
      );
    expect(ours).toEqual(ref.translations);
  });
});
