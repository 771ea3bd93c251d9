/**
 * Subword vocabularies on real text (a sample of the machine's message catalogs): SentencePiece models trained on
 * the training pairs only and stored in every checkpoint, every held-out sentence translated (none refused) with
 * case and punctuation kept, Python's sentencepiece segmenting as the checkpoint's models do, a resumed run equal
 * to one trained in one go, a joint BPE model, and models from spm_train given with --source-spm/--target-spm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalogCorpusText, catalogPairs } from '../../src/data/catalog-corpus.js';
import { readCorpus } from '../../src/data/corpus.js';
import { listMessageCatalogs } from '../../src/data/message-catalog.js';
import { translateBeam, UnknownWordsError, type Translation } from '../../src/decode/translate.js';
import { loadModel } from '../../src/io/model-files.js';
import { sentencePieceVersion } from '../../src/tokens/sentencepiece.js';
import { train, type TrainResult } from '../../src/train/run.js';
import type { TrainOptions } from '../../src/train/run-options.js';
import { splitByKeys } from '../../src/train/split.js';
import { PYTHON } from '../helpers/pytorch.js';

const CATALOGS = '/usr/share/locale/de/LC_MESSAGES';
const hasCatalogs = existsSync(CATALOGS) && listMessageCatalogs(CATALOGS).length > 10;
const hasSpm = sentencePieceVersion() !== undefined;
const hasPython =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import sentencepiece'], { encoding: 'utf8' }).status === 0;
const hasSpmTrain = spawnSync('spm_train', ['--help'], { encoding: 'utf8' }).error === undefined;

const root = mkdtempSync(join(tmpdir(), 'subword-'));
const corpus = join(root, 'catalogs.txt');
const options: TrainOptions = {
  corpus,
  vocab: 'subword',
  vocabSize: 400,
  instances: 'all',
  attention: 'luong-general',
  hidden: 32,
  embedding: 16,
  layers: 1,
  batchSize: 32,
  maxLength: 40,
  validFraction: 0.05,
  threads: 1,
  samples: 0,
};

function sameFiles(a: string, b: string): void {
  const names = readdirSync(join(a, 'last')).sort();
  expect(readdirSync(join(b, 'last')).sort()).toEqual(names);
  for (const name of names) {
    const [x, y] = [readFileSync(join(a, 'last', name)), readFileSync(join(b, 'last', name))];
    if (name === 'trainer.json') {
      const strip = (buf: Buffer) => {
        const t = JSON.parse(buf.toString()) as { history: { seconds?: number }[] };
        for (const e of t.history) delete e.seconds;
        return t;
      };
      expect(strip(y), name).toEqual(strip(x));
    } else expect(x.equals(y), name).toBe(true);
  }
}

describe.skipIf(!hasCatalogs || !hasSpm)('subword vocabularies on the message-catalog corpus', () => {
  let whole: TrainResult;
  let heldOut: { source: string; target: string }[];
  beforeAll(async () => {
    // Every 20th pair of the machine's catalogs: about 1,900 real pairs.
    const { pairs } = catalogPairs(listMessageCatalogs(CATALOGS));
    writeFileSync(corpus, catalogCorpusText(pairs.filter((_, i) => i % 20 === 0)));
    whole = await train({ ...options, out: join(root, 'whole'), epochs: 2 });
    // The run's held-out pairs: the same split of the same pairs (all of them, in corpus order).
    const drawn = readCorpus(corpus).pairs;
    const split = splitByKeys(
      drawn.map((p) => `${p.source}\t${p.target}`),
      0.05,
      0,
    );
    heldOut = split.valid.map((i) => drawn[i]!);
  }, 300_000);

  it('stores the SentencePiece models in every checkpoint and their pieces as the vocabularies', () => {
    const last = join(root, 'whole', 'last');
    expect(existsSync(join(last, 'source.model')) && existsSync(join(last, 'target.model'))).toBe(true);
    const config = JSON.parse(readFileSync(join(last, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      vocabulary: 'subword',
      sentencepiece: { source: 'source.model', target: 'target.model' },
    });
    const model = loadModel(join(root, 'whole'));
    const spm = model.segmenters!.source.sentencePiece!;
    expect(model.sourceVocab.words.slice(0, spm.size)).toEqual(spm.pieces);
    expect(model.sourceVocab.words.slice(0, 3)).toEqual(['<unk>', '<sos>', '<eos>']);
  });

  it('translates every held-out sentence (and any text), keeping case and punctuation', async () => {
    const model = loadModel(join(root, 'whole'));
    expect(heldOut.length).toBeGreaterThan(50);
    const texts = [
      ...heldOut.map((p) => p.source),
      'Cannot open file %s: Permission denied.',
      'Zürich 2026 — ünïcödé ☃ 東京',
    ];
    const results = await translateBeam(model, texts, { beam: 2, maxLength: 30 });
    for (const r of results) {
      expect(r).not.toBeInstanceOf(UnknownWordsError);
      const [best] = r as Translation[];
      expect(best!.tokens.length).toBeGreaterThan(0);
      expect(best!.tokens.every((t) => model.targetVocab.has(t))).toBe(true);
    }
    // The source side keeps what the user wrote: SentencePiece's pieces detokenize to the text itself.
    const src = model.segmenters!.source;
    expect(src.detokenize(src.segment(texts.slice(-2, -1)))).toEqual(texts.slice(-2, -1));
    expect(whole.history.every((e) => e.valid_bleu !== undefined)).toBe(true);
  });

  it.skipIf(!hasPython)("segments like Python's sentencepiece with the checkpoint's models", () => {
    const model = loadModel(join(root, 'whole'));
    const texts = readFileSync(corpus, 'utf8')
      .split('\n')
      .slice(0, 200)
      .flatMap((line) => line.split('\t').slice(0, 2));
    const ours = model.segmenters!.target.segment(texts);
    const py = spawnSync(
      PYTHON,
      [
        '-c',
        'import json,sys,sentencepiece as s; p=s.SentencePieceProcessor(model_file=sys.argv[1]); ' +
          'print(json.dumps(p.encode(json.load(sys.stdin), out_type=str)))',
        join(root, 'whole', 'last', 'target.model'),
      ],
      { input: JSON.stringify(texts), encoding: 'utf8' },
    );
    expect(py.status, py.stderr).toBe(0);
    expect(ours).toEqual(JSON.parse(py.stdout));
  });

  it('resumes into the same files as a run trained in one go', async () => {
    const split = join(root, 'split');
    await train({ ...options, out: split, epochs: 1 });
    await train({ resume: split, epochs: 2, threads: 1 });
    sameFiles(join(root, 'whole'), split);
  }, 300_000);

  it('trains one joint BPE model for both sides', async () => {
    const out = join(root, 'joint');
    await train({ ...options, out, subword: 'bpe', joint: true, epochs: 1 });
    const model = loadModel(out);
    expect(model.segmenters!.source).toBe(model.segmenters!.target);
    expect(existsSync(join(out, 'last', 'joint.model'))).toBe(true);
    expect(model.sourceVocab.words).toEqual(model.targetVocab.words);
  }, 300_000);

  it.skipIf(!hasSpmTrain)(
    'takes models trained by spm_train (<s> and </s> markers) with --source-spm and --target-spm',
    async () => {
      const lines = readFileSync(corpus, 'utf8').trim().split('\n');
      const side = (k: number) => {
        const file = join(root, `side${k}.txt`);
        writeFileSync(file, lines.map((l) => l.split('\t')[k]).join('\n'));
        const prefix = join(root, `spm${k}`);
        const r = spawnSync(
          'spm_train',
          [`--input=${file}`, `--model_prefix=${prefix}`, '--vocab_size=300', '--minloglevel=2'],
          {
            encoding: 'utf8',
          },
        );
        expect(r.status, r.stderr).toBe(0);
        return `${prefix}.model`;
      };
      const [sourceSpm, targetSpm] = [side(0), side(1)];
      const out = join(root, 'given');
      await train({ ...options, vocabSize: undefined, out, sourceSpm, targetSpm, epochs: 1 });
      const model = loadModel(out);
      // spm_train's default markers are <s> and </s>: <sos> and <eos> come after its pieces.
      expect(model.sourceVocab.words.slice(-2)).toEqual(['<sos>', '<eos>']);
      expect(model.sourceVocab.size).toBe(302);
      expect(readFileSync(join(out, 'last', 'source.model')).equals(readFileSync(sourceSpm))).toBe(true);
    },
    300_000,
  );
});
