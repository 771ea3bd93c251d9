import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Vocab } from '../../src/data/vocab.js';
import {
  hasCheckpoint,
  newTrainerState,
  readCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
} from '../../src/io/checkpoint.js';
import { loadModel } from '../../src/io/model-files.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { pytorch } from '../helpers/pytorch.js';

// The writer process runs from dist/ (built by `npm install`'s prepare step); rebuilt here to match the source.
beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const words = ['<sos>', 'a', 'b', '<eos>'];

function small() {
  const sourceVocab = new Vocab(words);
  const targetVocab = new Vocab(['<sos>', 'x', 'y', '<eos>']);
  const encoder = new Encoder(4, 8, 4, 2);
  const decoder = new Decoder(4, 8, 4, 2);
  const optimizers = {
    encoder: new torch.optim.Adam(encoder.parameters(), { lr: 0.01 }),
    decoder: new torch.optim.Adam(decoder.parameters(), { lr: 0.01 }),
  };
  return {
    model: { sizes: { hidden: 8, embedding: 4, layers: 2 }, sourceVocab, targetVocab, encoder, decoder },
    optimizers,
  };
}

/** One Adam step on a loss touching every parameter, so that the optimizers hold state. */
function stepAll(m: ReturnType<typeof small>): void {
  for (const [module, opt] of [
    [m.model.encoder, m.optimizers.encoder],
    [m.model.decoder, m.optimizers.decoder],
  ] as const) {
    opt.zeroGrad();
    module
      .parameters()
      .map((p) => p.mul(p).sum())
      .reduce((a, b) => a.add(b))
      .backward();
    opt.step();
  }
}

