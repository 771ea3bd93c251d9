/**
 * Tied embeddings: the decoder's embedding is the output layer's weight, one tensor as in PyTorch
 * (`embedding.weight = dense.weight`): listed once by parameters() (one Adam state), under both names in the state
 * dict, saved so that PyTorch reads both names with equal values, loaded back tied, exported and imported tied.
 * Training parity against PyTorch is in test/train/regularise.test.ts.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Vocab } from '../../src/data/vocab.js';
import { exportModel, importModel } from '../../src/io/interop.js';
import { loadModel, saveModel } from '../../src/io/model-files.js';
import { buildModel, parameterCount } from '../../src/model/architecture.js';
import { Decoder, tieRefusal } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { pytorch } from '../helpers/pytorch.js';

const sourceVocab = new Vocab(['<sos>', 'a', 'b', '<eos>']);
const targetVocab = new Vocab(['<sos>', 'x', 'y', 'z', '<eos>']);

function tiedModel(attention: 'none' | 'bahdanau' | 'luong-dot' = 'none') {
  const sizes = { hidden: 8, embedding: attention === 'bahdanau' ? 16 : 8, layers: 2, attention, tieEmbeddings: true };
  torch.manualSeed(1);
  return { sizes, sourceVocab, targetVocab, ...buildModel(sourceVocab.size, targetVocab.size, sizes) };
}

const weightOf = (decoder: Decoder, module: 'embedding' | 'dense') =>
  decoder[module].namedParameters().find(([name]) => name === 'weight')![1];

describe('tied embeddings', () => {
  it('make the embedding and the output layer hold one tensor, listed once by parameters()', () => {
    for (const attention of ['none', 'bahdanau', 'luong-dot'] as const) {
      const { decoder, sizes } = tiedModel(attention);
      expect(weightOf(decoder, 'embedding')).toBe(weightOf(decoder, 'dense'));
      const names = decoder.namedParameters().map(([name]) => name);
      expect(names[0]).toBe('embedding.weight');
      expect(names).not.toContain('dense.weight');
      expect(Object.keys(decoder.stateDict())).toContain('dense.weight');
      const count = (m: torch.nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);
      expect(count(decoder) + count(new Encoder(sourceVocab.size, 8, sizes.embedding, 2))).toBe(
        parameterCount(sourceVocab.size, targetVocab.size, sizes),
      );
    }
  });

  it('keep one gradient and one Adam state: after a step both names still hold the same values', () => {
    const { decoder } = tiedModel();
    const opt = new torch.optim.Adam(decoder.parameters(), { lr: 0.1 });
    const x = torch.tensor([1, 2, 3], { dtype: 'int64' });
    // The weight is used twice (lookup and output layer): its gradient is the sum of both uses.
    const loss = decoder.dense.forward(decoder.embedding.forward(x)).sum();
    loss.backward();
    const grad = weightOf(decoder, 'dense').grad!;
    expect(weightOf(decoder, 'embedding').grad!.toArray()).toEqual(grad.toArray());
    opt.step();
    // States for the parameters that had gradients: the tied weight once, and dense.bias (the LSTM was not used).
    expect(opt.stateDict().state.size).toBe(2);
    const state = decoder.stateDict();
    expect(state['embedding.weight']!.toArray()).toEqual(state['dense.weight']!.toArray());
  });

  it('are refused, with the reason, when the sizes do not allow them', () => {
    expect(tieRefusal(8, 8)).toBeUndefined();
    expect(tieRefusal(8, 16, 'bahdanau')).toBeUndefined();
    expect(tieRefusal(128, 30)).toBe(
      "tied embeddings share the decoder's embedding with the output layer's weight: the embedding size (30) must " +
        "be the output layer's input size (the hidden size, 128)",
    );
    expect(() => new Decoder(5, 8, 8, 1, { attention: 'bahdanau', tieEmbeddings: true })).toThrow(
      /embedding size \(8\) must be the output layer's input size \(twice the hidden size with Bahdanau attention, 16\)/,
    );
  });

  it('save to files PyTorch reads (both names, equal values) and load back tied', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tied-'));
    const model = tiedModel();
    saveModel(dir, model);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).tie_embeddings).toBe(true);
    const seen = pytorch<{ keys: string[]; equal: boolean }>(
      `d = torch.load(inp['dir'] + '/decoder.pt')
out({'keys': list(d.keys()), 'equal': bool(torch.equal(d['embedding.weight'], d['dense.weight']))})`,
      { dir },
    );
    expect(seen.keys).toContain('embedding.weight');
    expect(seen.keys).toContain('dense.weight');
    expect(seen.equal).toBe(true);
    const loaded = loadModel(dir);
    expect(loaded.sizes.tieEmbeddings).toBe(true);
    expect(loaded.decoder.tieEmbeddings).toBe(true);
    expect(weightOf(loaded.decoder, 'embedding')).toBe(weightOf(loaded.decoder, 'dense'));
    expect(weightOf(loaded.decoder, 'dense').toArray()).toEqual(weightOf(model.decoder, 'dense').toArray());
  });

  it('export and import tied: the notebook files hold both names, the imported model is tied again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tied-'));
    saveModel(join(dir, 'model'), tiedModel());
    exportModel(join(dir, 'model'), join(dir, 'exported'));
    const files = {
      encoder: join(dir, 'exported', 'encoder.pt'),
      decoder: join(dir, 'exported', 'decoder.pt'),
      srcVocab: join(dir, 'exported', 'src_vocab.json'),
      tgtVocab: join(dir, 'exported', 'tgt_vocab.json'),
    };
    expect(importModel(files, join(dir, 'imported')).tieEmbeddings).toBe(true);
    expect(loadModel(join(dir, 'imported')).decoder.tieEmbeddings).toBe(true);
    // A checkpoint whose two names disagree cannot be one tied weight.
    const untied = new Decoder(targetVocab.size, 8, 8, 2);
    torch.save(untied.stateDict(), join(dir, 'untied.pt'));
    const tied = new Decoder(targetVocab.size, 8, 8, 2, { tieEmbeddings: true });
    const state = torch.loadTensors(join(dir, 'untied.pt'));
    expect(() => tied.loadStateDict(state)).toThrow(
      'embedding.weight and dense.weight are one tied weight, but the state dict gives them different values',
    );
    // ... and imports untied.
    torch.save(untied.stateDict(), files.decoder);
    expect(importModel(files, join(dir, 'imported'), { force: true }).tieEmbeddings).toBeUndefined();
  });
});
