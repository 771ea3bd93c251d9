/**
 * `seq2seq quantize` as a user meets it: the folder it writes is a model that `translate`, `eval` and `serve` decode
 * as the library decodes that int8 model (the same sentences in one batch: an int8 translation can depend on the
 * sentences decoded beside it); an --out that is not a model folder of ours is refused even with --force (a
 * notebook's encoder.pt, a project's config.json, a training checkpoint, the model read itself); every refusal is
 * one `seq2seq:` line with a non-zero exit, and leaves every file as it was.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { translateBeam, type Translation } from '../../src/decode/translate.js';
import { evaluateModel, pickPairs } from '../../src/eval/evaluate.js';
import { loadModel, MODEL_FILES, type TrainedModel } from '../../src/io/model-files.js';
import { trainTinyModel, type TinyModel } from '../server/tiny-model.js';

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 60_000 });

/** One line on stderr, starting `seq2seq: `, matching `pattern`, with exit code `code`. */
function expectOneLine(result: ReturnType<typeof cli>, pattern: RegExp, code: number): void {
  expect(result.error).toBeUndefined();
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^seq2seq: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.status).toBe(code);
}

/** Every file of `dir` (not below), name -> bytes: to see that a refusal changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n)).toString('base64')]));
}

const texts = (results: Awaited<ReturnType<typeof translateBeam>>): string[] =>
  results.map((r) => (r as Translation[])[0]!.text);

let tiny: TinyModel;
let dir: string;
let int8: string;
let model: TrainedModel;
/** A float model folder of ours (the best checkpoint's model files, without the training state). */
let float: string;

beforeAll(async () => {
  // The command line runs from dist/; rebuilt here so that the test sees this source.
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(built.stdout + built.stderr);
  tiny = await trainTinyModel(23, 'luong-general');
  dir = mkdtempSync(join(tmpdir(), 's2s-quantize-'));
  float = join(dir, 'float');
  mkdirSync(float);
  for (const name of MODEL_FILES) copyFileSync(join(tiny.dir, 'best', name), join(float, name));
  int8 = join(dir, 'int8');
  const quantized = cli('quantize', '--model', tiny.dir, '--out', int8);
  expect(quantized.status, quantized.stderr).toBe(0);
  expect(quantized.stdout).toMatch(
    /^quantized 5 weights to int8 \(encoder\.pt \+ decoder\.pt: [\d.]+ MB -> [\d.]+ MB\)/,
  );
  expect(quantized.stdout.trim().endsWith(`-> ${int8}`)).toBe(true);
  model = loadModel(int8);
}, 180_000);

