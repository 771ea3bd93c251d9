/**
 * The command line of ensembles, averaging and config files: `translate` and `eval` with several `--model`s,
 * `average` on a run trained with `--keep-checkpoints`, and `train --config` with flags that win over the file.
 * Each refusal is one `seq2seq:` line naming the reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const corpus = 'test/fixtures/deu-small.txt';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 120_000 });
const tiny = ['--embedding', '4', '--layers', '1', '--instances', '60', '--seed', '1', '--threads', '1'];

let dir: string;
const run = (name: string): string => join(dir, name);
beforeAll(() => {
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(built.stdout + built.stderr);
  dir = mkdtempSync(join(tmpdir(), 's2s-ensemble-'));
  const config = join(dir, 'b.yaml');
  writeFileSync(config, `corpus: ${corpus}\nhidden: 6\nattention: luong-dot\nepochs: 5\n`);
  for (const args of [
    ['--corpus', corpus, '--out', run('a'), '--hidden', '8', '--epochs', '3', '--keep-checkpoints', '2', ...tiny],
    ['--config', config, '--out', run('b'), '--epochs', '1', ...tiny],
    ['--corpus', corpus, '--out', run('swapped'), '--hidden', '8', '--epochs', '1', '--swap', ...tiny],
  ]) {
    const trained = cli('train', ...args);
    expect(trained.status, trained.stderr).toBe(0);
  }
}, 300_000);

describe('ensembles, averaging and config files on the command line', () => {
  it('train --config takes the file beneath the flags, and writes config.yaml', () => {
    const trainer = JSON.parse(readFileSync(join(run('b'), 'last', 'trainer.json'), 'utf8')) as {
      epoch: number;
      options: { hidden: number; attention: string; epochs: number };
    };
    expect(trainer.options).toMatchObject({ hidden: 6, attention: 'luong-dot', epochs: 1 });
    expect(readFileSync(join(run('b'), 'config.yaml'), 'utf8')).toMatch(/^epochs: 1$/m);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'batch-size: lots\n');
    const refused = cli('train', '--config', bad, '--out', run('c'));
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toMatch(new RegExp(`^seq2seq: ${bad}: batch-size: `));
  });

  it('average writes the mean of the latest checkpoints, and refuses what it cannot do', () => {
    const out = cli('average', '--model', run('a'), '--last', '2', '--out', run('avg'));
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('averaged 2 checkpoints (epochs 2, 3)');
    const neither = cli('average', '--model', run('a'), '--out', run('x'));
    expect(neither.status).toBe(2);
    expect(neither.stderr.trim()).toBe('seq2seq: average needs --last N or --epochs a,b,c (one of them)');
    const twice = cli('average', '--model', run('a'), '--model', run('b'), '--last', '1', '--out', run('x'));
    expect(twice.status).toBe(2);
    expect(twice.stderr.trim()).toBe(
      'seq2seq: average takes one --model: the training folder whose checkpoints it averages',
    );
    const tooMany = cli('average', '--model', run('a'), '--last', '5', '--out', run('x'));
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toMatch(/keeps 2 checkpoints .* --keep-checkpoints N/);
  });

  it('translate and eval decode several --model flags as an ensemble; other vocabularies are refused', () => {
    const translated = cli('translate', '--model', run('a'), '--model', run('b'), '--beam', '2', 'Go.', 'Hi.');
    expect(translated.status, translated.stderr).toBe(0);
    expect(translated.stdout.trim().split('\n')).toHaveLength(2);
    const evaluated = cli('eval', '--model', run('a'), '--model', run('avg'), '--corpus', corpus, '--json');
    expect(evaluated.status, evaluated.stderr).toBe(0);
    // The loss of the members' mean log-probabilities: their mean loss.
    const losses = [run('a'), run('avg')].map(
      (m) => (JSON.parse(cli('eval', '--model', m, '--corpus', corpus, '--json').stdout) as { loss: number }).loss,
    );
    expect((JSON.parse(evaluated.stdout) as { loss: number }).loss).toBeCloseTo((losses[0]! + losses[1]!) / 2, 12);
    const refused = cli('translate', '--model', run('a'), '--model', run('swapped'), 'Go.');
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /^seq2seq: .*swapped.* cannot join an ensemble with .*: its source vocabulary/,
    );
    const attention = cli('translate', '--model', run('a'), '--model', run('b'), '--show-attention', 'Go.');
    expect(attention.status).toBe(1);
    expect(attention.stderr).toMatch(/not with an ensemble/);
  });
});
