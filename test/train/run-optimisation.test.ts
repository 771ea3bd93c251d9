/**
 * A run with the optimisation options (SGD with momentum, learning-rate schedules, accumulation, token batches):
 * resumed after any epoch it equals the run trained in one go, byte for byte (weights, optimizer states with
 * their momentum buffers, the schedule's state in trainer.json) and line for line in metrics.jsonl; the options
 * that do not go together are refused with the reason.
 */
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { train } from '../../src/train/run.js';
import type { TrainOptions } from '../../src/train/run-options.js';
import type { MetricsLine } from '../../src/train/run-metrics.js';
import { PYTHON } from '../helpers/pytorch.js';
import { spawnSync } from 'node:child_process';
import { checkpointFiles } from '../helpers/checkpoint-files.js';

const root = mkdtempSync(join(tmpdir(), 'train-opt-'));
const corpus = join(root, 'demo.txt');
writeFileSync(corpus, generateDemoCorpus({ pairs: 400, seed: 2 }));
const base: TrainOptions = { corpus, instances: 240, hidden: 16, embedding: 8, layers: 2, threads: 1 };

/** The last checkpoint's files (trainer.json without the epochs' wall-clock seconds) and the links. */
function runFiles(dir: string): Map<string, Buffer | unknown> {
  const files: Map<string, Buffer | unknown> = checkpointFiles(dir);
  const last = join(dir, 'last');
  files.set('last ->', readlinkSync(last));
  files.set('best ->', readlinkSync(join(dir, 'best')));
  return files;
}

/** metrics.jsonl without the figures of time. */
function metrics(dir: string): Omit<MetricsLine, 'tokens_per_s' | 'seconds'>[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => {
      const { tokens_per_s: _, seconds: __, ...rest } = JSON.parse(line) as MetricsLine;
      return rest;
    });
}

function expectSameRun(a: string, b: string): void {
  const [fa, fb] = [runFiles(a), runFiles(b)];
  expect([...fb.keys()]).toEqual([...fa.keys()]);
  for (const [name, value] of fa) {
    const other = fb.get(name);
    if (Buffer.isBuffer(value)) expect(Buffer.isBuffer(other) && value.equals(other), name).toBe(true);
    else expect(other, name).toEqual(value);
  }
  expect(metrics(b)).toEqual(metrics(a));
}

const RECIPES: { name: string; options: TrainOptions }[] = [
  {
    name: 'SGD with momentum, plateau on BLEU, accumulating 2 batches of at most 120 target tokens',
    options: {
      optimizer: 'sgd',
      lr: 0.5,
      momentum: 0.9,
      lrSchedule: 'plateau',
      lrPatience: 0,
      bestMetric: 'bleu',
      accumulate: 2,
      maxTokens: 120,
      logEvery: 3,
    },
  },
  {
    name: "Sutskever's halving every half epoch after epoch 1, SGD",
    options: { optimizer: 'sgd', lr: 0.7, lrSchedule: 'step', lrDecayStart: 1, batchSize: 16, logEvery: 4 },
  },
  {
    name: 'Adam with warmup then inverse square root, weight decay',
    options: { lrSchedule: 'warmup-rsqrt', warmupSteps: 10, weightDecay: 0.001, batchSize: 16, logEvery: 5 },
  },
];

