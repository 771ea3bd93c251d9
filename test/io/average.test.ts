/**
 * Checkpoint averaging (src/io/average.ts) against PyTorch: the averaged state dicts equal what torch computes from
 * the same checkpoint files (torch.load, float64 sums in epoch order, divided, then float32) exactly, and fairseq's
 * float32 sums within 1e-6 x max(1, |b|). Vocabularies and config come from the newest checkpoint; runs keep the
 * checkpoints --keep-checkpoints asks for; mismatched checkpoints and foreign output folders are refused.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EOS, SOS } from '../../src/data/tokenize.js';
import { Vocab } from '../../src/data/vocab.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { averageCheckpoints } from '../../src/io/average.js';
import { listCheckpoints, newTrainerState, writeCheckpoint } from '../../src/io/checkpoint.js';
import { loadModel, type ModelSizes } from '../../src/io/model-files.js';
import { buildModel } from '../../src/model/architecture.js';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/run.js';
import { pytorch } from '../helpers/pytorch.js';

const SOURCE = new Vocab([SOS, EOS, ...'abcdef']);
const TARGET = new Vocab([SOS, EOS, ...'ghijklm']);

/** A training folder whose checkpoints (epochs 1..n) hold different random weights, all kept. */
function fakeRun(
  epochs: number,
  sizes: (epoch: number) => ModelSizes = () => ({ hidden: 8, embedding: 4, layers: 2 }),
  targetVocab: (epoch: number) => Vocab = () => TARGET,
) {
  const dir = mkdtempSync(join(tmpdir(), 'average-run-'));
  const trainer = newTrainerState({}, 0);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    torch.manualSeed(epoch);
    const { encoder, decoder } = buildModel(SOURCE.size, targetVocab(epoch).size, sizes(epoch));
    const optimizers = {
      encoder: new torch.optim.Adam(encoder.parameters()),
      decoder: new torch.optim.Adam(decoder.parameters()),
    };
    trainer.epoch = epoch;
    trainer.history.push({ epoch, train_loss: 1, seconds: 0 });
    const model = { sizes: sizes(epoch), sourceVocab: SOURCE, targetVocab: targetVocab(epoch), encoder, decoder };
    writeCheckpoint(dir, model, optimizers, trainer, epoch === 1, epochs);
  }
  return dir;
}

const REFERENCE = `
out_dir, folders = inp['out'], inp['folders']
result = {}
for name in ['encoder.pt', 'decoder.pt']:
    dicts = [torch.load(f + '/' + name) for f in folders]
    ours = torch.load(out_dir + '/' + name)
    exact, fairseq = 0.0, 0.0
    for k in dicts[0]:
        s = dicts[0][k].double()
        for d in dicts[1:]:
            s = s + d[k].double()
        ref = (s / len(dicts)).float()
        exact = max(exact, (ours[k] - ref).abs().max().item())
        f32 = dicts[0][k].clone()
        for d in dicts[1:]:
            f32 += d[k]
        f32.div_(len(dicts))
        fairseq = max(fairseq, ((ours[k] - f32).abs() / f32.abs().clamp_min(1)).max().item())
    assert list(ours.keys()) == list(dicts[0].keys())
    result[name] = {'exact': exact, 'fairseq': fairseq}
out(result)
`;

