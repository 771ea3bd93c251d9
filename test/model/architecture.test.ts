import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTENTION_KINDS } from '../../src/model/attention-kind.js';
import { buildModel, parameterCount, type ModelSizes } from '../../src/model/architecture.js';
import { Vocab } from '../../src/data/vocab.js';
import { loadModel, saveModel } from '../../src/io/model-files.js';

const numel = (module: { parameters(): { shape: number[] }[] }): number =>
  module.parameters().reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);

describe('model size estimates', () => {
  it('counts the weights of every architecture exactly, without building it', () => {
    const variants: ModelSizes[] = [
      { hidden: 8, embedding: 3, layers: 1 },
      { hidden: 6, embedding: 5, layers: 3 },
      { hidden: 8, embedding: 3, layers: 2, bidirectional: true },
      ...ATTENTION_KINDS.map((attention) => ({ hidden: 6, embedding: 4, layers: 2, attention })),
      { hidden: 6, embedding: 4, layers: 2, attention: 'luong-general', inputFeed: false },
      { hidden: 6, embedding: 4, layers: 3, attention: 'bahdanau', bidirectional: true },
    ];
    for (const sizes of variants) {
      const { encoder, decoder } = buildModel(11, 13, sizes);
      expect(parameterCount(11, 13, sizes), JSON.stringify(sizes)).toBe(numel(encoder) + numel(decoder));
    }
  });

  it('refuses a model that cannot fit in memory before allocating, stating the estimate and the limit', () => {
    for (const sizes of [
      { hidden: 20_000, embedding: 30, layers: 4 },
      { hidden: 128, embedding: 30, layers: 1_000_000 },
      { hidden: 128, embedding: 1e9, layers: 1 },
    ]) {
      expect(() => buildModel(100, 100, sizes)).toThrow(
        /^a model of .* needs about [\d.]+ [GTP]iB, more than the [\d.]+ [GMT]iB it may use \(90% of the [\d.]+ [GMT]iB of (physical memory|cgroup limit)\)$/,
      );
    }
  });

  it('refuses a model folder whose config.json claims sizes that cannot fit, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2s-model-'));
    const vocab = new Vocab(['<sos>', '<eos>', 'a']);
    const { encoder, decoder } = buildModel(3, 3, { hidden: 4, embedding: 2, layers: 1 });
    saveModel(dir, {
      sizes: { hidden: 4, embedding: 2, layers: 1 },
      sourceVocab: vocab,
      targetVocab: vocab,
      encoder,
      decoder,
    });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, layers: 100_000_000 }));
    expect(() => loadModel(dir)).toThrow(
      /config\.json: a model of hidden 4, embedding 2, 100000000 layers .* needs about/,
    );
  });
});