describe('seq2seq quantize', () => {
  it('writes a model folder (config.json says int8) and leaves nothing beside it', () => {
    expect(readdirSync(int8).sort()).toEqual([...MODEL_FILES].sort());
    expect(JSON.parse(readFileSync(join(int8, 'config.json'), 'utf8'))).toMatchObject({ quantized: 'int8' });
    expect(readdirSync(dir).sort()).toEqual(['float', 'int8']);
    expect(model.quantized).toBe('int8');
  });

  it('gives a folder that translate decodes as the library decodes the int8 model, greedy and beam', async () => {
    const sources = tiny.sentences.slice(0, 5);
    const greedy = cli('translate', '--model', int8, ...sources);
    expect(greedy.status, greedy.stderr).toBe(0);
    expect(greedy.stdout.trimEnd().split('\n')).toEqual(texts(await translateBeam(model, sources)));
    const beam = cli('translate', '--model', int8, '--beam', '3', ...sources);
    expect(beam.status, beam.stderr).toBe(0);
    expect(beam.stdout.trimEnd().split('\n')).toEqual(texts(await translateBeam(model, sources, { beam: 3 })));
  });

  it('gives a folder that eval scores as the library does', async () => {
    const corpus = join(dirname(tiny.dir), 'demo.txt');
    const evaluated = cli('eval', '--model', int8, '--corpus', corpus, '--instances', '40', '--json');
    expect(evaluated.status, evaluated.stderr).toBe(0);
    const answer = JSON.parse(evaluated.stdout) as { bleu: number; chrf: number; loss: number; pairs: number };
    const pairs = pickPairs(readCorpus(corpus).pairs, 40, 0);
    const expected = await evaluateModel(model, pairs, { beam: 1, lengthPenalty: 1, maxLength: 50 });
    expect(answer).toMatchObject({
      bleu: expected.bleu.score,
      chrf: expected.chrf.score,
      loss: expected.loss,
      pairs: expected.pairs,
    });
  });

  it('gives a folder that serve loads: int8 on its first line, in /v1/model, and the library translations', async () => {
    const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--model', int8, '--port', '0']);
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const listening = /at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
        if (listening) {
          clearTimeout(timer);
          resolve(Number(listening[1]));
        }
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    try {
      expect(stderr).toMatch(/^serving .+ \(word model, int8, hidden 16, embedding 8, 1 layers, .+, en -> de\) at /);
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/v1/model`)).json()).toMatchObject({ quantized: 'int8', hidden: 16 });
      const sources = tiny.sentences.slice(5, 9);
      const res = await fetch(`${base}/translate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ q: sources, source: 'en', target: 'de' }),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ translatedText: texts(await translateBeam(model, sources)) });
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0], stderr).toBe(0);
    }
  });

  it('replaces a model of ours with --force only, giving the same bytes again', () => {
    const before = snapshot(int8);
    expectOneLine(
      cli('quantize', '--model', tiny.dir, '--out', int8),
      /^seq2seq: --out: .*int8\/config\.json exists: choose another folder \(or --force to replace it\)$/,
      1,
    );
    expect(snapshot(int8)).toEqual(before);
    const forced = cli('quantize', '--model', float, '--out', int8, '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(snapshot(int8)).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['float', 'int8']);
  });

  // Each kind of --out in io/model-output's test; here the command line's end of the ones --force used to overwrite.
  it('refuses, even with --force, an --out that is not a model folder of ours, and changes nothing there', () => {
    const folder = (name: string, files: Record<string, string>): string => {
      const path = join(dir, name);
      mkdirSync(path);
      for (const [file, text] of Object.entries(files)) writeFileSync(join(path, file), text);
      return path;
    };
    const project = folder('project', { 'config.json': '{"name": "mine"}\n', 'README.md': '# mine\n' });
    const notebook = folder('notebook', { 'encoder.pt': 'weights of my own', 'decoder.pt': 'more of them' });
    const floatLink = join(dir, 'float-link');
    symlinkSync(float, floatLink);
    const checkpoint = realpathSync(join(tiny.dir, 'last'));
    const refusals: [string[], RegExp][] = [
      [
        ['--model', float, '--out', project],
        /--out .*project holds a config\.json that is not a seq2seq-node model's: --force repl/,
      ],
      [
        ['--model', float, '--out', notebook],
        /--out .*notebook holds encoder\.pt, decoder\.pt but no config\.json \(not a seq2seq/,
      ],
      [
        ['--model', float, '--out', checkpoint],
        /--out .*epoch-\d+ is a checkpoint of a training run \(it holds trainer\.json\)/,
      ],
      // The model read, named through a link: --force would have put the int8 model in its place.
      [['--model', floatLink, '--out', float], /--out .*float is the folder being read \(.*float-link\): choose an/],
    ];
    const before = [project, notebook, float, checkpoint].map(snapshot);
    for (const [args, pattern] of refusals) {
      expectOneLine(cli('quantize', ...args, '--force'), pattern, 1);
    }
    expect([project, notebook, float, checkpoint].map(snapshot)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses bad flags and inputs with one line: usage errors exit 2, the rest 1', () => {
    const out = join(dir, 'never');
    expectOneLine(cli('quantize', '--out', out), /required option '--model <dir>' not specified$/, 2);
    expectOneLine(cli('quantize', '--model', float), /required option '--out <dir>' not specified$/, 2);
    expectOneLine(
      cli('quantize', '--model', float, '--model', tiny.dir, '--out', out),
      /^seq2seq: quantize takes one --model \(ensembles decode float members only/,
      2,
    );
    expectOneLine(cli('quantize', '--model', float, '--out', float), /--out .*float is the folder being read/, 1);
    expectOneLine(cli('quantize', '--model', join(dir, 'missing'), '--out', out), /missing: no such folder$/, 1);
    expectOneLine(
      cli('quantize', '--model', dir, '--out', out),
      /: not a model folder \(no config\.json, and no best\/ or last\/ checkpoint\)$/,
      1,
    );
    expectOneLine(
      cli('quantize', '--model', int8, '--out', out),
      /int8 is already an int8 model \(its config\.json says "quantized": "int8"\)$/,
      1,
    );
    expect(readdirSync(dir)).not.toContain('never');
  });

  it('gives a model that ensembles and average refuse, each in one line', () => {
    const ensemble = /int8 is an int8 model: ensembles decode float members only/;
    expectOneLine(cli('translate', '--model', float, '--model', int8, tiny.sentences[0]!), ensemble, 1);
    expectOneLine(
      cli('average', '--model', int8, '--last', '1', '--out', join(dir, 'never')),
      /int8: not a training folder/,
      1,
    );
  });
});
