// `npm run quality -- --subword`: what the vocabulary does to a model on real text. The same model (size, data,
// CPU time of training) with the notebook's word vocabulary, a capped word vocabulary with <unk> (and
// --replace-unk), and SentencePiece unigram and BPE vocabularies, trained on the message-catalog corpus
// (scripts/corpus-from-catalogs.mjs) and scored on the same held-out pairs as published results are: sacreBLEU's
// BLEU and chrF of the detokenized translations against the corpus's own lines. A refused sentence (a word the
// notebook's vocabulary lacks) counts as an empty translation.
//   npm run quality -- --subword [--seconds 300] [--corpus runs/catalogs-de.txt] [--test 1000] [--json FILE]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    subword: { type: 'boolean' },
    seconds: { type: 'string', default: '300' },
    corpus: { type: 'string' },
    test: { type: 'string', default: '1000' },
    hidden: { type: 'string', default: '256' },
    embedding: { type: 'string', default: '128' },
    layers: { type: 'string', default: '2' },
    'vocab-size': { type: 'string', default: '8000' },
    'max-vocab': { type: 'string', default: '8000' },
    rows: { type: 'string', default: 'word,word-unk,unigram,bpe' },
    threads: { type: 'string' },
    json: { type: 'string' },
  },
});
const { readCorpus } = await import('../dist/data/corpus.js');
const { Random } = await import('../dist/util/random.js');
const { train } = await import('../dist/train/run.js');
const { translateBeam, UnknownWordsError } = await import('../dist/decode/translate.js');
const { inEvalMode } = await import('../dist/train/validation.js');
const { corpusBleu, corpusChrf } = await import('../dist/eval/index.js');
const { WORDS } = await import('../dist/tokens/segmenter.js');

const work = join(root, 'runs', 'quality-subword');
let corpusPath = values.corpus;
if (!corpusPath) {
  corpusPath = join(root, 'runs', 'catalogs-de.txt');
  if (!existsSync(corpusPath)) {
    const made = spawnSync(process.execPath, [join(root, 'scripts', 'corpus-from-catalogs.mjs'), '--out', corpusPath], {
      stdio: 'inherit',
    });
    if (made.status !== 0) process.exit(1);
  }
}

// The test pairs: distinct pairs of 3 to 30 words whose source never occurs in the training file.
const { pairs } = readCorpus(corpusPath);
const random = new Random(7);
const order = pairs.map((_, i) => i);
for (let i = order.length - 1; i > 0; i--) {
  const j = random.int(i + 1);
  [order[i], order[j]] = [order[j], order[i]];
}
const testCount = Number(values.test);
const words = (s) => s.split(/\s+/).filter(Boolean).length;
const testSources = new Set();
const test = [];
for (const i of order) {
  if (test.length === testCount) break;
  const p = pairs[i];
  if (testSources.has(p.source) || words(p.source) > 30) continue;
  testSources.add(p.source);
  test.push(p);
}
const trainPairs = pairs.filter((p) => !testSources.has(p.source));
for (const name of values.rows.split(',')) rmSync(join(work, name), { recursive: true, force: true });
mkdirSync(work, { recursive: true });
const trainFile = join(work, 'train.txt');
writeFileSync(trainFile, trainPairs.map((p) => `${p.source}\t${p.target}\tquality\n`).join(''));
writeFileSync(join(work, 'test.src'), test.map((p) => `${p.source}\n`).join(''));
writeFileSync(join(work, 'test.ref'), test.map((p) => `${p.target}\n`).join(''));

const sizes = {
  hidden: Number(values.hidden),
  embedding: Number(values.embedding),
  layers: Number(values.layers),
  attention: 'luong-general',
};
const ROWS = {
  word: { label: "word (the notebook's vocabulary)", options: {} },
  'word-unk': {
    label: `word, --max-vocab ${values['max-vocab']} with <unk>, --replace-unk`,
    options: { maxVocab: Number(values['max-vocab']) },
    replaceUnk: true,
  },
  unigram: {
    label: `subword unigram, --vocab-size ${values['vocab-size']}`,
    options: { vocab: 'subword', subword: 'unigram', vocabSize: Number(values['vocab-size']) },
  },
  bpe: {
    label: `subword BPE, --vocab-size ${values['vocab-size']}`,
    options: { vocab: 'subword', subword: 'bpe', vocabSize: Number(values['vocab-size']) },
  },
  // Beyond the default rows: one SentencePiece model for both sides (placeholders, options and names are shared).
  'unigram-joint': {
    label: `subword unigram, joint, --vocab-size ${values['vocab-size']}`,
    options: { vocab: 'subword', subword: 'unigram', joint: true, vocabSize: Number(values['vocab-size']) },
  },
  'bpe-joint': {
    label: `subword BPE, joint, --vocab-size ${values['vocab-size']}`,
    options: { vocab: 'subword', subword: 'bpe', joint: true, vocabSize: Number(values['vocab-size']) },
  },
};

