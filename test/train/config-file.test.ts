/**
 * `train --config FILE`: YAML or JSON keyed by the options' flag spellings or names, checked as the option table
 * says (unknown keys and bad values refused naming the key and the file), beneath the options given; and the
 * `config.yaml` every run writes, from which a second run repeats the first: the same resolved options and, with
 * a seed, the same weights byte for byte.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { readConfigFile, withConfigFile, writeRunConfig } from '../../src/train/config-file.js';
import { resolveRun } from '../../src/train/run-resolve.js';
import type { TrainOptions } from '../../src/train/run-options.js';
import { train } from '../../src/train/run.js';

const dir = mkdtempSync(join(tmpdir(), 'config-file-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('config files', () => {
  it('reads YAML and JSON keyed by flags or option names, each value checked', () => {
    const yaml = file(
      'a.yaml',
      'batch-size: 32\nlr: 1e-3\nattention: luong-dot\ninstances: all\nbidirectional: true\n',
    );
    expect(readConfigFile(yaml)).toEqual({
      batchSize: 32,
      lr: 0.001,
      attention: 'luong-dot',
      instances: 'all',
      bidirectional: true,
    });
    const json = file('a.json', '{"batchSize": 8, "teacher-forcing": 0.5, "keep-checkpoints": 3}');
    expect(readConfigFile(json)).toEqual({ batchSize: 8, teacherForcing: 0.5, keepCheckpoints: 3 });
    expect(readConfigFile(file('empty.yaml', '# nothing\n'))).toEqual({});
    expect(readConfigFile(file('neg.yaml', 'no-input-feed: true\n'))).toEqual({ inputFeed: false });
    expect(readConfigFile(file('pos.yaml', 'input-feed: false\n'))).toEqual({ inputFeed: false });
  });

  it('refuses unknown keys, bad values, repeated options and other shapes, naming the key and the file', () => {
    const unknown = file('u.yaml', 'batch-size: 8\nbatchsize: 9\n');
    expect(() => readConfigFile(unknown)).toThrow(`${unknown}: unknown option "batchsize"`);
    const bad = file('b.yaml', 'batch-size: many\n');
    expect(() => readConfigFile(bad)).toThrow(new RegExp(`^${bad}: batch-size: .*batchSize`));
    const negative = file('n.yaml', 'lr: -1\n');
    expect(() => readConfigFile(negative)).toThrow(`${negative}: lr:`);
    const choice = file('c.yaml', 'attention: luong\n');
    expect(() => readConfigFile(choice)).toThrow(`${choice}: attention:`);
    const negation = file('ng.yaml', 'no-input-feed: 1\n');
    expect(() => readConfigFile(negation)).toThrow(`${negation}: no-input-feed: expected true or false, got 1`);
    const both = file('bo.yaml', 'input-feed: true\nno-input-feed: true\n');
    expect(() => readConfigFile(both)).toThrow(`${both}: no-input-feed repeats input-feed`);
    const twice = file('t.yaml', 'batch-size: 8\nbatchSize: 9\n');
    expect(() => readConfigFile(twice)).toThrow(`${twice}: batchSize repeats batch-size`);
    const list = file('l.yaml', '- lr\n- 1\n');
    expect(() => readConfigFile(list)).toThrow(`${list}: expected a mapping`);
    const broken = file('x.json', '{"lr": ');
    expect(() => readConfigFile(broken)).toThrow(`${broken}: not valid YAML or JSON`);
    const nested = file('r.yaml', `config: ${broken}\n`);
    expect(() => readConfigFile(nested)).toThrow(`${nested}: config cannot be given in a config file`);
    expect(() => readConfigFile(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml/);
  });

  it('options given beside the file win over it', () => {
    const path = file('w.yaml', 'batch-size: 32\nepochs: 3\nhidden: 16\n');
    expect(withConfigFile({ config: path, epochs: 5, seed: 1 })).toEqual({
      batchSize: 32,
      epochs: 5,
      hidden: 16,
      seed: 1,
    });
    expect(() => withConfigFile({ config: path, resume: dir })).toThrow(/--config starts a run/);
  });

  it.each<[string, TrainOptions]>([
    ['notebook', { mode: 'notebook', hidden: 8, epochs: 2 }],
    ['fused', { mode: 'fused', swap: true, lr: 0.003 }],
    ['batched, Luong without input feeding', { attention: 'luong-concat', inputFeed: false, bidirectional: true }],
    ['batched, Bahdanau', { attention: 'bahdanau', patience: 2, keepCheckpoints: 3, instances: 'all' }],
    ['subword, joint BPE', { vocab: 'subword', subword: 'bpe', joint: true, vocabSize: 500 }],
    ['subword, given models', { sourceSpm: 'a.model', targetSpm: 'b.model' }],
    ['word, capped', { maxVocab: 100, minFreq: 2, teacherForcing: 0.5, normalize: 'sentences' }],
  ])('the config.yaml of a %s run resolves to its options', (_, options) => {
    const corpus = join(dir, 'any.txt');
    const first = resolveRun({ corpus, out: join(dir, 'nowhere'), ...options }).options;
    const folder = mkdtempSync(join(dir, 'resolved-'));
    writeRunConfig(folder, first);
    const again = resolveRun(withConfigFile({ config: join(folder, 'config.yaml'), out: join(dir, 'nowhere') }));
    expect(again.options).toEqual(first);
  });

  it("a run's config.yaml repeats it: the same resolved options, the same weights", async () => {
    const corpus = join(dir, 'demo.txt');
    writeFileSync(corpus, generateDemoCorpus({ pairs: 200, seed: 3 }));
    const first = await train({
      corpus,
      out: join(dir, 'first'),
      instances: 100,
      epochs: 2,
      hidden: 8,
      embedding: 4,
      layers: 1,
      batchSize: 16,
      seed: 7,
      attention: 'luong-general',
      threads: 1,
    });
    const config = join(dir, 'first', 'config.yaml');
    expect(readFileSync(config, 'utf8')).toContain('batchSize: 16');
    const second = await train({ config, out: join(dir, 'second'), threads: 1 });
    expect(second.options).toEqual(first.options);
    for (const name of ['encoder.pt', 'decoder.pt']) {
      expect(readFileSync(join(dir, 'second', 'last', name)), name).toEqual(
        readFileSync(join(dir, 'first', 'last', name)),
      );
    }
    // A flag given beside it changes the run.
    const third = await train({ config, out: join(dir, 'third'), seed: 8, epochs: 1, threads: 1 });
    expect(third.options.seed).toBe(8);
    expect(third.options.batchSize).toBe(16);
  });
});
