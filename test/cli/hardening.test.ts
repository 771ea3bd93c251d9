/**
 * The command line as a hostile or careless user meets it: every usage error is one `seq2seq: ` line with exit 2,
 * special files are refused by name without blocking, nothing a user keeps is written over, and a damaged or
 * crafted training folder is refused naming what is wrong.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const corpus = 'test/fixtures/deu-small.txt';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 60_000 });
const tiny = ['--hidden', '8', '--embedding', '4', '--layers', '1', '--instances', '50', '--epochs', '1'];

/** One line on stderr, starting `seq2seq: `, matching `pattern`, with exit code `code`. */
function expectOneLine(result: ReturnType<typeof cli>, pattern: RegExp, code: number): void {
  expect(result.error).toBeUndefined(); // no time-out: nothing blocks
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines.length, result.stderr).toBe(1);
  expect(lines[0]).toMatch(/^seq2seq: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.status).toBe(code);
}

let dir: string;
let run: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 's2s-hard-'));
  run = join(dir, 'run');
  const trained = cli('train', '--corpus', corpus, '--out', run, ...tiny);
  expect(trained.status, trained.stderr).toBe(0);
});

describe('usage errors', () => {
  it('are one `seq2seq:` line with exit 2, whichever layer finds them', () => {
    expectOneLine(cli('train', '--hidden', '0'), /--hidden <n>' argument '0' is invalid/, 2);
    expectOneLine(cli('train', '--bogus'), /unknown option '--bogus'/, 2);
    expectOneLine(cli('translate'), /required option '--model <dir>' not specified/, 2);
    expectOneLine(cli('train', '--threads', '2000'), /expected an integer from 1 to 1024/, 2);
    expectOneLine(cli('train', '--timeout', '1e300'), /expected a positive number of at most 604800/, 2);
    expectOneLine(cli('train', '--seed', '99999999999999999999'), /--seed <n>' argument/, 2);
    expectOneLine(cli('nonsense'), /unknown command 'nonsense'/, 2);
    expectOneLine(cli('translate', '--model', run, '--beam', '100000', 'go'), /expected an integer from 1 to 1024/, 2);
    expectOneLine(cli('translate', '--model', run, '--max-length', '1000000000', 'go'), /from 1 to 10000/, 2);
  });
});

describe('special files', () => {
  it('are refused by name and never block: devices, FIFOs and folders as corpora, hypotheses or models', () => {
    expectOneLine(
      cli('train', '--corpus', '/dev/zero', '--out', join(dir, 'z')),
      /corpus \/dev\/zero: it is a device/,
      1,
    );
    expectOneLine(cli('score', '--hyp', '/dev/zero', '--ref', corpus), /\/dev\/zero: it is a device/, 1);
    const fifo = join(dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      expectOneLine(cli('score', '--hyp', fifo, '--ref', corpus), /it is a FIFO/, 1);
      expectOneLine(cli('eval', '--model', run, '--corpus', fifo), /it is a FIFO/, 1);
      // A FIFO in place of a model's config.json.
      const model = join(dir, 'fifo-model');
      mkdirSync(model);
      spawnSync('mkfifo', [join(model, 'config.json')]);
      expectOneLine(cli('translate', '--model', model, 'hi'), /config\.json: it is a FIFO/, 1);
    }
  });
});

describe('inputs', () => {
  it('a line of stdin without end is refused by number, not buffered until V8 gives up', () => {
    const result = spawnSync(process.execPath, ['dist/cli/main.js', 'translate', '--model', run], {
      input: 'Go.\n' + 'a'.repeat(3 << 20),
      encoding: 'utf8',
      timeout: 60_000,
    });
    // The command stops reading at the bad line: the rest of the input meets a closed pipe (EPIPE), as it should.
    expect(result.stderr.trimEnd()).toMatch(/^seq2seq: line 2 of the input is longer than 1\.0 MiB$/);
    expect(result.status).toBe(1);
  });
});

describe('outputs', () => {
  it('never go into a non-empty folder that is not the tool’s', () => {
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'notes.txt'), 'mine');
    expectOneLine(cli('train', '--corpus', corpus, '--out', theirs, ...tiny), /folder with other files in it/, 1);
    expectOneLine(cli('export', '--model', run, '--out', theirs), /folder with other files in it/, 1);
    expectOneLine(
      cli('train', '--corpus', corpus, '--out', join(dir, 'r2'), '--mode', 'notebook', '--export-run', theirs, ...tiny),
      /--export-run .* folder with other files in it/,
      1,
    );
    expect(readFileSync(join(theirs, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('never replace a file without --force, and never a symbolic link or a device even with it', () => {
    const hyps = join(dir, 'hyps.txt');
    writeFileSync(hyps, 'kept');
    expectOneLine(cli('eval', '--model', run, '--corpus', corpus, '--hyps-out', hyps), /exists: .*--force/, 1);
    expect(readFileSync(hyps, 'utf8')).toBe('kept');
    expect(cli('eval', '--model', run, '--corpus', corpus, '--hyps-out', hyps, '--force').status).toBe(0);
    expect(readFileSync(hyps, 'utf8')).not.toBe('kept');
    const link = join(dir, 'link.txt');
    symlinkSync(hyps, link);
    expectOneLine(
      cli('eval', '--model', run, '--corpus', corpus, '--hyps-out', link, '--force'),
      /is a symbolic link: the tool will not write over it/,
      1,
    );
    expect(readlinkSync(link)).toBe(hyps);
    expectOneLine(
      cli('eval', '--model', run, '--corpus', corpus, '--hyps-out', '/dev/null', '--force'),
      /\/dev\/null is a device/,
      1,
    );
  });

  it('a training folder whose last link is missing or dangles is refused, not restarted into', () => {
    const damaged = join(dir, 'damaged');
    expect(cli('train', '--corpus', corpus, '--out', damaged, ...tiny).status).toBe(0);
    rmSync(join(damaged, 'checkpoints'), { recursive: true });
    expectOneLine(
      cli('train', '--corpus', corpus, '--out', damaged, ...tiny),
      /already holds a training run \(or what is left of one: its last checkpoint is missing\)/,
      1,
    );
    expectOneLine(cli('train', '--resume', damaged, '--epochs', '2'), /last link points at .*which is missing/, 1);
    expect(existsSync(join(damaged, 'loss.json'))).toBe(true);
  });
});

describe('training folders', () => {
  it('a corrupt trainer.json is refused at once, naming the field', () => {
    const trainer = join(run, 'last', 'trainer.json');
    const original = readFileSync(trainer, 'utf8');
    const state = JSON.parse(original) as { options: Record<string, unknown>; history: unknown[] };
    try {
      for (const [change, pattern] of [
        [{ mode: 'turbo' }, /options\.mode: Expected one of batched, notebook, fused/],
        [{ batchSize: -4 }, /options\.batchSize: Expected an integer between 1 and 65536/],
        [{ hidden: 1e12 }, /training a model of hidden 1000000000000, .* needs about/],
        [{ lr: 'fast' }, /options\.lr/],
        [{ evil: 1 }, /options\.evil is not an option of a run/],
      ] as [Record<string, unknown>, RegExp][]) {
        writeFileSync(trainer, JSON.stringify({ ...state, options: { ...state.options, ...change } }));
        const started = performance.now();
        expectOneLine(cli('train', '--resume', run, '--epochs', '2'), pattern, 1);
        expect(performance.now() - started).toBeLessThan(20_000);
      }
      writeFileSync(trainer, JSON.stringify({ ...state, history: [{ epoch: 1, train_loss: 'x', seconds: 1 }] }));
      expectOneLine(cli('train', '--resume', run, '--epochs', '2'), /history\[0\] is malformed/, 1);
    } finally {
      writeFileSync(trainer, original);
    }
  });

  it('pairs longer than --max-length tokens are skipped and counted in the corpus report', () => {
    const result = cli('train', '--corpus', corpus, '--out', join(dir, 'short'), '--max-length', '2', ...tiny);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/2 pairs from 8 lines \(skipped: .* 3 longer than 2 tokens\)/);
  });
});