const refs = test.map((p) => p.target);
const cores = values.threads ? Number(values.threads) : availableParallelism();
const results = [];
for (const name of values.rows.split(',')) {
  const row = ROWS[name];
  if (!row) throw new Error(`unknown row ${name}: ${Object.keys(ROWS).join(', ')}`);
  const started = performance.now();
  // Epochs trained, the unfinished last one counted by its share of batches (the budget stops training mid-epoch).
  let partial = 0;
  // The budget is this process's CPU time (every thread's), so that other work on a shared machine takes nothing
  // from one row that another row had: the same seconds x cores each.
  const budget = Number(values.seconds) * cores * 1e6;
  const cpuAtStart = process.cpuUsage();
  const controller = new AbortController();
  const meter = setInterval(() => {
    const used = process.cpuUsage(cpuAtStart);
    if (used.user + used.system >= budget) controller.abort();
  }, 250);
  const result = await train(
    {
      corpus: trainFile,
      out: join(work, name),
      instances: 'all',
      epochs: 1000,
      ...sizes,
      lr: 0.002,
      batchSize: 64,
      validFraction: 0.02,
      maxLength: 60,
      samples: 0,
      ...(values.threads ? { threads: Number(values.threads) } : {}),
      ...row.options,
    },
    {
      signal: controller.signal,
      log: (line) => console.error(`${name}: ${line}`),
      onProgress: (p) => (partial = p.done / p.total),
      onEpoch: () => (partial = 0),
    },
  );
  clearInterval(meter);
  const cpu = process.cpuUsage(cpuAtStart);
  const seconds = (performance.now() - started) / 1000;
  const { model } = result;
  // Each translation may be twice as long as its source and ten tokens more (as validation decodes): sentences
  // are decoded in groups of one limit.
  const segmenter = model.segmenters?.source ?? WORDS;
  const limits = segmenter.segment(test.map((p) => p.source)).map((tokens) => 2 * (tokens.length + 2) + 10);
  const translations = new Array(test.length);
  await inEvalMode([model.encoder, model.decoder], async () => {
    for (const limit of new Set(limits)) {
      const group = test.flatMap((_, i) => (limits[i] === limit ? [i] : []));
      const out = await translateBeam(
        model,
        group.map((i) => test[i].source),
        { beam: 1, maxLength: limit, replaceUnk: row.replaceUnk === true },
      );
      group.forEach((i, k) => (translations[i] = out[k]));
    }
  });
  const refused = translations.filter((t) => t instanceof UnknownWordsError).length;
  const hyps = translations.map((t) => (t instanceof UnknownWordsError ? '' : (t[0]?.text ?? '')));
  const bleu = corpusBleu(hyps, [refs]);
  const chrf = corpusChrf(hyps, [refs]);
  const line = {
    name,
    label: row.label,
    vocabularies: `${model.sourceVocab.size} / ${model.targetVocab.size}`,
    refused,
    bleu: bleu.score,
    chrf: chrf.score,
    // Length against the references (BLEU's sys_len / ref_len): loops make it long, early <eos> short.
    lengthRatio: bleu.sysLen / bleu.refLen,
    precisions: bleu.precisions,
    epochs: result.history.length + (result.stopped ? partial : 0),
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    sample: hyps.slice(0, 3),
    signature: bleu.signature,
  };
  // The translations beside the references, one per line, for a look at what the numbers hide.
  mkdirSync(join(work, name), { recursive: true });
  writeFileSync(join(work, name, 'test.hyp'), hyps.map((h) => `${h}\n`).join(''));
  console.error(JSON.stringify(line));
  results.push(line);
}

console.log(
  `\n${corpusPath}: ${trainPairs.length} training pairs, ${test.length} held-out test pairs (3 to 30 words, sources ` +
    `never trained on); ${sizes.attention} attention, hidden ${sizes.hidden}, embedding ${sizes.embedding}, ` +
    `${sizes.layers} layers, batch 64, ${values.seconds} s x ${cores} cores of CPU time each (the process's own, so that other work on the machine does not change a row's budget; ${cpus()[0].model.trim()} x ${cpus().length}); ` +
    `greedy decoding (at most 2 x source + 10 tokens); BLEU and chrF of the detokenized translations against the raw references (${results[0]?.signature ?? ''})\n`,
);
console.log('| vocabulary | source / target vocabulary | refused | BLEU | chrF | epochs | training (wall clock) |');
console.log('|---|--:|--:|--:|--:|--:|--:|');
for (const r of results) {
  console.log(
    `| ${r.label} | ${r.vocabularies} | ${r.refused} of ${test.length} | ${r.bleu.toFixed(2)} | ${r.chrf.toFixed(2)} | ${r.epochs.toFixed(1)} | ${r.seconds.toFixed(0)} s |`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