describe('seq2seq average: the mean of checkpoints, as torch computes it', () => {
  it('averages the last N checkpoints exactly as torch does from the same files', () => {
    const run = fakeRun(3);
    const out = join(mkdtempSync(join(tmpdir(), 'average-out-')), 'avg');
    const result = averageCheckpoints(run, out, { last: 3 });
    expect(result.epochs).toEqual([1, 2, 3]);
    const ref = pytorch<Record<string, { exact: number; fairseq: number }>>(REFERENCE, {
      out,
      folders: listCheckpoints(run).map((c) => c.folder),
    });
    console.log(`differences from torch's float64 mean and fairseq's float32 sums: ${JSON.stringify(ref)}`);
    for (const name of ['encoder.pt', 'decoder.pt']) {
      expect(ref[name]!.exact, name).toBe(0);
      expect(ref[name]!.fairseq, name).toBeLessThanOrEqual(1e-6);
    }
    // The newest checkpoint's vocabularies and config; what was averaged beside them; it loads as a model.
    const newest = listCheckpoints(run).at(-1)!.folder;
    for (const name of ['config.json', 'src_vocab.json', 'tgt_vocab.json']) {
      expect(readFileSync(join(out, name)), name).toEqual(readFileSync(join(newest, name)));
    }
    expect(JSON.parse(readFileSync(join(out, 'average.json'), 'utf8'))).toMatchObject({ epochs: [1, 2, 3] });
    expect(readdirSync(out).sort()).toEqual(
      ['average.json', 'config.json', 'decoder.pt', 'encoder.pt', 'src_vocab.json', 'tgt_vocab.json'].sort(),
    );
    expect(loadModel(out).sizes.hidden).toBe(8);
  });

  it('--epochs chooses the checkpoints; one of them differs from an average of others', () => {
    const run = fakeRun(3);
    const base = mkdtempSync(join(tmpdir(), 'average-out-'));
    averageCheckpoints(run, join(base, 'a'), { epochs: [3, 1] });
    const ref = pytorch<Record<string, { exact: number }>>(REFERENCE, {
      out: join(base, 'a'),
      folders: listCheckpoints(run)
        .filter((c) => c.epoch !== 2)
        .map((c) => c.folder),
    });
    expect(ref['decoder.pt']!.exact).toBe(0);
    const wrong = pytorch<Record<string, { exact: number }>>(REFERENCE, {
      out: join(base, 'a'),
      folders: listCheckpoints(run).map((c) => c.folder),
    });
    expect(wrong['decoder.pt']!.exact).toBeGreaterThan(0);
  });

  it('refuses what it cannot average, saying why, and writes only into a folder of its own', () => {
    const run = fakeRun(2);
    const base = mkdtempSync(join(tmpdir(), 'average-out-'));
    expect(() => averageCheckpoints(run, join(base, 'x'), { last: 3 })).toThrow(
      /keeps 2 checkpoints \(epochs 1, 2\), not 3: train with --keep-checkpoints N/,
    );
    expect(() => averageCheckpoints(run, join(base, 'x'), { epochs: [1, 4] })).toThrow(
      /has no checkpoint of epoch 4 \(kept: 1, 2\)/,
    );
    expect(() => averageCheckpoints(join(base, 'none'), join(base, 'x'), { last: 1 })).toThrow(/no such folder/);
    expect(() => averageCheckpoints(base, join(base, 'x'), { last: 1 })).toThrow(/not a training folder/);
    const mixed = fakeRun(2, (epoch) => ({ hidden: epoch === 1 ? 8 : 6, embedding: 4, layers: 2 }));
    expect(() => averageCheckpoints(mixed, join(base, 'x'), { last: 2 })).toThrow(
      'cannot average epoch 1 with epoch 2: hidden is 8, not 6 (checkpoints of one architecture only)',
    );
    const renamed = fakeRun(2, undefined, (epoch) => (epoch === 1 ? TARGET : new Vocab([SOS, EOS, ...'ghijkln'])));
    expect(() => averageCheckpoints(renamed, join(base, 'x'), { last: 2 })).toThrow(
      'cannot average epoch 1 with epoch 2: their tgt_vocab.json differ (one vocabulary only)',
    );
    const foreign = join(base, 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    expect(() => averageCheckpoints(run, foreign, { last: 2 })).toThrow(/folder with other files in it/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    expect(() => averageCheckpoints(run, join(run, 'avg'), { last: 2 })).toThrow(/inside the training folder/);
    // A model it wrote is replaced only with force.
    averageCheckpoints(run, join(base, 'y'), { last: 2 });
    expect(() => averageCheckpoints(run, join(base, 'y'), { last: 1 })).toThrow(/exists: choose another folder/);
    averageCheckpoints(run, join(base, 'y'), { last: 1, force: true });
    expect(JSON.parse(readFileSync(join(base, 'y', 'average.json'), 'utf8')).epochs).toEqual([2]);
    expect(readdirSync(base).filter((e) => e.endsWith('.tmp'))).toEqual([]);
  });

  it('a run keeps the checkpoints of its --keep-checkpoints latest epochs (besides best), and averages them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'average-train-'));
    const corpus = join(dir, 'demo.txt');
    writeFileSync(corpus, generateDemoCorpus({ pairs: 200, seed: 2 }));
    const out = join(dir, 'run');
    await train({
      corpus,
      out,
      instances: 120,
      epochs: 4,
      hidden: 8,
      embedding: 4,
      layers: 1,
      batchSize: 16,
      threads: 1,
      keepCheckpoints: 2,
    });
    const kept = listCheckpoints(out).map((c) => c.epoch);
    expect(kept.slice(-2)).toEqual([3, 4]);
    expect(kept.length).toBeLessThanOrEqual(3); // and best, when it is an earlier epoch
    const result = averageCheckpoints(out, join(dir, 'avg'), { last: 2 });
    expect(result.epochs).toEqual([3, 4]);
    expect(existsSync(join(dir, 'avg', 'config.json'))).toBe(true);
  });
});
