/**
 * `seq2seq translate` reading stdin interactively: a line written into the pipe is answered while stdin is still
 * open (a person typing sees each answer at once), and a piped file still comes out as one batch would give it,
 * with n-best lists numbered across its batches.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { translateBeam } from '../../src/decode/translate.js';
import { loadModel } from '../../src/io/model-files.js';
import { train } from '../../src/train/run.js';

const root = mkdtempSync(join(tmpdir(), 'cli-interactive-'));
const corpus = join(root, 'demo.txt');
const text = generateDemoCorpus({ pairs: 300, seed: 3 });
writeFileSync(corpus, text);
const model = join(root, 'model');
/** English sides of corpus lines without words outside the model's vocabulary. */
let sentences: string[];

beforeAll(async () => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  await train({ corpus, out: model, instances: 300, epochs: 2, hidden: 16, embedding: 8, layers: 1, threads: 1 });
  const candidates = text.split('\n').map((line) => line.split('\t')[0]!);
  const results = await translateBeam(loadModel(model), candidates);
  sentences = candidates.filter((_, i) => Array.isArray(results[i]));
  expect(sentences.length).toBeGreaterThanOrEqual(50);
});

const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', input, timeout: 120_000 });

/** What stdout holds once it has `lines` complete lines; fails after `ms` milliseconds. */
function stdoutLines(child: ChildProcessWithoutNullStreams, lines: number, ms: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (error?: Error) => {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(text.split('\n').slice(0, lines));
    };
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.split('\n').length > lines) done();
    };
    const onExit = (code: number | null) => done(new Error(`translate exited (${code}) with: ${text}`));
    const timer = setTimeout(
      () => done(new Error(`no ${lines} lines after ${ms} ms, only: ${JSON.stringify(text)}`)),
      ms,
    );
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

let running: ChildProcessWithoutNullStreams | undefined;
afterEach(() => running?.kill());

describe('seq2seq translate on stdin', () => {
  it('answers each line as it is written, while stdin stays open', async () => {
    const [first, second] = sentences;
    const expected = cli(['translate', '--model', model, first!, second!]);
    expect(expected.status, expected.stderr).toBe(0);
    const [one, two] = expected.stdout.split('\n');

    const child = spawn(process.execPath, ['dist/cli/main.js', 'translate', '--model', model]);
    running = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // The first answer waits for the model to load; the second for nothing but its own translation.
    child.stdin.write(`${first}\n`);
    expect(await stdoutLines(child, 1, 30_000)).toEqual([one]);
    child.stdin.write(`${second}\n`);
    expect(await stdoutLines(child, 1, 5_000)).toEqual([two]);
    expect(child.exitCode).toBe(null); // still reading

    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.stdin.end();
    expect(await exit, stderr).toBe(0);
  });

  it('translates a piped file of 600 lines as one batch does, n-best lists numbered across batches', () => {
    const lines = Array.from({ length: 600 }, (_, i) => sentences[i % sentences.length]!);
    const outputs = [[], ['--beam', '2', '--n-best', '2']].map((options) => {
      const batch = cli(['translate', '--model', model, ...options, ...lines]);
      expect(batch.status, batch.stderr).toBe(0);
      const piped = cli(['translate', '--model', model, ...options], `${lines.join('\n')}\n`);
      expect(piped.status, piped.stderr).toBe(0);
      // The same translations and numbers; scores to their printed 4 decimals within one unit, since OpenBLAS rounds
      // a row by its batch's composition (stdin comes in batches of 256): a 1-ulp difference can cross a rounding
      // boundary of the printed score.
      const [a, b] = [piped, batch].map((r) =>
        r.stdout
          .trim()
          .split('\n')
          .map((line) => line.split('\t')),
      );
      expect(a).toHaveLength(b!.length);
      a!.forEach((fields, i) => {
        const want = b![i]!;
        expect(fields.length, want.join('\t')).toBe(want.length);
        fields.forEach((field, j) => {
          const [x, y] = [Number(field), Number(want[j])];
          if (field.includes('.') && Number.isFinite(x) && Number.isFinite(y)) {
            expect(Math.abs(x - y), want.join('\t')).toBeLessThanOrEqual(1.5e-4);
          } else {
            expect(field).toBe(want[j]);
          }
        });
      });
      return piped.stdout.trim().split('\n');
    });
    expect(outputs[0]).toHaveLength(600);
    // n-best lines start with the sentence's number in the whole input (stdin comes in batches of 256).
    const numbers = new Set(outputs[1]!.map((line) => Number(line.split('\t')[0])));
    expect([...numbers]).toEqual(lines.map((_, i) => i));
  });
});
