/**
 * train() as library code: a folder started by the library continues with the command line and the other way
 * round, byte for byte; the modules are back in training mode after validation and at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { parseCorpus } from '../../src/data/corpus.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { buildModel } from '../../src/model/architecture.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import { train, type TrainResult } from '../../src/train/run.js';
import type { TrainOptions } from '../../src/train/run-options.js';
import { exactMatch, inEvalMode, sampleTranslations, validationBleu } from '../../src/train/validation.js';
import * as torch from '../../src/torch/index.js';
import { checkpointFiles } from '../helpers/checkpoint-files.js';

// The CLI runs from dist/; rebuilt here so that the test sees this source.
beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const root = mkdtempSync(join(tmpdir(), 'train-run-'));
const corpus = join(root, 'demo.txt');
writeFileSync(corpus, generateDemoCorpus({ pairs: 400, seed: 2 }));
const cli = (args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8' });

// The same run as flags and as library options.
const flags = [
  ...['--corpus', corpus, '--instances', '300', '--hidden', '16', '--embedding', '8', '--layers', '2'],
  ...['--batch-size', '16', '--threads', '1'],
];
const options: TrainOptions = {
  corpus,
  instances: 300,
  hidden: 16,
  embedding: 8,
  layers: 2,
  batchSize: 16,
  threads: 1,
};

/**
 * Every file of the last checkpoint, and loss.json, as they should compare between two runs. Excluded: the
 * epochs' `seconds` (in trainer.json's history and in loss.json), the wall-clock time each epoch took.
 */
function runFiles(dir: string, checkpoint = 'last'): Map<string, Buffer | unknown> {
  const files: Map<string, Buffer | unknown> = checkpointFiles(dir, checkpoint);
  const loss = JSON.parse(readFileSync(join(dir, 'loss.json'), 'utf8')) as { seconds?: number[] };
  delete loss.seconds;
  files.set('loss.json', loss);
  files.set('last ->', readlinkSync(join(dir, 'last')));
  files.set('best ->', readlinkSync(join(dir, 'best')));
  return files;
}

function expectSameRun(a: string, b: string, checkpoint = 'last'): void {
  const [fa, fb] = [runFiles(a, checkpoint), runFiles(b, checkpoint)];
  expect([...fb.keys()]).toEqual([...fa.keys()]);
  expect(fa.has('encoder_optimizer.pt') && fa.has('decoder.pt')).toBe(true);
  for (const [name, value] of fa) {
    const other = fb.get(name);
    if (Buffer.isBuffer(value)) expect(Buffer.isBuffer(other) && value.equals(other), name).toBe(true);
    else expect(other, name).toEqual(value);
  }
}

