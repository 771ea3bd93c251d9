/**
 * The background checkpoint writer (src/io/checkpoint-writer.ts): the files it writes are writeCheckpoint's, byte
 * for byte, holding the state at the epoch's end however training changes it meanwhile; one write at a time; a
 * failed write is thrown at the next write or at the end, never lost. (A writer killed at any moment leaves `last`
 * at a whole checkpoint: test/io/checkpoint.test.ts, for both writers.)
 */
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Vocab } from '../../src/data/vocab.js';
import { newTrainerState, writeCheckpoint, type TrainerState } from '../../src/io/checkpoint.js';
import { CheckpointWriter } from '../../src/io/checkpoint-writer.js';
import { buildModel } from '../../src/model/architecture.js';
import * as torch from '../../src/torch/index.js';

function small() {
  const words = (side: string) => ['<sos>', '<eos>', ...Array.from({ length: 30 }, (_, i) => `${side}${i}`)];
  const sizes = { hidden: 16, embedding: 8, layers: 2, attention: 'luong-general' as const };
  const { encoder, decoder } = buildModel(32, 32, sizes);
  const optimizers = {
    encoder: new torch.optim.Adam(encoder.parameters(), { lr: 0.01 }),
    decoder: new torch.optim.Adam(decoder.parameters(), { lr: 0.01 }),
  };
  const model = { sizes, sourceVocab: new Vocab(words('s')), targetVocab: new Vocab(words('t')), encoder, decoder };
  return { model, optimizers };
}

/** One Adam step on a loss touching every parameter: weights and moments change. */
function step(m: ReturnType<typeof small>): void {
  for (const [module, opt] of [
    [m.model.encoder, m.optimizers.encoder],
    [m.model.decoder, m.optimizers.decoder],
  ] as const) {
    torch.tidy(() => {
      opt.zeroGrad();
      module
        .parameters()
        .map((p) => p.mul(p).sum())
        .reduce((a, b) => a.add(b))
        .backward();
      opt.step();
    });
  }
}

function nextEpoch(trainer: TrainerState): void {
  trainer.epoch += 1;
  trainer.history.push({ epoch: trainer.epoch, train_loss: 1 / trainer.epoch, seconds: 1 });
}

/** Every file of every checkpoint folder and both links, as bytes. */
function folderFiles(dir: string): Map<string, Buffer | string> {
  const files = new Map<string, Buffer | string>();
  const root = join(dir, 'checkpoints');
  for (const folder of readdirSync(root).sort()) {
    for (const name of readdirSync(join(root, folder)).sort()) {
      files.set(`${folder}/${name}`, readFileSync(join(root, folder, name)));
    }
  }
  for (const link of ['last', 'best']) files.set(link, readlinkSync(join(dir, link)));
  return files;
}

describe('the background checkpoint writer', () => {
  it("writes writeCheckpoint's bytes, with the state at the epoch's end though training goes on meanwhile", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-writer-'));
    torch.manualSeed(3);
    const m = small();
    const trainer = newTrainerState({ corpus: 'c.txt' }, 7);
    const writer = new CheckpointWriter();
    const tensorsBefore = torch.memory().numTensors;
    for (let epoch = 1; epoch <= 3; epoch++) {
      step(m);
      nextEpoch(trainer);
      const live = torch.memory().numTensors;
      writeCheckpoint(join(dir, 'sync'), m.model, m.optimizers, trainer, epoch !== 2, 3);
      // Nothing left for the garbage collector: the views it wrote from are freed.
      expect(torch.memory().numTensors).toBe(live);
      await writer.write(join(dir, 'background'), m.model, m.optimizers, trainer, epoch !== 2, 3);
      // The next epoch trains (and the trainer state moves on) before the files are written: none of it may show.
      step(m);
      step(m);
      trainer.history[trainer.history.length - 1]!.train_loss = -1;
    }
    await writer.close();
    const [sync, background] = [folderFiles(join(dir, 'sync')), folderFiles(join(dir, 'background'))];
    expect([...background.keys()]).toEqual([...sync.keys()]);
    expect(sync.size).toBe(3 * 8 + 2);
    for (const [name, bytes] of sync) expect(background.get(name), name).toEqual(bytes);
    // The copies (kept for the next checkpoint's) are freed by close().
    expect(torch.memory().numTensors).toBeLessThanOrEqual(tensorsBefore);
  });

  it('waits for the previous write before taking the next checkpoint: one write in flight', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-writer-'));
    const m = small();
    step(m);
    const trainer = newTrainerState({}, 0);
    const writer = new CheckpointWriter();
    nextEpoch(trainer);
    await writer.write(dir, m.model, m.optimizers, trainer, true);
    expect(readdirSync(dir)).not.toContain('last'); // still being written
    nextEpoch(trainer);
    const second = writer.write(dir, m.model, m.optimizers, trainer, false);
    await expect(writer.write(dir, m.model, m.optimizers, trainer, false)).rejects.toThrow(/called again/);
    await second;
    // The first is whole and linked by the time the second is taken.
    expect(readlinkSync(join(dir, 'last'))).toBe(join('checkpoints', 'epoch-0001'));
    await writer.settled();
    expect(readlinkSync(join(dir, 'last'))).toBe(join('checkpoints', 'epoch-0002'));
    expect(readlinkSync(join(dir, 'best'))).toBe(join('checkpoints', 'epoch-0001'));
  });

  it('throws a failed write at the next write, then at the end, never as an unhandled rejection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ckpt-writer-'));
    writeFileSync(join(dir, 'checkpoints'), 'a file where the folder goes');
    const m = small();
    step(m);
    const trainer = newTrainerState({}, 0);
    const writer = new CheckpointWriter();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      nextEpoch(trainer);
      await writer.write(dir, m.model, m.optimizers, trainer, true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      nextEpoch(trainer);
      await expect(writer.write(dir, m.model, m.optimizers, trainer, true)).rejects.toThrow(
        /writing the checkpoint of epoch 1 failed: .*(EEXIST|ENOTDIR)/,
      );
      await writer.settled(); // thrown once; nothing in flight since
      nextEpoch(trainer);
      await writer.write(dir, m.model, m.optimizers, trainer, true);
      await expect(writer.settled()).rejects.toThrow(/writing the checkpoint of epoch 3 failed/);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