describe('a run with the optimisation options', () => {
  for (const { name, options } of RECIPES) {
    it(`resumes exactly, metrics.jsonl included: ${name}`, async () => {
      const whole = join(root, `whole-${RECIPES.findIndex((r) => r.name === name)}`);
      const split = `${whole}-split`;
      const result = await train({ ...base, ...options, out: whole, epochs: 4 });
      await train({ ...base, ...options, out: split, epochs: 1 });
      // What a crash between metrics.jsonl and the checkpoint leaves: lines of an epoch the checkpoint lacks.
      appendFileSync(join(split, 'metrics.jsonl'), `${JSON.stringify({ type: 'epoch', epoch: 2, step: 999 })}\n`);
      await train({ resume: split, epochs: 3, threads: 1 });
      await train({ resume: split, epochs: 4, threads: 1, logEvery: options.logEvery });
      expectSameRun(whole, split);

      const lines = metrics(whole);
      const epochs = lines.filter((l) => l.type === 'epoch');
      expect(epochs.map((l) => l.epoch)).toEqual([1, 2, 3, 4]);
      expect(epochs.map((l) => l.train_loss)).toEqual(result.history.map((h) => h.train_loss));
      expect(epochs.map((l) => l.valid_loss)).toEqual(result.history.map((h) => h.valid_loss));
      const steps = lines.map((l) => l.step);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(new Set(steps).size).toBe(steps.length);
      for (const l of lines.filter((l) => l.type === 'step')) expect(l.step % options.logEvery!).toBe(0);
      const trainer = JSON.parse(readFileSync(join(whole, 'last', 'trainer.json'), 'utf8')) as {
        schedule: { step: number; lr: number };
      };
      expect(trainer.schedule.step).toBe(epochs[3]!.step);
      const rates = lines.map((l) => l.lr);
      // The plateau's reduction after epoch 3 (no better BLEU) came back from the checkpoint for epoch 4.
      if (options.lrSchedule === 'plateau') expect(epochs.map((l) => l.lr)).toEqual([0.5, 0.5, 0.5, 0.25]);
      if (options.lrSchedule === 'step') {
        // Epoch 1 at 0.7, then 0.35, 0.175 in epoch 2, 0.0875, 0.04375 in epoch 3, and so on: inside epochs.
        for (const r of rates) expect([0.7, 0.35, 0.175, 0.0875, 0.04375, 0.021875, 0.0109375]).toContain(r);
        expect(epochs.map((l) => l.lr)).toEqual([0.7, 0.175, 0.04375, 0.0109375]);
        expect(rates).toContain(0.35);
      }
      if (options.lrSchedule === 'warmup-rsqrt') expect(rates[0]).toBeCloseTo(0.01 * (5 / 10), 12);
      expect(existsSync(join(whole, 'loss.png'))).toBe(true);
    });
  }

  it('continues a run of a version before schedules as one trained in one go, counting its updates', async () => {
    const whole = join(root, 'older-whole');
    const older = join(root, 'older');
    await train({ ...base, batchSize: 16, out: whole, epochs: 2 });
    await train({ ...base, batchSize: 16, out: older, epochs: 1 });
    // What that version wrote: no schedule state, none of the optimisation options.
    const path = join(older, 'last', 'trainer.json');
    const trainer = JSON.parse(readFileSync(path, 'utf8')) as Record<string, Record<string, unknown>>;
    delete trainer.schedule;
    for (const name of ['optimizer', 'lrSchedule', 'accumulate', 'logEvery']) delete trainer.options![name];
    writeFileSync(path, JSON.stringify(trainer));
    rmSync(join(older, 'metrics.jsonl'));
    await train({ resume: older, epochs: 2, threads: 1 });
    for (const file of ['encoder.pt', 'decoder.pt', 'encoder_optimizer.pt', 'decoder_optimizer.pt']) {
      expect(readFileSync(join(older, 'last', file)).equals(readFileSync(join(whole, 'last', file))), file).toBe(true);
    }
    expect(metrics(older)).toEqual(metrics(whole).filter((line) => line.epoch === 2));
  });

  it('keeps the SGD momentum buffers in a state torch.optim.SGD loads', () => {
    const dir = join(root, 'whole-0', 'last');
    const r = spawnSync(
      PYTHON,
      [
        '-c',
        `import sys, torch
s = torch.load(sys.argv[1])
g = s['param_groups'][0]
assert g['momentum'] == 0.9 and len(s['state']) == len(g['params']), (g, len(s['state']))
p = [torch.nn.Parameter(v['momentum_buffer'].clone()) for v in s['state'].values()]
o = torch.optim.SGD(p, lr=1, momentum=0.9)
o.load_state_dict(s)
print(o.param_groups[0]['lr'])`,
        join(dir, 'encoder_optimizer.pt'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(Number(r.stdout)).toBeGreaterThan(0);
  });

  it('refuses options that do not go together, with the reason', async () => {
    const out = join(root, 'refused');
    const refused = (options: TrainOptions) => train({ ...base, out, epochs: 1, ...options });
    await expect(refused({ mode: 'notebook', optimizer: 'sgd' })).rejects.toThrow(
      /notebook modes train with the notebook's Adam.*--optimizer need --mode batched/,
    );
    await expect(refused({ mode: 'fused', accumulate: 2 })).rejects.toThrow(/--accumulate need --mode batched/);
    await expect(refused({ momentum: 0.9 })).rejects.toThrow(
      /--momentum is the SGD momentum: use it with --optimizer sgd/,
    );
    await expect(refused({ lrSchedule: 'plateau', warmupSteps: 5 })).rejects.toThrow(
      /--warmup-steps belongs to --lr-schedule warmup-rsqrt, not plateau/,
    );
    await expect(refused({ lrSchedule: 'plateau', validFraction: 0 })).rejects.toThrow(/needs held-out pairs/);
    await expect(refused({ lrDecay: 0 })).rejects.toThrow(/lrDecay/);
    await expect(refused({ maxTokens: 100, worldSize: 2, rank: 0 })).rejects.toThrow(
      /--max-tokens is not supported in data-parallel training/,
    );
    await expect(train({ resume: join(root, 'whole-1'), epochs: 4, lrSchedule: 'constant' })).rejects.toThrow(
      /--lr-schedule cannot change/,
    );
  });
});