describe('a training folder shared by the library and the command line', () => {
  let whole: TrainResult;
  beforeAll(async () => {
    whole = await train({ ...options, out: join(root, 'whole'), epochs: 2 });
  });

  it('returns the history, the best epoch and the held-out figures, with the model in training mode', () => {
    expect(whole.history.map((e) => e.epoch)).toEqual([1, 2]);
    expect(whole.stopped).toBe(false);
    expect(whole.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(whole.heldOutExactMatch).toBeGreaterThanOrEqual(0);
    expect(whole.samples).toHaveLength(5);
    expect(whole.model.encoder.training && whole.model.decoder.training).toBe(true);
  });

  it('a run started by the library and resumed by the CLI equals one trained in one go, byte for byte', async () => {
    const split = join(root, 'lib-then-cli');
    await train({ ...options, out: split, epochs: 1 });
    const r = cli(['train', '--resume', split, '--epochs', '2', '--threads', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/resuming .*lib-then-cli after epoch 1 of 2/);
    expectSameRun(join(root, 'whole'), split);
  });

  it('a run started by the CLI and resumed by the library equals one trained in one go, byte for byte', async () => {
    const split = join(root, 'cli-then-lib');
    const r = cli(['train', ...flags, '--out', split, '--epochs', '1']);
    expect(r.status, r.stderr).toBe(0);
    const lines: string[] = [];
    const epochs: number[] = [];
    const resumed = await train(
      { resume: split, epochs: 2, threads: 1 },
      { log: (line) => lines.push(line), onEpoch: (record) => void epochs.push(record.epoch) },
    );
    expect(epochs).toEqual([2]);
    expect(resumed.history.map((e) => e.epoch)).toEqual([1, 2]);
    expect(lines).toContain(`resuming ${split} after epoch 1 of 2`);
    expectSameRun(join(root, 'whole'), split);
  });

  it.each(['batched', 'fused'] as const)(
    'writes the same checkpoints in the background as before training goes on, each epoch byte for byte (%s)',
    async (mode) => {
      const out = (writes: string) => join(root, `writes-${mode}-${writes}`);
      for (const writes of ['synchronous', 'background'] as const) {
        const run = { ...options, ...(mode === 'fused' ? { instances: 40 } : {}), mode, epochs: 3, keepCheckpoints: 3 };
        const result = await train({ ...run, out: out(writes) }, { checkpointWrites: writes });
        // train() returns once the last checkpoint is whole.
        expect(readlinkSync(join(out(writes), 'last'))).toBe(join('checkpoints', 'epoch-0003'));
        expect(result.history).toHaveLength(3);
      }
      for (const epoch of ['epoch-0001', 'epoch-0002', 'epoch-0003']) {
        expectSameRun(out('synchronous'), out('background'), join('checkpoints', epoch));
      }
    },
  );

  it("has the modules in training mode again after each epoch's validation", async () => {
    // train() builds its own modules: catch them as they move to the device.
    const built: torch.nn.Module[] = [];
    const to = torch.nn.Module.prototype.to;
    const spy = vi.spyOn(torch.nn.Module.prototype, 'to').mockImplementation(function (this: torch.nn.Module, target) {
      if (this instanceof Encoder || this instanceof Decoder) built.push(this);
      return to.call(this, target);
    });
    const modes: boolean[][] = [];
    try {
      await train(
        { ...options, out: join(root, 'modes'), epochs: 2 },
        { onEpoch: () => void modes.push(built.map((m) => m.training)) },
      );
    } finally {
      spy.mockRestore();
    }
    expect(built).toHaveLength(2);
    expect(modes).toEqual([
      [true, true],
      [true, true],
    ]);
  });

  it('refuses, on resuming, an option the run keeps', async () => {
    await expect(train({ resume: join(root, 'whole'), epochs: 3, lr: 0.5 })).rejects.toThrow(
      "--resume continues with the run's own options; --lr cannot change (only --epochs, --patience, --precision)",
    );
  });

  it('stops at the signal, leaving the last complete epoch', async () => {
    const out = join(root, 'aborted');
    const controller = new AbortController();
    const result = await train(
      { ...options, out, epochs: 5 },
      { signal: controller.signal, onEpoch: () => controller.abort() },
    );
    expect(result.stopped).toBe(true);
    expect(result.history.map((e) => e.epoch)).toEqual([1]);
    expect(readlinkSync(join(out, 'last'))).toBe(join('checkpoints', 'epoch-0001'));
  });

  it('says so when stopped before its first epoch ended, without pointing at a checkpoint', async () => {
    const out = join(root, 'aborted-early');
    const lines: string[] = [];
    const result = await train(
      { ...options, out, epochs: 5 },
      { signal: AbortSignal.abort(), log: (line) => lines.push(line) },
    );
    expect(result.stopped).toBe(true);
    expect(result.history).toEqual([]);
    expect(lines).toContain('stopped before the first epoch ended: no checkpoint was written');
    expect(lines.join('\n')).not.toMatch(/checkpoint of the last complete epoch/);
  });
});

describe('validation', () => {
  const pairs = parseCorpus(new TextEncoder().encode(generateDemoCorpus({ pairs: 60, seed: 3 })), 'demo').pairs;
  const data = buildDataset(samplePairs(pairs, 60, 0));
  torch.manualSeed(0);
  const { encoder, decoder } = buildModel(data.sourceVocab.size, data.targetVocab.size, {
    hidden: 8,
    embedding: 4,
    layers: 1,
  });
  const model = { encoder, decoder, data, device: 'cpu' as const };
  const indices = [0, 1, 2, 3];

  it('decodes in evaluation mode and leaves the modules in training mode', async () => {
    let evalCalls = 0;
    const eval_ = encoder.eval.bind(encoder);
    encoder.eval = () => (evalCalls++, eval_());
    await validationBleu(model, indices);
    await exactMatch(model, indices);
    const samples = await sampleTranslations(model, indices);
    expect(samples).toHaveLength(4);
    expect(evalCalls).toBe(3);
    expect(encoder.training && decoder.training).toBe(true);
  });

  it('gives each module back the mode it had, even when the work fails', async () => {
    decoder.eval();
    const seen: boolean[] = [];
    await expect(
      inEvalMode([encoder, decoder], async () => {
        seen.push(encoder.training, decoder.training);
        throw new Error('decoding failed');
      }),
    ).rejects.toThrow('decoding failed');
    expect(seen).toEqual([false, false]);
    expect([encoder.training, decoder.training]).toEqual([true, false]);
    decoder.train();
  });
});
