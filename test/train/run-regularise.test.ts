/**
 * The regularisation options of a run: --dropout, --label-smoothing and --tie-embeddings from the option table to
 * the trainer.json a run keeps, refused with the reason where they cannot apply, and a resumed run with all three
 * equal, byte for byte, to one trained in one go.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { addTrainCommand } from '../../src/cli/train.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { train } from '../../src/train/run.js';
import { checkTrainOptions, type TrainOptions } from '../../src/train/run-options.js';
import { checkpointFiles } from '../helpers/checkpoint-files.js';

const root = mkdtempSync(join(tmpdir(), 'run-regularise-'));
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
  dropout: 0.3,
  labelSmoothing: 0.1,
  tieEmbeddings: true,
};

/** The CLI's parse of `args`, or the message it refuses them with. */
function parse(args: string[]): Record<string, unknown> | string {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const command = addTrainCommand(program).exitOverride();
  command.action(() => {});
  try {
    command.parse(args, { from: 'user' });
    return command.opts();
  } catch (err) {
    if (err instanceof CommanderError) return err.message;
    throw err;
  }
}

const lastCheckpoint = (dir: string) => checkpointFiles(dir);

describe('regularisation options of a run', () => {
  it('are checked by the table and the CLI: probabilities from 0 to below 1', () => {
    expect(() => checkTrainOptions({ dropout: 1 })).toThrow('Expected a number from 0 to below 1 for dropout');
    expect(() => checkTrainOptions({ labelSmoothing: -0.1 })).toThrow('for labelSmoothing');
    expect(() => checkTrainOptions({ tieEmbeddings: 'yes' as never })).toThrow('tieEmbeddings');
    expect(parse(['--dropout', '1'])).toMatch(
      /--dropout <p>' argument '1' is invalid. expected a number from 0 to below 1/,
    );
    expect(parse(['--label-smoothing', 'x'])).toMatch(/--label-smoothing <e>' argument 'x' is invalid/);
    expect(parse(['--dropout', '0.3', '--label-smoothing', '0.1', '--tie-embeddings'])).toMatchObject({
      dropout: 0.3,
      labelSmoothing: 0.1,
      tieEmbeddings: true,
    });
  });

  it('are refused with the reason in the notebook modes and where the sizes do not allow tying', async () => {
    const out = join(root, 'refused');
    await expect(train({ ...options, out, mode: 'fused', hidden: 128, embedding: 30 })).rejects.toThrow(
      "--mode fused replays the notebook's training, which has no regularisation: --dropout, --label-smoothing, " +
        '--tie-embeddings need --mode batched',
    );
    await expect(train({ ...options, out, embedding: 8 })).rejects.toThrow(
      "--tie-embeddings: tied embeddings share the decoder's embedding with the output layer's weight: the " +
        "embedding size (8) must be the output layer's input size (the hidden size, 16)",
    );
    await expect(train({ ...options, out, attention: 'bahdanau' })).rejects.toThrow(
      '(twice the hidden size with Bahdanau attention, 32)',
    );
  });

  it('are kept in trainer.json and config.json, and a resumed run equals one trained in one go, byte for byte', async () => {
    const whole = await train({ ...options, out: join(root, 'whole'), epochs: 2 });
    expect(whole.options).toMatchObject({ dropout: 0.3, labelSmoothing: 0.1, tieEmbeddings: true });
    const config = JSON.parse(readFileSync(join(root, 'whole', 'last', 'config.json'), 'utf8')) as object;
    expect(config).toMatchObject({ tie_embeddings: true });
    // Dropout and smoothing did act: the same run without them trains otherwise.
    const without = await train({ ...options, dropout: 0, labelSmoothing: 0, out: join(root, 'without'), epochs: 1 });
    expect(without.history[0]!.train_loss).not.toBe(whole.history[0]!.train_loss);
    const split = join(root, 'split');
    await train({ ...options, out: split, epochs: 1 });
    await expect(train({ resume: split, epochs: 2, dropout: 0.1 })).rejects.toThrow('--dropout cannot change');
    await train({ resume: split, epochs: 2, threads: 1 });
    const [a, b] = [lastCheckpoint(join(root, 'whole')), lastCheckpoint(split)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [name, value] of a) {
      if (Buffer.isBuffer(value)) expect(value.equals(b.get(name) as Buffer), name).toBe(true);
      else expect(b.get(name), name).toEqual(value);
    }
  });

  it('leave a run without them as before: nothing of them in trainer.json or config.json', async () => {
    const plain = await train({
      ...options,
      dropout: 0,
      labelSmoothing: undefined,
      tieEmbeddings: undefined,
      embedding: 8,
      out: join(root, 'plain'),
      epochs: 1,
    });
    expect(Object.keys(plain.options)).not.toContain('dropout');
    expect(Object.keys(plain.options)).not.toContain('labelSmoothing');
    expect(Object.keys(plain.options)).not.toContain('tieEmbeddings');
    const config = readFileSync(join(root, 'plain', 'last', 'config.json'), 'utf8');
    expect(config).not.toContain('tie_embeddings');
  });
});
