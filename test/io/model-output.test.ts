/**
 * The --out folder of quantize and average (io/model-output.ts): new, empty, or with force a model folder of ours;
 * a user's files that share a model's names, a training checkpoint and the folder read are refused even with
 * force, and a refusal leaves the folder as it was.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../../src/io/model-files.js';
import { prepareModelOutput } from '../../src/io/model-output.js';

const own = [...MODEL_FILES];
const MODEL_CONFIG = '{"format": "seq2seq-node/model@2", "hidden": 8}\n';

function folder(root: string, name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const contents = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'utf8')]));

describe('prepareModelOutput', () => {
  const root = mkdtempSync(join(tmpdir(), 'model-output-'));
  const input = folder(root, 'input', { 'config.json': MODEL_CONFIG });

  it('creates a new folder, takes an empty one, and replaces a model of ours with force only', () => {
    const fresh = join(root, 'a', 'b');
    prepareModelOutput(fresh, own, { input });
    expect(existsSync(fresh)).toBe(true);
    prepareModelOutput(folder(root, 'empty', {}), own, { input });
    const model = folder(root, 'model', { 'config.json': MODEL_CONFIG, 'encoder.pt': 'w' });
    expect(() => prepareModelOutput(model, own, { input })).toThrow(/config\.json exists: .*--force/);
    prepareModelOutput(model, own, { input, force: true });
    // A model of an older format version is ours too.
    const old = folder(root, 'old', { 'config.json': '{"format": "seq2seq-node/model@1"}' });
    prepareModelOutput(old, own, { input, force: true });
  });

  it("refuses, with or without force, a user's files of a model's names, a checkpoint, and the folder read", () => {
    const cases: [string, RegExp][] = [
      [
        folder(root, 'project', { 'config.json': '{"name": "mine"}', 'notes.md': 'mine' }),
        /holds a config\.json that is not a seq2seq-node model's: --force replaces only a model folder/,
      ],
      [folder(root, 'broken', { 'config.json': '{ not json' }), /holds a config\.json that is not a seq2seq-node/],
      [folder(root, 'list', { 'config.json': '[1, 2]' }), /holds a config\.json that is not a seq2seq-node/],
      [
        folder(root, 'notebook', { 'encoder.pt': 'mine', 'decoder.pt': 'mine' }),
        /holds encoder\.pt, decoder\.pt but no config\.json \(not a seq2seq-node model\)/,
      ],
      [
        folder(root, 'checkpoint', { 'config.json': MODEL_CONFIG, 'trainer.json': '{}', 'encoder.pt': 'w' }),
        /is a checkpoint of a training run \(it holds trainer\.json\)/,
      ],
      [folder(root, 'other', { 'notes.md': 'mine' }), /is a folder with other files in it \(notes\.md\)/],
      [input, /is the folder being read \(.*input\): choose another$/],
    ];
    const link = join(root, 'input-link');
    symlinkSync(input, link);
    for (const [dir, pattern] of cases) {
      const before = contents(dir);
      for (const force of [false, true]) expect(() => prepareModelOutput(dir, own, { input, force })).toThrow(pattern);
      expect(contents(dir)).toEqual(before);
    }
    // The folder read, named through a link either way.
    expect(() => prepareModelOutput(input, own, { input: link, force: true })).toThrow(/is the folder being read/);
    expect(() => prepareModelOutput(link, own, { input, force: true })).toThrow(/is the folder being read/);
  });
});
