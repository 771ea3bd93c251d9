/**
 * The command line on real text: a subword run (`--vocab subword --instances all`), translations as detokenized text
 * with their pieces (`--json`), evaluation on detokenized text (said so), and a word run with `--max-vocab` that
 * translates unseen words instead of refusing them; flags that do not go together are one-line usage errors.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { sentencePieceVersion } from '../../src/tokens/sentencepiece.js';

beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const cli = (args: string[], input?: string) =>
  spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', input });
const root = mkdtempSync(join(tmpdir(), 'real-text-'));
const corpus = join(root, 'demo.txt');
writeFileSync(corpus, generateDemoCorpus({ pairs: 500, seed: 8 }));
const small = ['--corpus', corpus, '--hidden', '16', '--embedding', '8', '--layers', '1', '--epochs', '1'];
const fast = ['--batch-size', '32', '--threads', '1', '--samples', '1'];

describe.skipIf(sentencePieceVersion() === undefined)('seq2seq with a subword vocabulary', () => {
  it('trains on every pair, translates to text with pieces, and scores detokenized text', () => {
    const out = join(root, 'sp');
    const t = cli([
      'train',
      ...small,
      ...fast,
      '--out',
      out,
      '--vocab',
      'subword',
      '--vocab-size',
      '150',
      '--instances',
      'all',
    ]);
    expect(t.status, t.stderr).toBe(0);
    // SentencePiece's unigram vocabulary size is a soft limit: a small corpus may give fewer pieces.
    expect(t.stdout).toMatch(/all 500 pairs; vocabularies: \d+ source, \d+ target pieces/);
    const j = cli(['translate', '--model', out, '--json', 'The dog sees Zoë, 42 times!']);
    expect(j.status, j.stderr).toBe(0);
    const line = JSON.parse(j.stdout) as { translations: { text: string; tokens: string[] }[] };
    expect(typeof line.translations[0]!.text).toBe('string');
    expect(line.translations[0]!.tokens.every((p) => typeof p === 'string')).toBe(true);
    const e = cli(['eval', '--model', out, '--corpus', corpus, '--instances', '50']);
    expect(e.status, e.stderr).toBe(0);
    expect(e.stdout).toContain("scored on detokenized text against the corpus's lines");
  });
});

describe('seq2seq with a capped word vocabulary', () => {
  it('maps unseen words to <unk> instead of refusing the sentence', () => {
    const out = join(root, 'capped');
    const t = cli(['train', ...small, ...fast, '--out', out, '--max-vocab', '20', '--instances', 'all']);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/<unk> in the training pairs: [\d.]+% of source tokens/);
    const r = cli(['translate', '--model', out, 'The zebra sees Paris.']);
    expect(r.status, r.stderr).toBe(0);
    const u = cli(['translate', '--model', out, '--replace-unk', 'The zebra sees Paris.']);
    expect(u.status).toBe(1);
    expect(u.stderr).toMatch(
      /^seq2seq: --replace-unk copies the most-attended source word: this model has no attention\n$/,
    );
  });

  it.each([
    [['--instances', 'some'], /expected all or an integer of at least 1, got "some"/],
    [['--vocab', 'chars'], /argument 'chars' is invalid/],
    [['--mode', 'fused', '--instances', 'all'], /--instances all need --mode batched/],
    [['--max-vocab', '10', '--vocab', 'subword'], /--max-vocab cap word vocabularies/],
  ])('refuses %j in one line', (flags, message) => {
    const r = cli(['train', ...small, '--out', join(root, `bad-${Math.random()}`), ...flags]);
    expect(r.status).toBeGreaterThan(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
