// `npm run bench -- --decode`: decoding speed against PyTorch, from one run, side by side. A model of the training
// benchmark's size (hidden 128, embedding 30, 4 layers) with Luong general attention, trained once and kept under
// runs/bench-decode/ (demo: one epoch, which already translates the demo grammar; message catalogs: BPE pieces, the
// real-text recipe, enough epochs that it answers in sentences, since decode time follows output length), decodes
// held-out sentences greedily and with beam 5, at each thread count and batch size, here (the addon) and in plain
// batched PyTorch (scripts/reference/decode_bench.py: packed sources, inference_mode) on Debian's torch 1.13
// (/usr/bin/python3) and, where scripts/check-pip-torch.sh's wheel folders hold a pip torch 2.x CPU wheel, on a venv
// with it (made once under runs/bench-decode/). Every side runs in a process of its own per setting, the same
// sentences in the same batches; the table gives decode-only sentences/s and target tokens/s (words; the BPE
// model's pieces) as medians of --runs repeats in one process, the whole process for one decode (start, imports,
// model load, one decode, exit) and our speed-up, and every side's translations are compared with ours (greedy
// float32 must be identical: mismatches are printed).
// int8 rows (unless --no-int8): the model made int8 by `seq2seq quantize` (kept beside it) decoded here, and the float
// model quantized by PyTorch's own quantize_dynamic (the same int8 weights) decoded by each PyTorch; ours int8 is
// compared with ours float32 (speed-up, translations differing), each PyTorch int8 with ours int8.
// A benchmark, not a test: run it on an otherwise idle machine.
//   npm run bench -- --decode [--sentences 2000] [--threads 1,2] [--batch-sizes 1,64] [--modes greedy,beam]
//     [--beam 5] [--runs 3] [--corpora demo,catalogs] [--tiny] [--no-pip] [--no-pytorch] [--no-int8]
//     [--python /usr/bin/python3] [--json FILE]
// --no-pytorch: this package alone (its float32 and int8 rows).
// The message-catalog corpus is used when runs/catalogs-de.txt exists (`npm run corpus:catalogs` writes it).
// --tiny: hidden 16, 1 layer, a few hundred training pairs (checks that the benchmark works, in seconds).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pipTorchPython, torchVersion, withThreads } from './pip-torch.mjs';

const { values } = parseArgs({
  options: {
    decode: { type: 'boolean' },
    worker: { type: 'boolean', default: false },
    sentences: { type: 'string', default: '2000' },
    threads: { type: 'string', default: '1,2' },
    'batch-sizes': { type: 'string', default: '1,64' },
    modes: { type: 'string', default: 'greedy,beam' },
    beam: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    corpora: { type: 'string', default: 'demo,catalogs' },
    tiny: { type: 'boolean', default: false },
    'no-pip': { type: 'boolean', default: false },
    'no-pytorch': { type: 'boolean', default: false },
    'no-int8': { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.SEQ2SEQ_PYTHON ?? '/usr/bin/python3' },
    json: { type: 'string' },
    // --worker: one side's decoding in this process (what the parent spawns).
    model: { type: 'string' },
    input: { type: 'string' },
    mode: { type: 'string' },
    'batch-size': { type: 'string' },
    repeats: { type: 'string' },
  },
});

if (values.worker) {
  await worker();
  process.exit(0);
}

/** Decodes the input's sources `repeats` times with this package; prints {seconds, words} as decode_bench.py does. */
async function worker() {
  const torch = await import('../dist/torch/index.js');
  const { loadModel } = await import('../dist/io/model-files.js');
  const { greedyDecodeBatch } = await import('../dist/decode/batch-greedy.js');
  const { beamSearchBatch } = await import('../dist/decode/beam.js');
  torch.setNumThreads(Number(values.threads));
  const model = loadModel(values.model);
  const data = JSON.parse(readFileSync(values.input, 'utf8'));
  const options = { sos: data.sos, eos: data.eos, maxLength: data.maxLengths, device: 'cpu' };
  const batchSize = Number(values['batch-size']);
  const seconds = [];
  let words;
  for (let r = 0; r < Number(values.repeats); r++) {
    const start = performance.now();
    if (values.mode === 'greedy') {
      words = await greedyDecodeBatch(model.encoder, model.decoder, data.sources, { ...options, batchSize });
    } else {
      const hyps = await beamSearchBatch(model.encoder, model.decoder, data.sources, {
        ...options,
        batchSize,
        beam: Number(values.beam),
      });
      words = hyps.map((h) => h[0]?.words ?? []);
    }
    seconds.push((performance.now() - start) / 1000);
  }
  process.stdout.write(JSON.stringify({ seconds, words }));
}

