import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Vocab } from '../../src/data/vocab.js';
import { loadModel, saveModel } from '../../src/io/model-files.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import { pytorch } from '../helpers/pytorch.js';

function smallModel() {
  const config = { hidden: 8, embedding: 4, layers: 2 };
  const sourceVocab = new Vocab(['<sos>', 'a', 'b', '<eos>']);
  const targetVocab = new Vocab(['<sos>', 'x', '<eos>']);
  const encoder = new Encoder(sourceVocab.size, config.hidden, config.embedding, config.layers);
  const decoder = new Decoder(targetVocab.size, config.hidden, config.embedding, config.layers);
  return { sizes: config, sourceVocab, targetVocab, encoder, decoder };
}

describe('model files', () => {
  it('save and load a model, weights and vocabularies identical', () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-'));
    const model = smallModel();
    saveModel(dir, model);
    const loaded = loadModel(dir);
    expect(loaded.sourceVocab.words).toEqual(model.sourceVocab.words);
    expect(loaded.targetVocab.words).toEqual(model.targetVocab.words);
    const a = model.decoder.namedParameters();
    const b = loaded.decoder.namedParameters();
    a.forEach(([name, p], i) => {
      expect(b[i]![0]).toBe(name);
      expect(b[i]![1].toArray()).toEqual(p.toArray());
    });
  });

  it('writes encoder.pt and decoder.pt with the notebook’s state-dict keys, readable by torch.load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-'));
    saveModel(dir, smallModel());
    const keys = pytorch<string[][]>(
      `out([list(torch.load(inp['dir'] + f, weights_only=True).keys()) for f in ['/encoder.pt', '/decoder.pt']])`,
      { dir },
    );
    expect(keys[0]!.slice(0, 2)).toEqual(['embedding.weight', 'lstm.weight_ih_l0']);
    expect(keys[1]!.slice(-3)).toEqual(['lstm.bias_hh_l1', 'dense.weight', 'dense.bias']);
    expect(JSON.parse(readFileSync(join(dir, 'tgt_vocab.json'), 'utf8'))).toEqual(['<sos>', 'x', '<eos>']);
  });

  it('names the file and the problem when a folder is not a model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-'));
    expect(() => loadModel(dir)).toThrow(/not a model folder \(no config.json, and no best\/ or last\/ checkpoint\)/);
    writeFileSync(join(dir, 'config.json'), '{"format": "other"}');
    expect(() => loadModel(dir)).toThrow(/config.json: not a seq2seq-node model/);
    writeFileSync(join(dir, 'config.json'), 'not json');
    expect(() => loadModel(dir)).toThrow(/config.json: not valid JSON/);
    saveModel(dir, smallModel());
    writeFileSync(join(dir, 'tgt_vocab.json'), '["x"]');
    expect(() => loadModel(dir)).toThrow(/tgt_vocab.json: <sos> is missing/);
  });
});
