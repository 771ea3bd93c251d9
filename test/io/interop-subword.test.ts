/**
 * Subword models to and from PyTorch: `export` writes the SentencePiece files beside the state dicts, and
 * scripts/reference/translate_subword.py (Python's sentencepiece and the reference classes alone) translates with
 * them into the same pieces and text as this package; `import` takes the files back into a model folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { translateBeam, translateMany, type Translation } from '../../src/decode/translate.js';
import { exportModel, importModel } from '../../src/io/interop.js';
import { loadModel } from '../../src/io/model-files.js';
import { sentencePieceVersion } from '../../src/tokens/sentencepiece.js';
import { train } from '../../src/train/run.js';
import { PYTHON } from '../helpers/pytorch.js';

const hasPython =
  existsSync(PYTHON) &&
  spawnSync(PYTHON, ['-c', 'import sentencepiece, torch'], { encoding: 'utf8' }).status === 0 &&
  sentencePieceVersion() !== undefined;
const MAX_STEPS = 15;

describe.skipIf(!hasPython)('subword models to and from PyTorch', () => {
  it('exports the SentencePiece files, translates the same in PyTorch, and imports them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'interop-subword-'));
    const corpus = join(dir, 'demo.txt');
    const text = generateDemoCorpus({ pairs: 600, seed: 21 });
    writeFileSync(corpus, text);
    await train({
      corpus,
      out: join(dir, 'run'),
      vocab: 'subword',
      vocabSize: 120,
      instances: 'all',
      attention: 'bahdanau',
      bidirectional: true,
      hidden: 24,
      embedding: 12,
      layers: 2,
      epochs: 2,
      batchSize: 32,
      threads: 1,
      samples: 0,
    });
    const sentences = text
      .trim()
      .split('\n')
      .slice(0, 30)
      .map((line) => line.split('\t')[0]!);
    const model = loadModel(join(dir, 'run'));
    const ours = (await translateBeam(model, sentences, { beam: 1, maxLength: MAX_STEPS })) as Translation[][];
    expect(await translateMany(model, sentences, MAX_STEPS)).toEqual(ours.map((t) => t[0]!.tokens));

    const exported = join(dir, 'exported');
    exportModel(join(dir, 'run'), exported);
    expect(existsSync(join(exported, 'source.model')) && existsSync(join(exported, 'target.model'))).toBe(true);
    const py = spawnSync(
      PYTHON,
      [
        '-c',
        `import json, sys
sys.path.insert(0, 'scripts/reference')
from translate_subword import translate
print(json.dumps(translate(sys.argv[1], json.load(sys.stdin), ${MAX_STEPS})))`,
        exported,
      ],
      { input: JSON.stringify(sentences), encoding: 'utf8', env: { ...process.env, PYTHONPATH: '' } },
    );
    expect(py.status, py.stderr).toBe(0);
    const theirs = JSON.parse(py.stdout) as { pieces: string[]; text: string }[];
    expect(theirs.map((t) => t.pieces)).toEqual(ours.map((t) => t[0]!.tokens));
    expect(theirs.map((t) => t.text)).toEqual(ours.map((t) => t[0]!.text));
    expect(new Set(theirs.map((t) => t.text)).size).toBeGreaterThan(1);

    const imported = join(dir, 'imported');
    importModel(
      {
        encoder: join(exported, 'encoder.pt'),
        decoder: join(exported, 'decoder.pt'),
        srcVocab: join(exported, 'src_vocab.json'),
        tgtVocab: join(exported, 'tgt_vocab.json'),
        sourceSpm: join(exported, 'source.model'),
        targetSpm: join(exported, 'target.model'),
      },
      imported,
    );
    const again = (await translateBeam(loadModel(imported), sentences, {
      beam: 1,
      maxLength: MAX_STEPS,
    })) as Translation[][];
    expect(again.map((t) => t[0]!.text)).toEqual(ours.map((t) => t[0]!.text));
    // One SentencePiece file without the other is refused, with the reason.
    expect(() =>
      importModel(
        {
          encoder: join(exported, 'encoder.pt'),
          decoder: join(exported, 'decoder.pt'),
          srcVocab: join(exported, 'src_vocab.json'),
          tgtVocab: join(exported, 'tgt_vocab.json'),
          sourceSpm: join(exported, 'source.model'),
        },
        join(dir, 'half'),
      ),
    ).toThrow(/needs both SentencePiece files/);
  }, 300_000);
});
