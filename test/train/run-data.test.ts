/**
 * A batched run's data: the notebook's vocabularies unchanged, capped word vocabularies with `<unk>` counted on
 * the training pairs only, and `--instances all` (every pair once).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCorpus } from '../../src/data/corpus.js';
import { buildDataset, samplePairs } from '../../src/data/dataset.js';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { UNK, Vocab } from '../../src/data/vocab.js';
import { prepareRunData } from '../../src/train/run-data.js';
import { resolveRun } from '../../src/train/run-resolve.js';
import { splitHeldOut } from '../../src/train/split.js';
import type { RunOptions } from '../../src/train/run-options.js';

const text = generateDemoCorpus({ pairs: 600, seed: 4 });
const { pairs, report } = parseCorpus(new TextEncoder().encode(text), 'demo.txt');
const base: RunOptions = {
  corpus: 'demo.txt',
  corpusSha256: '',
  swap: false,
  mode: 'batched',
  instances: 500,
  epochs: 1,
  hidden: 8,
  embedding: 4,
  layers: 1,
  lr: 0.01,
  seed: 3,
  validFraction: 0.1,
  bestMetric: 'loss',
  maxLength: 100,
};

describe('prepareRunData', () => {
  it("keeps the notebook's vocabularies and split when nothing is capped", async () => {
    const { data, split } = await prepareRunData(pairs, base, { ...report });
    const expected = buildDataset(samplePairs(pairs, 500, 3));
    expect(data.sources).toEqual(expected.sources);
    expect(data.sourceVocab.words).toEqual(expected.sourceVocab.words);
    expect(data.targetVocab.hasUnk).toBe(false);
    expect(split).toBeUndefined();
  });

  it('caps word vocabularies on the training pairs: <unk> first, by frequency, held-out words never counted', async () => {
    const { data, split, lines } = await prepareRunData(pairs, { ...base, maxVocab: 12 }, { ...report });
    expect(data.sourceVocab.words.slice(0, 3)).toEqual([UNK, '<sos>', '<eos>']);
    expect(data.sourceVocab.size).toBe(15);
    // The same split as the notebook's vocabularies get from the indexed pairs.
    expect(split).toEqual(splitHeldOut(buildDataset(samplePairs(pairs, 500, 3)), 0.1, 3));
    const counts = new Map<string, number>();
    for (const i of split!.train) {
      for (const w of data.pairs![i]!.source.toLowerCase().match(/[\p{L}\p{N}_]+/gu)!) {
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
    const ranked = [...counts.values()].sort((a, b) => b - a);
    for (const word of data.sourceVocab.words.slice(3)) expect(counts.get(word)).toBeGreaterThanOrEqual(ranked[11]!);
    expect(data.sources.flat()).toContain(data.sourceVocab.unkIndex);
    expect(lines.join('\n')).toMatch(/<unk> in the training pairs: \d+\.\d+% of source tokens/);
  });

  it('keeps words seen at least --min-freq times', async () => {
    const { data, split } = await prepareRunData(pairs, { ...base, minFreq: 30 }, { ...report });
    const counts = new Map<string, number>();
    for (const i of split!.train) {
      for (const w of data.pairs![i]!.target.toLowerCase().match(/[\p{L}\p{N}_]+/gu)!) {
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    }
    const kept = [...counts].filter(([, n]) => n >= 30).map(([w]) => w);
    expect(new Set(data.targetVocab.words.slice(3))).toEqual(new Set(kept));
  });

  it('trains on every pair once with --instances all', async () => {
    const { data } = await prepareRunData(pairs, { ...base, instances: 'all', maxVocab: 1000 }, { ...report });
    expect(data.lines).toEqual(pairs.map((p) => p.line));
  });
});

describe('Vocab.fromCounts', () => {
  it('breaks frequency ties by first appearance and never lists a marker twice', () => {
    const v = Vocab.fromCounts([
      ['<sos>', 'b', 'a', '<eos>'],
      ['<sos>', 'a', 'c', 'b', '<unk>', '<eos>'],
    ]);
    expect(v.words).toEqual([UNK, '<sos>', '<eos>', 'b', 'a', 'c']);
    expect(v.encode(['b', 'zzz'])).toEqual([3, 0]);
    expect(Vocab.fromCounts([['a', 'b', 'b']], { maxSize: 1 }).words).toEqual([UNK, '<sos>', '<eos>', 'b']);
  });
});

describe('resolveRun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-data-'));
  const corpus = join(dir, 'c.txt');
  writeFileSync(corpus, text);
  const out = (name: string) => join(dir, name);
  it.each([
    [
      { mode: 'notebook', maxVocab: 10 },
      /notebook modes keep the notebook's vocabularies and draws: --max-vocab need --mode batched/,
    ],
    [{ mode: 'fused', instances: 'all' }, /--instances all need --mode batched/],
    [{ vocabSize: 100 }, /--vocab-size belong to subword vocabularies: add --vocab subword/],
    [{ vocab: 'subword', minFreq: 2 }, /--min-freq cap word vocabularies/],
    [{ sourceSpm: 'a.model' }, /give both --source-spm and --target-spm/],
    [{ sourceSpm: 'a.model', targetSpm: 'b.model', joint: true }, /--joint train a SentencePiece model/],
  ] as const)('refuses %o', (given, message) => {
    expect(() => resolveRun({ corpus, out: out(String(Math.random())), ...given } as never)).toThrow(message);
  });
});
