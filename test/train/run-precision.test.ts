/**
 * --precision from the option table to the trainer.json a run keeps: refused with the reason where it cannot
 * apply, float32 weights in the checkpoints either way, a bf16 run resumed equal byte for byte to one trained in one
 * go, and a run that may continue in the other precision.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import * as torch from '../../src/torch/index.js';
import { checkPrecision } from '../../src/train/precision.js';
import { train } from '../../src/train/run.js';
import { checkTrainOptions, type TrainOptions } from '../../src/train/run-options.js';
import { checkpointFiles } from '../helpers/checkpoint-files.js';

const bf16 = torch.buildInfo().cpuBf16 !== 'none';
const root = mkdtempSync(join(tmpdir(), 'run-precision-'));
const corpus = join(root, 'demo.txt');
writeFileSync(corpus, generateDemoCorpus({ pairs: 300, seed: 3 }));

const options: TrainOptions = {
  corpus,
  instances: 200,
  hidden: 16,
  embedding: 16,
  layers: 2,
  batchSize: 16,
  threads: 1,
  samples: 0,
  precision: 'bf16',
};

const lastCheckpoint = (dir: string) => checkpointFiles(dir);

describe('--precision', () => {
  it('is fp32 or bf16, batched only, and bf16 only where the CPU has AVX-512 BF16 or AMX', async () => {
    expect(() => checkTrainOptions({ precision: 'fp16' as never })).toThrow('precision');
    await expect(train({ ...options, out: join(root, 'fused'), mode: 'fused', hidden: 128 })).rejects.toThrow(
      "--mode fused replays the notebook's float32 training: --precision bf16 needs --mode batched",
    );
    if (!bf16) {
      expect(() => checkPrecision('bf16', 'cpu')).toThrow('--precision bf16 needs a CPU with AVX-512 BF16 or AMX');
      await expect(train({ ...options, out: join(root, 'refused') })).rejects.toThrow('AVX-512 BF16 or AMX');
    }
    expect(() => checkPrecision('fp32', 'cpu')).not.toThrow();
  });

  it.skipIf(!bf16)(
    'bf16: kept in trainer.json, float32 checkpoints, a resumed run equal byte for byte to one trained in one go',
    async () => {
      const whole = await train({ ...options, out: join(root, 'whole'), epochs: 2 });
      expect(whole.options).toMatchObject({ precision: 'bf16' });
      const fp32 = await train({ ...options, precision: 'fp32', out: join(root, 'fp32'), epochs: 1 });
      expect(Object.keys(fp32.options)).not.toContain('precision');
      // bf16 did act: the same run in float32 trains otherwise.
      expect(fp32.history[0]!.train_loss).not.toBe(whole.history[0]!.train_loss);
      const weights = torch.loadTensors(join(root, 'whole', 'last', 'decoder.pt'));
      for (const t of Object.values(weights)) expect(t.dtype).toBe('float32');
      const split = join(root, 'split');
      await train({ ...options, out: split, epochs: 1 });
      await train({ resume: split, epochs: 2 });
      const [a, b] = [lastCheckpoint(join(root, 'whole')), lastCheckpoint(split)];
      expect([...b.keys()]).toEqual([...a.keys()]);
      for (const [name, value] of a) {
        if (Buffer.isBuffer(value)) expect(value.equals(b.get(name) as Buffer), name).toBe(true);
        else expect(b.get(name), name).toEqual(value);
      }
      // The weights are float32 either way: a run may continue in the other precision.
      const continued = await train({ resume: split, epochs: 3, precision: 'fp32' });
      expect(Object.keys(continued.options)).not.toContain('precision');
    },
    300_000,
  );
});
