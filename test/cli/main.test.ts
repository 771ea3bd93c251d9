import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// The CLI runs from dist/ (built by `npm install`'s prepare step); rebuilt here so the test sees this source.
beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8' });
const corpus = 'test/fixtures/deu-small.txt';

describe('seq2seq command line', () => {
  it('trains, writes the model, loss.json and loss.png, then translates', () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-'));
    const train = cli(
      'train',
      '--corpus',
      corpus,
      '--out',
      out,
      '--instances',
      '60',
      '--epochs',
      '2',
      '--hidden',
      '16',
    );
    expect(train.status, train.stderr).toBe(0);
    expect(train.stdout).toMatch(/5 pairs from 8 lines \(skipped: 1 empty, 1 without a tab, 1 not UTF-8\)/);
    expect(train.stderr).toMatch(/epoch 2\/2 sentence 60\/60/);
    for (const f of ['config.json', 'model.pt', 'loss.json', 'loss.png']) expect(existsSync(join(out, f))).toBe(true);
    const loss = JSON.parse(readFileSync(join(out, 'loss.json'), 'utf8')) as {
      current_loss: number[];
      mean_loss: number[];
    };
    expect(loss.current_loss).toHaveLength(2);
    expect(loss.mean_loss).toHaveLength(2);

    const translate = cli('translate', '--model', out, 'I see the dog.', 'Go!');
    expect(translate.status, translate.stderr).toBe(0);
    expect(translate.stdout.trim().split('\n')).toHaveLength(2);
    const unknown = cli('translate', '--model', out, 'Hello Paris');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe(
      'seq2seq: cannot translate "Hello Paris": unknown words: hello, paris (not in the training vocabulary)',
    );
  });

  it('ends bad arguments with one line and a non-zero exit, never a stack trace', () => {
    const cases: [string[], RegExp][] = [
      [
        ['train', '--corpus', corpus, '--out', '/tmp/x', '--epochs', '0'],
        /--epochs <n>.*expected an integer of at least 1/,
      ],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--lr', 'fast'], /expected a positive number, got "fast"/],
      [
        ['train', '--corpus', '/nonexistent.txt', '--out', '/tmp/x'],
        /^seq2seq: corpus file not found: \/nonexistent.txt$/,
      ],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--device', 'tpu'], /expected cpu, cuda or cuda:N, got "tpu"/],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--bogus'], /unknown option '--bogus'/],
      [['translate', '--model', '/nonexistent', 'hi'], /^seq2seq: \/nonexistent\/config.json: not a model folder/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
  });
});