describe('checkpoints', () => {
  it('write the model, both optimizers and the trainer state; last and best point at whole checkpoints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const m = small();
    const trainer = newTrainerState({ corpus: 'c.txt' }, 7);
    for (const epoch of [1, 2, 3]) {
      stepAll(m);
      trainer.epoch = epoch;
      trainer.history.push({ epoch, train_loss: 1 / epoch, seconds: 1 });
      writeCheckpoint(dir, m.model, m.optimizers, trainer, epoch === 2);
    }
    expect(readlinkSync(join(dir, 'last'))).toBe(join('checkpoints', 'epoch-0003'));
    expect(readlinkSync(join(dir, 'best'))).toBe(join('checkpoints', 'epoch-0002'));
    // Only what a link points at is kept.
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['epoch-0002', 'epoch-0003']);
    expect(hasCheckpoint(dir)).toBe(true);

    const checkpoint = readCheckpoint(dir);
    expect(checkpoint.trainer.epoch).toBe(3);
    expect(checkpoint.trainer.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const fresh = small();
    restoreCheckpoint(checkpoint, fresh.model, fresh.optimizers);
    expect(fresh.model.decoder.stateDict()['dense.weight']!.toArray()).toEqual(
      m.model.decoder.stateDict()['dense.weight']!.toArray(),
    );
    const [a, b] = [m.optimizers.encoder.stateDict(), fresh.optimizers.encoder.stateDict()];
    expect(b.state.get(0)!.step!.item()).toBe(3);
    expect(b.state.get(3)!.exp_avg_sq!.toArray()).toEqual(a.state.get(3)!.exp_avg_sq!.toArray());

    // translate and eval read the best checkpoint of a training folder.
    const best = loadModel(dir);
    expect(best.sourceVocab.words).toEqual(words);

    // PyTorch reads every file: the state dicts with the notebook's keys, the optimizer states.
    const keys = pytorch<{ enc: string[]; dec: string[]; steps: number[] }>(
      `import os
d = os.path.join(inp['dir'], 'last')
enc = torch.load(os.path.join(d, 'encoder.pt'), weights_only=True)
dec = torch.load(os.path.join(d, 'decoder.pt'), weights_only=True)
opt = torch.load(os.path.join(d, 'encoder_optimizer.pt'), **SAFE)
out({'enc': list(enc), 'dec': list(dec), 'steps': [float(s['step']) for s in opt['state'].values()]})`,
      { dir },
    );
    expect(keys.enc).toEqual([
      'embedding.weight',
      'lstm.weight_ih_l0',
      'lstm.weight_hh_l0',
      'lstm.bias_ih_l0',
      'lstm.bias_hh_l0',
      'lstm.weight_ih_l1',
      'lstm.weight_hh_l1',
      'lstm.bias_ih_l1',
      'lstm.bias_hh_l1',
    ]);
    expect(keys.dec.slice(-2)).toEqual(['dense.weight', 'dense.bias']);
    expect(keys.steps).toEqual(new Array(9).fill(3));
  });

  it('a missing, truncated or foreign file is a clear error naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-'));
    expect(() => readCheckpoint(dir)).toThrow(/not a training folder \(no last\/ checkpoint/);
    const m = small();
    const trainer = newTrainerState({}, 0);
    trainer.epoch = 1;
    writeCheckpoint(dir, m.model, m.optimizers, trainer, true);
    const last = join(dir, 'last');
    writeFileSync(join(last, 'decoder_optimizer.pt'), 'garbage');
    const fresh = small();
    expect(() => restoreCheckpoint(readCheckpoint(dir), fresh.model, fresh.optimizers)).toThrow(
      /decoder_optimizer.pt: not a PyTorch file/,
    );
    torch.save({ 'embedding.weight': torch.zeros([4, 4]) }, join(last, 'encoder.pt'));
    expect(() => restoreCheckpoint(readCheckpoint(dir), fresh.model, fresh.optimizers)).toThrow(
      /encoder.pt: .*missing keys: lstm.weight_ih_l0/,
    );
    writeFileSync(join(last, 'trainer.json'), '{"format": "other"}');
    expect(() => readCheckpoint(dir)).toThrow(/trainer.json: not a seq2seq-node trainer state/);
    writeFileSync(join(last, 'src_vocab.json'), '["a", "a"]');
    expect(() => loadModel(dir)).toThrow(/src_vocab.json: a word appears twice/);
  });

  it.each(['synchronous', 'background'])(
    'a %s writer killed at any moment leaves last pointing at a whole, consistent checkpoint',
    async (mode) => {
      const dir = mkdtempSync(join(tmpdir(), 'ckpt-kill-'));
      // Each checkpoint is ~40 MB (hidden 256, 4 layers, with Adam's moments), so a kill lands mid-write.
      // Epoch E's checkpoint marks encoder.embedding.weight[0] with E, so a mixed checkpoint would show. The
      // background writer's "training" marks it -E right after the checkpoint is taken: that may not show either.
      const writer = `
      const torch = await import('./dist/torch/index.js');
      const { Vocab } = await import('./dist/data/vocab.js');
      const { Encoder } = await import('./dist/model/encoder.js');
      const { Decoder } = await import('./dist/model/decoder.js');
      const ck = await import('./dist/io/checkpoint.js');
      const dir = process.argv[1];
      const vocab = new Vocab(['<sos>', ...Array.from({ length: 1998 }, (_, i) => 'w' + i), '<eos>']);
      const encoder = new Encoder(2000, 256, 64, 4), decoder = new Decoder(2000, 256, 64, 4);
      const optimizers = { encoder: new torch.optim.Adam(encoder.parameters()), decoder: new torch.optim.Adam(decoder.parameters()) };
      for (const [m, o] of [[encoder, optimizers.encoder], [decoder, optimizers.decoder]]) {
        m.parameters().map((p) => p.sum()).reduce((a, b) => a.add(b)).backward(); o.step();
      }
      const start = ck.hasCheckpoint(dir) ? ck.readCheckpoint(dir).trainer.epoch + 1 : 1;
      const model = { sizes: { hidden: 256, embedding: 64, layers: 4 }, sourceVocab: vocab, targetVocab: vocab, encoder, decoder };
      const background = process.argv[2] === 'background';
      const { CheckpointWriter } = await import('./dist/io/checkpoint-writer.js');
      const checkpoints = new CheckpointWriter();
      const mark = (v) => encoder.stateDict()['embedding.weight'].narrow(0, 0, 1).copy_(torch.full([1, 64], v));
      for (let epoch = start; ; epoch++) {
        mark(epoch);
        const trainer = ck.newTrainerState({}, 0);
        trainer.epoch = epoch;
        if (!background) {
          ck.writeCheckpoint(dir, model, optimizers, trainer, epoch % 3 === 1);
        } else {
          // Returns once the previous checkpoint is whole; this one is written while "training" goes on.
          await checkpoints.write(dir, model, optimizers, trainer, epoch % 3 === 1);
          mark(-epoch);
          if (epoch === start) continue;
        }
        process.stdout.write(epoch + '\\n');
      }`;
      let midWrite = 0;
      for (const delay of [0, 90, 170, 260, 350]) {
        const child = spawn(process.execPath, ['--input-type=module', '-e', writer, dir, mode], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        // Wait for one whole checkpoint of this writer, then kill it somewhere inside the next ones.
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', (code) => reject(new Error(`writer exited (${code}): ${stderr}`)));
        });
        await new Promise((r) => setTimeout(r, delay));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        if (readdirSync(join(dir, 'checkpoints')).some((e) => e.endsWith('.tmp'))) midWrite++;

        const checkpoint = readCheckpoint(dir);
        const model = loadModel(join(dir, 'last'));
        expect(model.encoder.stateDict()['embedding.weight']!.get(0).toArray()).toEqual(
          new Array(64).fill(checkpoint.trainer.epoch),
        );
        for (const f of ['encoder_optimizer.pt', 'decoder_optimizer.pt']) {
          const state = torch.load(join(dir, 'last', f)) as { state: Map<number, unknown> };
          expect(state.state.size).toBe(17 + (f.startsWith('decoder') ? 2 : 0)); // 1 + 4 layers x 4 (+ dense)
          torch.disposeAll(state);
        }
        expect(existsSync(join(dir, 'best', 'config.json'))).toBe(true);
      }
      // The kills did land inside writes (a temporary checkpoint folder was left behind), not only between them.
      expect(midWrite).toBeGreaterThan(0);
    },
    120_000,
  );
});
