import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';

// The CLI runs from dist/ (built by `npm install`'s prepare step); rebuilt here so the test sees this source.
beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', input });
const root = mkdtempSync(join(tmpdir(), 'workflow-'));
const demo = join(root, 'demo.txt');
writeFileSync(demo, generateDemoCorpus({ pairs: 400, seed: 2 }));
const small = ['--corpus', demo, '--instances', '300', '--hidden', '16', '--embedding', '8', '--layers', '2'];
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
const bytes = (path: string) => readFileSync(path);

describe('a run interrupted and resumed', () => {
  it('batched: gives the same per-epoch losses, BLEU, weights and optimizer state as a run without a break', () => {
    const whole = join(root, 'whole');
    const split = join(root, 'split');
    const common = [...small, '--batch-size', '16', '--threads', '1', '--lr', '0.01'];
    const a = cli(['train', ...common, '--out', whole, '--epochs', '3']);
    expect(a.status, a.stderr).toBe(0);
    const b1 = cli(['train', ...common, '--out', split, '--epochs', '2']);
    expect(b1.status, b1.stderr).toBe(0);
    const b2 = cli(['train', '--resume', split, '--epochs', '3', '--threads', '1']);
    expect(b2.status, b2.stderr).toBe(0);
    expect(b2.stdout).toMatch(/resuming .*split after epoch 2 of 3/);
    const [la, lb] = [json(join(whole, 'loss.json')), json(join(split, 'loss.json'))];
    expect((la.train_loss as number[]).length).toBe(3);
    for (const key of ['train_loss', 'valid_loss', 'valid_bleu', 'best_epoch']) expect(lb[key], key).toEqual(la[key]);
    // Files are deterministic: equal weights and optimizer states are equal bytes.
    for (const f of ['encoder.pt', 'decoder.pt', 'encoder_optimizer.pt', 'decoder_optimizer.pt']) {
      expect(bytes(join(split, 'last', f)).equals(bytes(join(whole, 'last', f))), f).toBe(true);
    }

    // What a resumed run may not do, and a finished run asked to resume.
    const lr = cli(['train', '--resume', split, '--epochs', '4', '--lr', '0.5']);
    expect(lr.status).toBe(1);
    expect(lr.stderr.trim()).toBe(
      "seq2seq: --resume continues with the run's own options; --lr cannot change (only --epochs, --patience, --precision)",
    );
    const done = cli(['train', '--resume', split]);
    expect(done.stderr.trim()).toMatch(/has trained 3 of 3 epochs: ask for more with --epochs N$/);
    const again = cli(['train', ...common, '--out', whole]);
    expect(again.stderr.trim()).toMatch(/already holds a training run: continue it with --resume/);
  });

  it('notebook mode: the same losses too', () => {
    const whole = join(root, 'nb-whole');
    const split = join(root, 'nb-split');
    const common = [...small, '--instances', '40', '--mode', 'notebook', '--threads', '1'];
    expect(cli(['train', ...common, '--out', whole, '--epochs', '2']).status).toBe(0);
    expect(cli(['train', ...common, '--out', split, '--epochs', '1']).status).toBe(0);
    const r = cli(['train', '--resume', split, '--epochs', '2', '--threads', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(json(join(split, 'loss.json')).mean_loss).toEqual(json(join(whole, 'loss.json')).mean_loss);
    expect(json(join(split, 'loss.json')).current_loss).toEqual(json(join(whole, 'loss.json')).current_loss);
  });

  it('stops early after --patience epochs without a better held-out loss and keeps the best checkpoint', () => {
    const out = join(root, 'patience');
    // A learning rate this large makes the held-out loss worse after the first epochs.
    const r = cli(['train', ...small, '--out', out, '--epochs', '12', '--patience', '1', '--lr', '0.5']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/early stop: no better valid_loss for 1 epochs \(best: epoch \d+\)/);
    const loss = json(join(out, 'loss.json'));
    const valid = loss.valid_loss as number[];
    expect(valid.length).toBeLessThan(12);
    const best = loss.best_epoch as number;
    expect(valid[best - 1]).toBe(Math.min(...valid));
    expect((json(join(out, 'best', 'trainer.json')) as { epoch: number }).epoch).toBe(best);
  });
});

describe('translate, eval, score, export and import', () => {
  const run = join(root, 'model-run');
  beforeAll(() => {
    const r = cli(['train', ...small, '--out', run, '--epochs', '3', '--batch-size', '16', '--lr', '0.01']);
    if (r.status !== 0) throw new Error(r.stderr);
  });

  it('translate reads stdin, prints JSON with tokens and scores, and n-best lists from beam search', () => {
    const lines = 'They eat a big egg.\nHello Paris\nHe does not see the flower.\n';
    const plain = cli(['translate', '--model', run], lines);
    expect(plain.status).toBe(1); // one line has unknown words
    expect(plain.stdout.trim().split('\n')).toHaveLength(2);
    expect(plain.stderr).toMatch(/cannot translate "Hello Paris": unknown words: hello, paris/);
    const beam = cli(['translate', '--model', run, '--beam', '4', '--n-best', '3', '--json', 'They eat a big egg.']);
    expect(beam.status, beam.stderr).toBe(0);
    const result = JSON.parse(beam.stdout) as {
      source: string;
      translations: { tokens: string[]; score: number; log_prob: number }[];
    };
    expect(result.source).toBe('They eat a big egg.');
    expect(result.translations.length).toBeGreaterThanOrEqual(1);
    expect(result.translations.length).toBeLessThanOrEqual(3);
    const scores = result.translations.map((t) => t.score);
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });

  it('eval reports BLEU with its signature, chrF, exact match and loss, and keeps the translations it scored', () => {
    const hyps = join(root, 'hyps.txt');
    const refs = join(root, 'refs.txt');
    const r = cli([
      'eval',
      '--model',
      run,
      '--corpus',
      demo,
      '--instances',
      '50',
      '--hyps-out',
      hyps,
      '--refs-out',
      refs,
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout) as Record<string, number | string>;
    expect((e.pairs as number) + (e.skipped as number)).toBe(50);
    expect(e.signature).toMatch(/^nrefs:1\|case:mixed\|eff:no\|tok:13a\|smooth:exp\|version:/);
    expect(readFileSync(hyps, 'utf8').trim().split('\n')).toHaveLength(e.pairs as number);
    // score gives the same BLEU from the two files.
    const s = cli(['score', '--hyp', hyps, '--ref', refs, '--json']);
    expect(s.status, s.stderr).toBe(0);
    const scored = JSON.parse(s.stdout) as { bleu: number; chrf: number; signature: string };
    expect(scored.bleu).toBeCloseTo(e.bleu as number, 3);
    expect(scored.chrf).toBeCloseTo(e.chrf as number, 3);
    const text = cli(['eval', '--model', run, '--corpus', demo, '--instances', '20', '--beam', '3']);
    expect(text.stdout).toMatch(
      /^\d+ pairs scored.*, beam 3\nscored on the model's lowercased words \(a word model: [^)]*\)\nBLEU = \d+\.\d\d /,
    );
    expect(text.stdout).toMatch(/exact match = \d+\.\d%\nloss per target token = \d+\.\d+/);
  });

  it('export then import gives a model that translates the same', () => {
    const exported = join(root, 'exported');
    expect(cli(['export', '--model', run, '--out', exported]).status).toBe(0);
    const imported = join(root, 'imported');
    const r = cli([
      'import',
      '--encoder',
      join(exported, 'encoder.pt'),
      '--decoder',
      join(exported, 'decoder.pt'),
      '--src-vocab',
      join(exported, 'src_vocab.json'),
      '--tgt-vocab',
      join(exported, 'tgt_vocab.json'),
      '--out',
      imported,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported: hidden 16, embedding 8, 2 layers/);
    const sentences = ['They eat a big egg.', 'He does not see the flower.'];
    expect(cli(['translate', '--model', imported, ...sentences]).stdout).toBe(
      cli(['translate', '--model', run, ...sentences]).stdout,
    );
  });

  it('--help of every command lists its options with their defaults and the exit codes', () => {
    const top = cli(['--help']);
    expect(top.stdout).toMatch(/Exit codes: 0 done; 1 failed .* 2 usage error .* 130 stopped by Ctrl-C/);
    for (const command of ['train', 'translate', 'eval', 'score', 'import', 'export', 'doctor']) {
      const r = cli([command, '--help']);
      expect(r.status, command).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: seq2seq ${command}`));
    }
    expect(cli(['train', '--help']).stdout).toMatch(/--batch-size <n>[^(]*\(grouped[^(]*\(default: 64\)/);
    expect(cli(['translate', '--help']).stdout).toMatch(/--beam <k>[^(]*\(1: greedy decoding\) \(default: 1\)/);
  });
});
