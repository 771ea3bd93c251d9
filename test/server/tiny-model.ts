/**
 * One tiny model per test file, trained in seconds with the library's train() on the demo grammar, and the
 * English sentences of its corpus (all within its vocabulary).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { tokenize } from '../../src/data/tokenize.js';
import { loadModel, type TrainedModel } from '../../src/io/model-files.js';
import type { AttentionKind } from '../../src/model/attention-kind.js';
import { train } from '../../src/train/run.js';

export interface TinyModel {
  /** The training folder (loadModel takes it). */
  dir: string;
  model: TrainedModel;
  /** English sources of the corpus whose words the model knows, distinct, in corpus order. */
  sentences: string[];
}

/** Trains hidden 16, 1 layer, 2 epochs on 300 demo pairs, with one libtorch thread. */
export async function trainTinyModel(seed: number, attention: AttentionKind = 'none'): Promise<TinyModel> {
  const root = mkdtempSync(join(tmpdir(), 'serve-model-'));
  const corpus = join(root, 'demo.txt');
  const text = generateDemoCorpus({ pairs: 300, seed });
  writeFileSync(corpus, text);
  const dir = join(root, 'run');
  await train({
    corpus,
    out: dir,
    instances: 300,
    epochs: 2,
    hidden: 16,
    embedding: 8,
    layers: 1,
    batchSize: 16,
    threads: 1,
    seed,
    attention,
  });
  const model = loadModel(dir);
  const sources = text
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => line.split('\t')[0]!);
  const sentences = [...new Set(sources)].filter((s) => model.sourceVocab.unknown(tokenize(s)).length === 0);
  return { dir, model, sentences };
}
