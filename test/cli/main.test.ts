import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';

// The CLI runs from dist/ (built by `npm install`'s prepare step); rebuilt here so the test sees this source.
beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const cli = (...args: string[]) => spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8' });
const corpus = 'test/fixtures/deu-small.txt';

describe('seq2seq command line', () => {
  it('trains in notebook mode, writes checkpoints, loss.json and loss.png, then translates', () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-'));
    const train = cli(
      'train',
      '--mode',
      'notebook',
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
    for (const f of ['loss.json', 'loss.png', 'last/config.json', 'last/encoder.pt', 'last/decoder_optimizer.pt']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(train.stdout).toMatch(/epoch 2\/2: current_loss \d+\.\d+, mean \d+\.\d+/);
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

  it('trains batched by default: per-epoch training and held-out losses and BLEU, a checkpoint after every epoch', () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-'));
    const demo = join(out, 'demo.txt');
    writeFileSync(demo, generateDemoCorpus({ pairs: 300, seed: 1 }));
    // The run gets a folder of its own: a folder with other files in it is refused.
    const run = join(out, 'run');
    const train = cli('train', '--corpus', demo, '--out', run, '--instances', '300', '--epochs', '2', '--hidden', '16');
    expect(train.status, train.stderr).toBe(0);
    expect(train.stdout).toMatch(
      /epoch 2\/2: training loss \d+\.\d+ per token, held-out loss \d+\.\d+, BLEU \d+\.\d+( \(best\))? \(\d+ sentences in/,
    );
    expect(train.stdout).toMatch(/held-out exact match of greedy translations: \d+\.\d%/);
    const loss = JSON.parse(readFileSync(join(run, 'loss.json'), 'utf8')) as {
      train_loss: number[];
      valid_loss: number[];
      valid_bleu: number[];
      best_epoch: number;
    };
    expect(loss.train_loss).toHaveLength(2);
    expect(loss.valid_loss).toHaveLength(2);
    expect(loss.valid_bleu).toHaveLength(2);
    expect(existsSync(join(run, 'best', 'trainer.json'))).toBe(true);
    expect(cli('translate', '--model', run, 'I see the dog.').status).toBe(0);
  });

  it('stops batched training at Ctrl-C after the current batch and leaves a complete model', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cli-'));
    const demo = join(out, 'demo.txt');
    writeFileSync(demo, generateDemoCorpus({ pairs: 600, seed: 1 }));
    const run = join(out, 'run');
    const child = spawn(
      process.execPath,
      [
        'dist/cli/main.js',
        'train',
        '--corpus',
        demo,
        '--out',
        run,
        '--instances',
        '600',
        '--epochs',
        '50',
        '--hidden',
        '32',
        '--batch-size',
        '2',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Interrupted mid-epoch, once the first epoch has been saved.
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    let done = false;
    void exited.then(() => (done = true));
    while (!stdout.includes('epoch 1/50:') && !done) await new Promise((r) => setTimeout(r, 50));
    expect(done, stderr).toBe(false);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopping after the current batch/);
    expect(stdout).toMatch(/stopped: the checkpoint of the last complete epoch is in/);
    expect(cli('translate', '--model', run, 'I see the dog.').status).toBe(0);
    const loss = JSON.parse(readFileSync(join(run, 'loss.json'), 'utf8')) as { train_loss: number[] };
    expect(loss.train_loss.length).toBeGreaterThanOrEqual(1);
  });

  it('ends bad arguments with one line and exit 2, other failures with exit 1, never a stack trace', () => {
    const cases: [string[], RegExp, number?][] = [
      [
        ['train', '--corpus', corpus, '--out', '/tmp/x', '--epochs', '0'],
        /--epochs <n>.*expected an integer of at least 1/,
      ],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--lr', 'fast'], /expected a positive number, got "fast"/],
      [
        ['train', '--corpus', '/nonexistent.txt', '--out', '/tmp/x'],
        /^seq2seq: corpus file not found: \/nonexistent.txt$/,
        1,
      ],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--device', 'tpu'], /expected cpu, cuda or cuda:N, got "tpu"/],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--bogus'], /unknown option '--bogus'/],
      [
        ['train', '--corpus', corpus, '--out', '/tmp/x', '--teacher-forcing', '2'],
        /expected a number from 0 to 1, got "2"/,
      ],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--clip', '-1'], /expected a number of at least 0, got "-1"/],
      [['train', '--corpus', corpus, '--out', '/tmp/x', '--mode', 'fast'], /argument 'fast' is invalid/],
      [
        ['train', '--corpus', corpus, '--out', '/tmp/x', '--export-run', '/tmp/y'],
        /^seq2seq: --export-run replays the notebook loop in PyTorch: use it with --mode notebook or fused$/,
        1,
      ],
      [['translate', '--model', '/nonexistent', 'hi'], /^seq2seq: \/nonexistent: no such folder$/, 1],
      [['translate', '--model', '/tmp', 'hi'], /^seq2seq: \/tmp: not a model folder/, 1],
      [
        ['train', '--corpus', corpus],
        /^seq2seq: train needs --corpus FILE and --out DIR \(or --config FILE, or --resume DIR\)$/,
        1,
      ],
      [['train', '--resume', '/nonexistent'], /^seq2seq: \/nonexistent: no such folder$/, 1],
      [['translate', '--model', '/tmp', '--beam', '2', '--n-best', '3', 'hi'], /--n-best 3 needs --beam 3 or more/, 1],
      [
        ['score', '--hyp', '/nonexistent', '--ref', '/nonexistent'],
        /^seq2seq: cannot read file \/nonexistent: no such file$/,
        1,
      ],
      [['score', '--hyp', corpus, '--ref', corpus, '--metrics', 'ter'], /expected bleu, chrf or bleu,chrf, got "ter"/],
      [['eval', '--model', '/tmp'], /required option '--corpus <file>' not specified/],
      [['import', '--encoder', 'a.pt'], /required option '--decoder <file>' not specified/],
      [
        ['train', '--corpus', corpus, '--out', '/tmp/x', '--patience', '2', '--mode', 'fused'],
        /--patience needs held-out pairs/,
        1,
      ],
      [
        ['train', '--corpus', corpus, '--out', '/tmp/x', '--backend', 'nccl'],
        /^seq2seq: --backend nccl moves CUDA tensors: train with --device cuda, or use --backend gloo$/,
        1,
      ],
    ];
    for (const [args, message, status = 2] of cases) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(status);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
  });
});