const { packageEnvironment } = await import('../dist/torch/process-tuning.js');
await import('../dist/torch/index.js'); // sets the package's environment (what both sides then run with)
const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
const { SOS, EOS } = await import('../dist/data/tokenize.js');
const { loadModel, resolveModelDir, segmentersOf } = await import('../dist/io/model-files.js');
const { Random } = await import('../dist/util/random.js');

const sentenceCount = Number(values.sentences);
const threadCounts = values.threads.split(',').map(Number);
const batchSizes = values['batch-sizes'].split(',').map(Number);
const modes = values.modes.split(',');
const beam = Number(values.beam);
const runs = Number(values.runs);
for (const mode of modes) {
  if (!['greedy', 'beam'].includes(mode)) throw new Error(`--modes: greedy or beam, got ${mode}`);
}
const sizes = values.tiny
  ? { hidden: 16, embedding: 8, layers: 1, attention: 'luong-general' }
  : { hidden: 128, embedding: 30, layers: 4, attention: 'luong-general' };
const root = join('runs', 'bench-decode');
mkdirSync(root, { recursive: true });
const fmt = (x, digits = 1) =>
  x === undefined ? '' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** The corpus's model (trained once and kept) and its held-out sentences as the decoders' input. */
async function prepare(corpus) {
  const kind = corpus === 'catalogs' ? '-bpe' : '';
  const tag = `${corpus}${kind}-h${sizes.hidden}-l${sizes.layers}${values.tiny ? '-tiny' : ''}`;
  const dir = join(root, tag);
  mkdirSync(dir, { recursive: true });
  const trainFile = join(dir, 'train.txt');
  let heldOut;
  if (corpus === 'demo') {
    const pairs = values.tiny ? 400 : 10_000;
    const text = generateDemoCorpus({ pairs, seed: 1 });
    writeFileSync(trainFile, text);
    const seen = new Set(text.split('\n').map((line) => line.split('\t')[0]));
    const candidates = generateDemoCorpus({ pairs: 4 * sentenceCount + 1000, seed: 99 })
      .split('\n')
      .map((line) => line.split('\t')[0])
      .filter((s) => s && !seen.has(s));
    heldOut = [...new Set(candidates)];
  } else {
    const lines = readFileSync(join('runs', 'catalogs-de.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('\t'));
    const random = new Random(7);
    for (let i = lines.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [lines[i], lines[j]] = [lines[j], lines[i]];
    }
    heldOut = [...new Set(lines.slice(0, sentenceCount).map((line) => line.split('\t')[0]))];
    const held = new Set(heldOut);
    const rest = lines.slice(sentenceCount).filter((line) => !held.has(line.split('\t')[0]));
    writeFileSync(trainFile, rest.slice(0, values.tiny ? 400 : undefined).join('\n') + '\n');
  }
  const modelDir = join(dir, 'model');
  if (!existsSync(join(modelDir, 'best')) && !existsSync(join(modelDir, 'last'))) {
    // Real text: 8,000 BPE pieces a side and the real-text recipe (the defaults of subword runs), 10 epochs of
    // every pair (about 20 min on one core of the 2-core EPYC); the demo grammar translates after one epoch.
    const epochs = corpus === 'catalogs' && !values.tiny ? 10 : 1;
    console.error(`[${corpus}] training the benchmark's model for ${epochs} epoch(s) in ${modelDir} ...`);
    const { train } = await import('../dist/train/run.js');
    await train({
      corpus: trainFile,
      out: modelDir,
      instances: 'all',
      epochs,
      ...sizes,
      batchSize: 64,
      seed: 0,
      samples: 0,
      ...(corpus === 'catalogs' ? { vocab: 'subword', subword: 'bpe', vocabSize: values.tiny ? 300 : 8000 } : {}),
    });
  }
  const folder = resolveModelDir(modelDir);
  const model = loadModel(folder);
  const vocab = model.sourceVocab;
  const tokens = segmentersOf(model).source.segment(heldOut);
  const sources = [];
  const texts = [];
  tokens.forEach((words, i) => {
    const sentence = [SOS, ...words, EOS];
    if (sources.length >= sentenceCount || (!vocab.hasUnk && vocab.unknown(sentence).length > 0)) return;
    sources.push(vocab.encode(sentence).reverse());
    texts.push(heldOut[i]);
  });
  const input = join(dir, `sources-${sources.length}.json`);
  const sos = model.targetVocab.index(SOS);
  const eos = model.targetVocab.index(EOS);
  // At most twice the source plus ten tokens, as validation decodes.
  writeFileSync(input, JSON.stringify({ sources, maxLengths: sources.map((s) => 2 * s.length + 10), sos, eos }));
  let int8Folder;
  if (!values['no-int8']) {
    int8Folder = join(dir, 'model-int8');
    if (!existsSync(join(int8Folder, 'config.json'))) {
      const { quantizeModel } = await import('../dist/io/quantize.js');
      quantizeModel(folder, int8Folder);
    }
  }
  return {
    corpus,
    folder,
    int8Folder,
    input,
    sources,
    targetVocab: model.targetVocab,
    target: segmentersOf(model).target,
    texts,
    sourceVocab: vocab.size,
  };
}

/** One side at one setting in a process of its own: decode-only seconds, whole-process seconds, words. */
function runSide(side, prepared, mode, threads, batchSize) {
  const args = [
    '--model',
    // Ours int8 decodes the int8 folder; PyTorch quantizes the float model itself (--int8).
    side.int8 && side.python === undefined ? prepared.int8Folder : prepared.folder,
    ...(side.int8 && side.python !== undefined ? ['--int8'] : []),
    '--input',
    prepared.input,
    '--mode',
    mode,
    '--beam',
    String(beam),
    '--batch-size',
    String(batchSize),
    '--threads',
    String(threads),
    '--repeats',
    String(runs),
  ];
  const [command, commandArgs] =
    side.python === undefined
      ? [process.execPath, ['scripts/bench-decode.mjs', '--worker', ...args]]
      : [side.python, ['scripts/reference/decode_bench.py', ...args]];
  // Both sides with the same thread settings for OpenMP and OpenBLAS, and this package's environment.
  const env = withThreads({ ...process.env, ...packageEnvironment }, threads);
  const start = performance.now();
  const r = spawnSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 1 << 28, env });
  const wall = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`${side.name}: ${command} ${commandArgs.join(' ')} failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout);
  // The whole process of one decode: the wall clock less the repeats after the first.
  const whole = wall - out.seconds.slice(1).reduce((a, b) => a + b, 0);
  return { ...out, decode: median(out.seconds), whole };
}

/** Target tokens (words, or pieces of a subword model) of a translation: without the leading <sos> and the <eos>. */
function wordCount(words, vocab) {
  const sos = vocab.index(SOS);
  const eos = vocab.index(EOS);
  return words.filter((w, i) => !(i === 0 && w === sos) && w !== eos).length;
}

/** A translation's text: its tokens less <sos> and <eos>, detokenized (SentencePiece decodes pieces). */
function text(prepared, ids) {
  const tokens = prepared.targetVocab.decode(ids).filter((w) => w !== SOS && w !== EOS);
  return prepared.target.detokenize([tokens])[0];
}

const sides = [{ name: 'seq2seq-node' }];
if (!values['no-pytorch']) sides.push({ name: 'PyTorch (Debian)', python: values.python });
const pip = values['no-pip'] || values['no-pytorch'] ? undefined : pipTorchPython();
if (pip) sides.push({ name: 'PyTorch (pip)', python: pip });
for (const side of sides.slice(1)) side.name = `PyTorch ${torchVersion(side.python)}`;
if (!values['no-int8']) {
  // Each side's int8 twin: ours on the int8 folder, each PyTorch on quantize_dynamic of the float model.
  for (const side of [...sides]) sides.push({ ...side, name: `${side.name} int8`, int8: true });
}

const corpora = values.corpora
  .split(',')
  .filter((c) => c === 'demo' || (c === 'catalogs' && existsSync(join('runs', 'catalogs-de.txt'))));
const rows = [];
const mismatches = [];
for (const corpus of corpora) {
  const prepared = await prepare(corpus);
  const n = prepared.sources.length;
  console.error(
    `[${corpus}] ${n} held-out sentences, source vocabulary ${prepared.sourceVocab}, target ${prepared.targetVocab.size}`,
  );
  for (const mode of modes) {
    for (const threads of threadCounts) {
      for (const batchSize of batchSizes) {
        const setting = `${mode === 'beam' ? `beam ${beam}` : 'greedy'}, ${threads} thread${threads > 1 ? 's' : ''}, batch ${batchSize}`;
        console.error(`[${corpus}] ${setting} ...`);
        const results = sides.map((side) => ({ side, ...runSide(side, prepared, mode, threads, batchSize) }));
        const ours = results[0];
        const oursInt8 = results.find((r) => r.side.int8 && r.side.python === undefined);
        for (const r of results) {
          // Float sides against ours float32; PyTorch int8 against ours int8; ours int8 against ours float32.
          const base = r.side.int8 && r.side.python !== undefined ? oursInt8 : ours;
          const isBase = r === ours || r === oursInt8;
          const words = r.words.reduce((s, w) => s + wordCount(w, prepared.targetVocab), 0);
          if (r === ours) {
            console.error(
              `[${corpus}] ${setting}: ${fmt(words / n, 1)} target tokens a sentence, e.g. ` +
                `"${prepared.texts[0]}" -> "${text(prepared, r.words[0])}"`,
            );
          }
          const differ = r === ours ? 0 : r.words.filter((w, i) => w.join(' ') !== base.words[i].join(' ')).length;
          rows.push({
            corpus,
            setting,
            side: r.side.name,
            sentencesPerSecond: n / r.decode,
            wordsPerSecond: words / r.decode,
            decodeSeconds: r.decode,
            wholeSeconds: r.whole,
            speedup: isBase ? undefined : r.decode / base.decode,
            wholeSpeedup: isBase ? undefined : r.whole / base.whole,
            int8Speedup: r === oursInt8 ? ours.decode / r.decode : undefined,
            int8WholeSpeedup: r === oursInt8 ? ours.whole / r.whole : undefined,
            differ,
            int8: Boolean(r.side.int8),
          });
          if (differ > 0 && r !== ours) {
            const examples = r.words
              .map((w, i) => [w, i])
              .filter(([w, i]) => w.join(' ') !== base.words[i].join(' '))
              .slice(0, 3)
              .map(([w, i]) => ({
                source: prepared.texts[i],
                ours: text(prepared, base.words[i]),
                theirs: text(prepared, w),
              }));
            mismatches.push({
              corpus,
              setting,
              side: r.side.name,
              base: base.side.name,
              differ,
              examples,
              int8: r.side.int8,
            });
          }
        }
      }
    }
  }
}

const header =
  '| corpus | setting | decoder | sentences/s | target tokens/s | decode s | whole process s | ours vs it (decode) | ours vs it (whole) | int8 vs float32 (decode, whole) | translations differing |';
console.log(
  `\nDecoding ${sentenceCount} held-out sentences, ${describe()}; medians of ${runs} decodes in one process.`,
);
console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores.\n`);
console.log(header);
console.log(
  `|${header
    .split('|')
    .slice(1, -1)
    .map(() => ' --- ')
    .join('|')}|`,
);
for (const r of rows) {
  console.log(
    `| ${r.corpus} | ${r.setting} | ${r.side} | ${fmt(r.sentencesPerSecond)} | ${fmt(r.wordsPerSecond, 0)} | ` +
      `${fmt(r.decodeSeconds, 2)} | ${fmt(r.wholeSeconds, 2)} | ${r.speedup ? `${fmt(r.speedup, 2)}x` : ''} | ` +
      `${r.wholeSpeedup ? `${fmt(r.wholeSpeedup, 2)}x` : ''} | ` +
      `${r.int8Speedup ? `${fmt(r.int8Speedup, 2)}x, ${fmt(r.int8WholeSpeedup, 2)}x` : ''} | ` +
      `${r.speedup === undefined && r.int8Speedup === undefined ? '' : r.differ} |`,
  );
}
for (const m of mismatches) {
  console.log(`\n${m.corpus}, ${m.setting}: ${m.side} differs from ${m.base} in ${m.differ} translations, e.g.`);
  for (const e of m.examples) console.log(`  ${e.source}\n    ours:   ${e.ours}\n    theirs: ${e.theirs}`);
}
const greedyMismatch = mismatches.some((m) => m.setting.startsWith('greedy') && !m.int8);
if (greedyMismatch) console.log("\nGreedy float32 translations differ from PyTorch's (see above).");
if (values.json) writeFileSync(values.json, JSON.stringify({ sizes, sentenceCount, runs, rows, mismatches }, null, 2));

function describe() {
  return `hidden ${sizes.hidden}, embedding ${sizes.embedding}, ${sizes.layers} layers, ${sizes.attention} attention`;
}
