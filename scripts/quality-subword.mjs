// `npm run quality -- --subword`: what the vocabulary does to a model on real text. The same model (size, data,
// CPU time of training) with the notebook's word vocabulary, a capped word vocabulary with <unk> (and
// --replace-unk), and SentencePiece unigram and BPE vocabularies, trained on the message-catalog corpus
// (scripts/corpus-from-catalogs.mjs) and scored on the same held-out pairs as published results are: sacreBLEU's
// BLEU and chrF of the detokenized translations against the corpus's own lines. A refused sentence (a word the
// notebook's vocabulary lacks) counts as an empty translation.
//   npm run quality -- --subword [--seconds 300] [--threads N] [--rows word,bpe,...] [--corpus runs/catalogs-de.txt]
//     [--test 1000] [--work DIR] [--json FILE] [--regularised] [--resume EARLIER.json]
// --resume: each row continues its earlier run (the --json of a run of this table with the same flags, and its
// training folders under --work) from the run's last checkpoint until the row has had --seconds x cores of CPU time
// in all: the earlier run is charged its CPU time up to that checkpoint (its CPU time x complete epochs / epochs; the
// unfinished epoch after the checkpoint is trained again). Training resumes exactly, so a row ends where one
// uninterrupted run of the longer budget would have, give or take that estimate.
// Every row trains with Adam 0.002 and no regularisation, or with --regularised the real-text recipe (subword runs'
// defaults, src/train/recipe-defaults.ts): the same recipe for every row either way.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  realCorpus,
  TABLE_OPTIONS,
  root,
  scoreGreedy,
  splitTestPairs,
  trainForCpuTime,
  writeHypotheses,
} from './quality-real-text.mjs';

const { values } = parseArgs({
  options: {
    ...TABLE_OPTIONS,
    subword: { type: 'boolean' },
    seconds: { type: 'string', default: '300' },
    'max-vocab': { type: 'string', default: '8000' },
    rows: { type: 'string', default: 'word,word-unk,unigram,bpe' },
    regularised: { type: 'boolean' },
    resume: { type: 'string' },
  },
});
const { REAL_TEXT_RECIPE } = await import('../dist/train/recipe-defaults.js');
const recipe = values.regularised
  ? { ...REAL_TEXT_RECIPE }
  : { lr: 0.002, dropout: 0, labelSmoothing: 0, lrSchedule: 'constant' };

const work = values.work ?? join(root, 'runs', 'quality-subword');
const corpusPath = realCorpus(values.corpus);
const earlier = values.resume ? new Map(JSON.parse(readFileSync(values.resume, 'utf8')).map((r) => [r.name, r])) : null;
for (const name of values.rows.split(',')) {
  if (earlier && !earlier.has(name)) throw new Error(`--resume ${values.resume}: no row ${name} in it`);
  if (!earlier) rmSync(join(work, name), { recursive: true, force: true });
}
const { test, trainPairs, trainFile } = splitTestPairs(corpusPath, Number(values.test), work);

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

const cores = values.threads ? Number(values.threads) : availableParallelism();
const results = [];
for (const name of values.rows.split(',')) {
  const row = ROWS[name];
  if (!row) throw new Error(`unknown row ${name}: ${Object.keys(ROWS).join(', ')}`);
  // The same seconds x cores of CPU time each (the process's own), an earlier run's share included.
  const before = earlier?.get(name);
  const spent = before ? (before.cpuSeconds * Math.floor(before.epochs)) / before.epochs : 0;
  const budget = Number(values.seconds) * cores - spent;
  if (budget <= 0) throw new Error(`row ${name} already had ${spent.toFixed(0)} s of CPU time: ask for more --seconds`);
  const options = before
    ? { resume: join(work, name), epochs: 1000 }
    : {
        corpus: trainFile,
        out: join(work, name),
        ...sizes,
        // One recipe for every row (subword runs would otherwise take the real-text recipe's defaults, word runs
        // the notebook's).
        ...recipe,
        batchSize: 64,
        validFraction: 0.02,
        maxLength: 60,
        samples: 0,
        ...row.options,
      };
  const trained = await trainForCpuTime(
    { ...options, ...(values.threads ? { threads: Number(values.threads) } : {}) },
    budget,
    (line) => console.error(`${name}: ${line}`),
  );
  // A resumed run's history holds the earlier epochs too.
  const { result, epochs } = trained;
  const seconds = trained.seconds + (before ? (before.seconds * Math.floor(before.epochs)) / before.epochs : 0);
  const cpuSeconds = trained.cpuSeconds + spent;
  const { model } = result;
  const score = await scoreGreedy(model, test, { replaceUnk: row.replaceUnk === true });
  const line = {
    name,
    label: row.label,
    vocabularies: `${model.sourceVocab.size} / ${model.targetVocab.size}`,
    refused: score.refused,
    bleu: score.bleu,
    chrf: score.chrf,
    lengthRatio: score.lengthRatio,
    precisions: score.precisions,
    epochs,
    seconds,
    cpuSeconds,
    sample: score.hyps.slice(0, 3),
    signature: score.signature,
  };
  writeHypotheses(join(work, name), score.hyps);
  console.error(JSON.stringify(line));
  results.push(line);
}

console.log(
  `\n${corpusPath}: ${trainPairs.length} training pairs, ${test.length} held-out test pairs (3 to 30 words, sources ` +
    `never trained on); ${sizes.attention} attention, hidden ${sizes.hidden}, embedding ${sizes.embedding}, ` +
    `${sizes.layers} layers, batch 64, ${values.regularised ? 'the real-text recipe (Adam 0.002, dropout 0.3, label smoothing 0.1, plateau)' : 'Adam 0.002'}, ${values.seconds} s x ${cores} cores of CPU time each (the process's own, so that other work on the machine does not change a row's budget; ${cpus()[0].model.trim()} x ${cpus().length}); ` +
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
