/**
 * The command line with attention models: training (and resuming) one, translating with the attention
 * printed and drawn, evaluating, exporting; and the combinations refused with one line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';

beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const cli = (args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8' });
const root = mkdtempSync(join(tmpdir(), 'cli-attention-'));
const demo = join(root, 'demo.txt');
writeFileSync(demo, generateDemoCorpus({ pairs: 400, seed: 2 }));
const small = ['--corpus', demo, '--instances', '300', '--hidden', '16', '--embedding', '8', '--layers', '2'];

describe('seq2seq with attention', () => {
  it('trains, resumes, translates with --show-attention and --attention-png, evaluates and exports', () => {
    const run = join(root, 'luong');
    const common = [
      ...small,
      '--batch-size',
      '16',
      '--threads',
      '1',
      '--attention',
      'luong-general',
      '--bidirectional',
    ];
    const a = cli(['train', ...common, '--out', run, '--epochs', '1']);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(
      /model: hidden 16, embedding 8, 2 layers, luong-general attention with input feeding, bidirectional encoder/,
    );
    const config = JSON.parse(readFileSync(join(run, 'last', 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ attention: 'luong-general', bidirectional: true, input_feed: true });
    const b = cli(['train', '--resume', run, '--epochs', '2', '--threads', '1']);
    expect(b.status, b.stderr).toBe(0);
    const changed = cli(['train', '--resume', run, '--epochs', '3', '--attention', 'bahdanau']);
    expect(changed.stderr.trim()).toMatch(/--attention cannot change/);

    const t = cli(['translate', '--model', run, '--show-attention', 'the dog sees the cat']);
    expect(t.status, t.stderr).toBe(0);
    const lines = t.stdout.split('\n');
    // The translation, then the table: the source words as written, one row per word produced.
    expect(lines[1]!.trim().split(/\s+/)).toEqual(['<sos>', 'the', 'dog', 'sees', 'the', 'cat', '<eos>']);
    expect(lines[2]!.trim().split(/\s+/)).toHaveLength(8); // a word and its 7 weights
    const png = join(root, 'attention.png');
    const p = cli(['translate', '--model', run, '--attention-png', png, '--json', 'the dog sees the cat']);
    expect(p.status, p.stderr).toBe(0);
    const parsed = JSON.parse(p.stdout) as { attention: { source: string[]; weights: number[][] } };
    expect(parsed.attention.source).toHaveLength(7);
    for (const row of parsed.attention.weights) expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    const two = cli([
      'translate',
      '--model',
      run,
      '--attention-png',
      png,
      'the dog sees the cat',
      'the cat sees the dog',
    ]);
    expect(two.status, two.stderr).toBe(0);
    expect(existsSync(join(root, 'attention-1.png')) && existsSync(join(root, 'attention-2.png'))).toBe(true);
    const beam = cli(['translate', '--model', run, '--beam', '3', 'the dog sees the cat']);
    expect(beam.status, beam.stderr).toBe(0);

    const e = cli(['eval', '--model', run, '--corpus', demo, '--instances', '50', '--beam', '2']);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/BLEU = /);
    const x = cli(['export', '--model', run, '--out', join(root, 'exported')]);
    expect(x.status, x.stderr).toBe(0);
    expect(x.stdout).toMatch(/luong-general attention with input feeding, bidirectional encoder/);
  });

  it('refuses what does not go together, in one line', () => {
    const out = join(root, 'refused');
    const cases: [string[], RegExp][] = [
      [['--mode', 'notebook', '--attention', 'bahdanau'], /--mode notebook trains the notebook's model: --attention/],
      [['--mode', 'fused', '--bidirectional'], /--mode fused trains the notebook's model/],
      [['--attention', 'bahdanau', '--no-input-feed'], /--input-feed belongs to Luong attention/],
      [['--bidirectional', '--hidden', '15'], /--bidirectional gives each direction half of --hidden: make it even/],
    ];
    for (const [flags, message] of cases) {
      const r = cli(['train', ...small, '--out', out, ...flags]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const bad = cli(['train', ...small, '--out', out, '--attention', 'luong']);
    expect(bad.status).toBe(2);
    const none = join(root, 'plain');
    expect(cli(['train', ...small, '--out', none, '--epochs', '1', '--threads', '1']).status).toBe(0);
    const show = cli(['translate', '--model', none, '--show-attention', 'the dog sees the cat']);
    expect(show.status).toBe(1);
    expect(show.stderr.trim()).toMatch(/has no attention \(trained with --attention none\): nothing to show$/);
  });
});
