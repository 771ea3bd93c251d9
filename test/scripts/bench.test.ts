/**
 * scripts/bench.mjs (`npm run bench`) end to end at tiny sizes: that it runs every side and writes its figures, not
 * how fast anything is (speed is read from the benchmark itself, on an idle machine). It runs on dist/ and Debian's
 * PyTorch; pip's PyTorch is left out (--no-pip) so that no venv is made here. The bf16 rows run where the CPU has
 * AVX-512 BF16 or AMX; elsewhere the benchmark leaves them out and says why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import * as torch from '../../src/torch/index.js';

const SCRIPT = new URL('../../scripts/bench.mjs', import.meta.url).pathname;
const bf16 = torch.buildInfo().cpuBf16 !== 'none';

interface Result {
  corpus: string;
  sizes: { hidden: number; attention: string };
  rows: { key: string; seconds: number }[];
  processes: { key: string; wall: number; startup: number; training: number; checkpoints: number; sameAsD?: boolean }[];
}

function bench(...args: string[]): { stdout: string; results: Result[] } {
  const json = join(mkdtempSync(join(tmpdir(), 'bench-test-')), 'bench.json');
  const r = spawnSync(process.execPath, [SCRIPT, '--no-pip', '--threads', '1', '--json', json, ...args], {
    encoding: 'utf8',
    cwd: new URL('../..', import.meta.url).pathname,
  });
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, results: (JSON.parse(readFileSync(json, 'utf8')) as { results: Result[] }).results };
}

describe('npm run bench', () => {
  it("at the notebook's size: the notebook loops, batched training on both sides and the whole processes", () => {
    const { stdout, results } = bench('--corpora', 'demo', '--instances', '20', '--epochs', '1', '--precision', 'fp32');
    expect(results).toHaveLength(1);
    expect(results[0]!.rows.map((r) => r.key)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(results[0]!.processes.map((p) => p.key)).toEqual(['ours', 'e']);
    for (const p of results[0]!.processes) {
      expect(p.wall).toBeGreaterThan(p.training);
      expect(p.startup).toBeGreaterThan(0);
    }
    expect(stdout).toContain('| seq2seq train (CLI)');
    expect(stdout).toMatch(/ours vs PyTorch [\d.]+\S*: training [\d.]+x, whole process [\d.]+x/);
    // The CLI trained (d)'s pairs, weights and batches.
    expect(stdout).not.toContain('not the same training');
  }, 300_000);

  it('takes model sizes and attention for a --corpus file; the notebook loops stay at their size', () => {
    const corpus = join(mkdtempSync(join(tmpdir(), 'bench-corpus-')), 'pairs.txt');
    writeFileSync(corpus, generateDemoCorpus({ pairs: 300, seed: 2 }));
    const sizes = ['--hidden', '8', '--embedding', '4', '--layers', '1', '--attention', 'luong-general'];
    const { stdout, results } = bench(
      ...['--corpora', 'real', '--corpus', corpus, '--instances', '30', '--epochs', '2', '--skip-process'],
      ...['--precision', 'fp32'],
      ...sizes,
    );
    expect(results.map((r) => [r.corpus, r.sizes.hidden, r.sizes.attention])).toEqual([['real', 8, 'luong-general']]);
    expect(results[0]!.rows.map((r) => r.key)).toEqual(['d', 'e']);
    expect(results[0]!.processes).toEqual([]);
    expect(stdout).toContain('hidden 8, embedding 4, 1 layer, luong-general attention');
  }, 300_000);

  const tiny = ['--corpora', 'demo', '--instances', '20', '--epochs', '1', '--skip-notebook'];
  const tinySizes = ['--hidden', '8', '--embedding', '4', '--layers', '1'];

  it.skipIf(!bf16)(
    'bf16 rows beside the float32 ones: training and whole process (CPUs with AVX-512 BF16 or AMX)',
    () => {
      const { stdout, results } = bench(...tiny, ...tinySizes, '--precision', 'fp32,bf16');
      expect(results[0]!.rows.map((r) => r.key)).toEqual(['d', 'e', 'd-bf16', 'e-bf16']);
      expect(results[0]!.processes.map((p) => p.key)).toEqual(['ours', 'e', 'ours-bf16', 'e-bf16']);
      // Debian's torch 1.13 leaves nn.LSTM in float32 under CPU autocast.
      expect(stdout).toMatch(/nn\.LSTM as that torch runs it there \([\d.]+\S*: float32\)/);
      expect(stdout).toContain('| seq2seq train --precision bf16');
      expect(stdout).toMatch(
        /bf16, ours vs PyTorch [\d.]+\S* autocast: training [\d.]+x, whole process [\d.]+x; bf16 over fp32: ours [\d.]+x/,
      );
      // `seq2seq train --precision bf16` trained (d-bf16)'s pairs, weights and batches.
      expect(results[0]!.processes.find((p) => p.key === 'ours-bf16')!.sameAsD).toBe(true);
      expect(stdout).not.toContain('not the same training');
    },
    300_000,
  );

  it.skipIf(bf16)(
    'leaves the bf16 rows out, saying why, on a CPU without AVX-512 BF16 or AMX',
    () => {
      const { stdout, results } = bench(...tiny, ...tinySizes, '--skip-process', '--precision', 'fp32,bf16');
      expect(results[0]!.rows.map((r) => r.key)).toEqual(['d', 'e']);
      expect(stdout).toContain('bf16 rows left out: this CPU has neither AVX-512 BF16 nor AMX');
    },
    300_000,
  );

  it('--output-loss: the fused output layer and loss beside ATen ops, one row per size and thread count', () => {
    const args = [SCRIPT, '--output-loss', '--rows', '8', '--sizes', '16x50,8x33', '--threads', '1'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((line) => /^\| \d+ \| \d+ \| 1 \|/.test(line));
    expect(rows.map((line) => line.split('|').slice(1, 3).map(Number))).toEqual([
      [16, 50],
      [8, 33],
    ]);
    for (const line of rows) expect(line).toMatch(/\| [\d.]+ \| [\d.]+ \| [\d.]+x \|$/);
    const bad = spawnSync(process.execPath, [SCRIPT, '--output-loss', '--sizes', '512'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('bench: --sizes: FEATURESxVOCABULARY[,...], e.g. 512x8000, got 512');
  });

  it('refuses a bad flag value with one line', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--attention', 'sideways'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^bench: --attention: one of .*, got sideways$/);
    const p = spawnSync(process.execPath, [SCRIPT, '--precision', 'bf16'], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stderr.trim()).toBe('bench: --precision: fp32 or fp32,bf16 (bf16 is read against fp32), got bf16');
  });
});
