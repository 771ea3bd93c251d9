/**
 * SentencePiece models trained and used through the addon, checked against Debian's python3-sentencepiece (the
 * same 0.1.97) and the spm_train tool, on the checked-in deu-small fixture plus the demo grammar's sentences.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { SentencePieceModel, sentencePieceVersion, trainSentencePiece } from '../../src/tokens/sentencepiece.js';
import { PYTHON } from '../helpers/pytorch.js';

const built = sentencePieceVersion() !== undefined;
const dir = mkdtempSync(join(tmpdir(), 'spm-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// English and German sides of the fixture and of 300 demo-grammar pairs.
const lines = [
  ...readFileSync(new URL('../fixtures/deu-small.txt', import.meta.url), 'utf8').split('\n'),
  ...generateDemoCorpus({ pairs: 300, seed: 7 }).split('\n'),
].filter((l) => l.trim() !== '');
const sentences = lines.flatMap((l) => l.split('\t').slice(0, 2));

// Unseen words, digits, punctuation, capitals, non-Latin characters, odd whitespace and the empty string.
const PROBES = [
  'The dog sees the cat.',
  'Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich!',
  'Call 0800-123 456, now?! (42%)',
  'ЖЖЖ Москва 東京 😀',
  'UPPER lower MiXeD',
  '  leading and   inner   spaces  ',
  '',
];

const hasPython =
  existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import sentencepiece'], { stdio: 'ignore' }).status === 0;
const hasSpmTrain = spawnSync('spm_train', ['--help'], { stdio: 'ignore' }).status !== null;

/** Python's pieces and decodings of `texts` with the model at `path`. */
function python(path: string, texts: string[]): { pieces: string[][]; decoded: string[]; ids: number[] } {
  const script = `
import json, sys, sentencepiece as spm
inp = json.load(sys.stdin)
sp = spm.SentencePieceProcessor(model_file=inp['path'])
pieces = [sp.encode(t, out_type=str) for t in inp['texts']]
json.dump({'pieces': pieces, 'decoded': [sp.decode_pieces(p) for p in pieces],
           'ids': [sp.unk_id(), sp.bos_id(), sp.eos_id(), sp.pad_id(), sp.get_piece_size()]}, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ path, texts }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 sentencepiece failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as { pieces: string[][]; decoded: string[]; ids: number[] };
}

describe.skipIf(!built)('SentencePiece (built in)', () => {
  for (const modelType of ['unigram', 'bpe'] as const) {
    it(`trains a ${modelType} model with <unk>, <sos>, <eos> at 0, 1, 2 and no padding piece`, async () => {
      const model = await trainSentencePiece(sentences, { vocabSize: 120, modelType });
      expect(model.pieces.slice(0, 3)).toEqual(['<unk>', '<sos>', '<eos>']);
      expect([model.unkId, model.bosId, model.eosId, model.padId]).toEqual([0, 1, 2, -1]);
      expect(model.size).toBe(model.pieces.length);
      expect(model.size).toBeLessThanOrEqual(120);
      if (modelType === 'bpe') expect(model.size).toBe(120);
      const path = join(dir, `${modelType}.model`);
      model.save(path);
      expect(new Uint8Array(readFileSync(path))).toEqual(model.bytes());
      const loaded = SentencePieceModel.load(path);
      expect(loaded.pieces).toEqual(model.pieces);
      expect(loaded.encode(PROBES)).toEqual(model.encode(PROBES));
      expect(await model.encodeAsync(PROBES)).toEqual(model.encode(PROBES));
      model.dispose();
      loaded.dispose();
      expect(() => model.encode(['x'])).toThrow(/disposed/);
    });

    it.skipIf(!hasPython)(`segments and decodes like python3-sentencepiece (${modelType})`, async () => {
      const model = await trainSentencePiece(sentences, { vocabSize: 150, modelType });
      const path = join(dir, `${modelType}-py.model`);
      model.save(path);
      const ours = model.encode(PROBES);
      const theirs = python(path, PROBES);
      expect(ours).toEqual(theirs.pieces);
      expect(model.decode(ours)).toEqual(theirs.decoded);
      expect([model.unkId, model.bosId, model.eosId, model.padId, model.size]).toEqual(theirs.ids);
      // Decoding gives back the text, SentencePiece-normalized (NFKC, whitespace collapsed): the 1st and 5th probes
      // are already normal.
      expect(model.decode(ours)[0]).toBe(PROBES[0]);
      expect(model.decode(ours)[4]).toBe(PROBES[4]);
      expect(model.decode([[]])).toEqual(['']);
      model.dispose();
    });
  }

  it('gives identical bytes for the same input and options, twice (also with sampling and a seed)', async () => {
    const a = await trainSentencePiece(sentences, { vocabSize: 100 });
    const b = await trainSentencePiece(sentences, { vocabSize: 100 });
    expect(Buffer.from(a.bytes()).equals(Buffer.from(b.bytes()))).toBe(true);
    const c = await trainSentencePiece(sentences, { vocabSize: 100, maxSentences: 200, seed: 5 });
    const d = await trainSentencePiece(sentences, { vocabSize: 100, maxSentences: 200, seed: 5 });
    expect(Buffer.from(c.bytes()).equals(Buffer.from(d.bytes()))).toBe(true);
    for (const m of [a, b, c, d]) m.dispose();
  });

  it('skips empty sentences and takes tabs and newlines inside sentences as whitespace', async () => {
    const model = await trainSentencePiece(['', 'a\tb c', 'x\ny z', ...sentences, ''], { vocabSize: 100 });
    expect(model.encode(['a\tb'])).toEqual(model.encode(['a b']));
    model.dispose();
  });

  it.skipIf(!hasSpmTrain || !hasPython)('loads a model trained by spm_train and encodes like Python', () => {
    const input = join(dir, 'corpus.txt');
    writeFileSync(input, sentences.join('\n'));
    const r = spawnSync(
      'spm_train',
      [`--input=${input}`, `--model_prefix=${join(dir, 'cli')}`, '--vocab_size=100', '--minloglevel=2'],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const path = join(dir, 'cli.model');
    const model = SentencePieceModel.load(path);
    // spm_train's defaults: <unk> 0, <s> 1, </s> 2.
    expect(model.pieces.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect(model.encode(PROBES)).toEqual(python(path, PROBES).pieces);
    expect(Buffer.from(model.bytes()).equals(readFileSync(path))).toBe(true);
    model.dispose();
  });

  it('refuses empty, random, truncated and corrupted model bytes with an Error', async () => {
    const model = await trainSentencePiece(sentences, { vocabSize: 80 });
    const good = model.bytes();
    model.dispose();
    const random = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    const corrupted = good.slice();
    for (let i = 0; i < corrupted.length; i += 97) corrupted[i] = corrupted[i]! ^ 0x5a;
    const cases = [new Uint8Array(0), random, good.subarray(0, 10), good.subarray(0, good.length >> 1), corrupted];
    for (let cut = 1; cut < good.length; cut += Math.ceil(good.length / 40)) cases.push(good.subarray(0, cut));
    for (const bytes of cases) {
      let m: SentencePieceModel | undefined;
      try {
        m = SentencePieceModel.fromBytes(bytes, 'x.model');
      } catch (err) {
        expect((err as Error).message).toMatch(/^x\.model: not a (usable )?SentencePiece model/);
      }
      // A byte flip inside a piece's text or score can still parse: then it must work as a model.
      if (m) {
        expect(m.encode(['the dog']).length).toBe(1);
        m.dispose();
      }
    }
    expect(() => SentencePieceModel.fromBytes(new Uint8Array(0))).toThrow(/not a SentencePiece model: no bytes/);
  });

  it('names the file when it is missing or not a regular file', () => {
    const missing = join(dir, 'missing.model');
    expect(() => SentencePieceModel.load(missing)).toThrow(`cannot read SentencePiece model ${missing}: no such file`);
    const fifo = join(dir, 'fifo.model');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      expect(() => SentencePieceModel.load(fifo)).toThrow(/fifo\.model: it is a FIFO/);
    }
    expect(() => SentencePieceModel.load(dir)).toThrow(/it is a folder/);
  });

  it('rejects what the trainer cannot do with a clear message, never an abort', async () => {
    await expect(trainSentencePiece(sentences, { vocabSize: 50000, modelType: 'bpe' })).rejects.toThrow(
      /Vocabulary size too high \(50000\)\. Please set it to a value <= \d+\. BPE .* choose a smaller vocabSize/,
    );
    await expect(trainSentencePiece(['', ''], { vocabSize: 50 })).rejects.toThrow(/all 2 are empty/);
    await expect(trainSentencePiece([], { vocabSize: 50 })).rejects.toThrow(/no sentences/);
    await expect(trainSentencePiece(sentences, { vocabSize: 8 })).rejects.toThrow(
      /Vocabulary size is smaller than required_chars/,
    );
    await expect(trainSentencePiece(sentences, { vocabSize: 3 })).rejects.toThrow(RangeError);
    await expect(trainSentencePiece(sentences, { vocabSize: 50, characterCoverage: 0.5 })).rejects.toThrow(
      /characterCoverage/,
    );
    // A huge unigram vocabulary on a small corpus gives the pieces there are.
    const model = await trainSentencePiece(sentences, { vocabSize: 5000 });
    expect(model.size).toBeLessThan(5000);
    model.dispose();
  });

  it('rejects at once when aborted', async () => {
    const controller = new AbortController();
    const promise = trainSentencePiece(sentences, { vocabSize: 100, signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(promise).rejects.toThrow('stop');
  });

  it('prints nothing while training', () => {
    const addon = new URL('../../build/Release/seq2seq.node', import.meta.url).pathname;
    const script = `const a = require(${JSON.stringify(addon)});
      a.trainSentencePiece(${JSON.stringify(sentences)}, { vocabSize: 90 }).promise.then((b) => {
        new a.SentencePiece(b).encode(['x']); });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
  });
});

describe.skipIf(built)('SentencePiece (built without)', () => {
  it('says how to get it', async () => {
    await expect(trainSentencePiece(['a'], { vocabSize: 10 })).rejects.toThrow(/install libsentencepiece-dev/);
    expect(() => SentencePieceModel.fromBytes(new Uint8Array(1))).toThrow(/built without SentencePiece/);
  });
});
