// `npm run quality -- --recipes`: what the training recipe does to a model on real text. The same model (Luong general
// attention, SentencePiece BPE vocabularies, the same data) trained for the same CPU time with the notebook's defaults, with
// Adam at a lower rate, with dropout + label smoothing + a plateau schedule, and with Sutskever et al.'s SGD recipe;
// then the average of the regularised run's last checkpoints and an ensemble of the two best runs. Scored on the
// held-out pairs of the message-catalog corpus as `--subword` scores them (scripts/quality-real-text.mjs), with the
// held-out loss per target token besides.
//   npm run quality -- --recipes [--seconds 600] [--threads N] [--rows defaults,adam,...] [--work DIR] [--json FILE]
// Each row's results go to WORK/ROW/result.json and the table is made from every row found there, so rows can be run
// by separate processes (`--rows defaults,adam` beside `--rows regularised,sgd`, then `--rows average,ensemble`).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  heldOutLoss,
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
    recipes: { type: 'boolean' },
    seconds: { type: 'string', default: '600' },
    // Sutskever et al. halved the rate after 5 of 7.5 epochs; a short run starts halving sooner.
    'decay-start': { type: 'string', default: '2' },
    'average-of': { type: 'string', default: 'regularised' },
    'average-last': { type: 'string', default: '5' },
    ensemble: { type: 'string' },
    rows: { type: 'string', default: 'defaults,adam,regularised,sgd,average,ensemble' },
  },
});
const { loadModel, saveModel } = await import('../dist/io/model-files.js');
const { averageCheckpoints } = await import('../dist/io/average.js');
const { listCheckpoints } = await import('../dist/io/checkpoint.js');

const work = values.work ?? join(root, 'runs', 'quality-recipes');
const corpusPath = realCorpus(values.corpus);
const rows = values.rows.split(',');
const { test, trainPairs, trainFile } = splitTestPairs(corpusPath, Number(values.test), work);
const cores = values.threads ? Number(values.threads) : availableParallelism();

const base = {
  corpus: trainFile,
  hidden: Number(values.hidden),
  embedding: Number(values.embedding),
  layers: Number(values.layers),
  attention: 'luong-general',
  vocab: 'subword',
  subword: 'bpe',
  vocabSize: Number(values['vocab-size']),
  validFraction: 0.02,
  maxLength: 60,
  samples: 0,
  keepCheckpoints: Number(values['average-last']),
  // Every row says its whole recipe: subword runs otherwise take the real-text recipe's defaults.
  dropout: 0,
  labelSmoothing: 0,
  lrSchedule: 'constant',
  ...(values.threads ? { threads: Number(values.threads) } : {}),
};
const TRAINED = {
  defaults: {
    label: "the notebook's defaults: Adam 0.01, constant, batch 64",
    options: { lr: 0.01 },
  },
  adam: { label: 'Adam 0.002, constant', options: { lr: 0.002 } },
  regularised: {
    label: 'Adam 0.002, `--dropout 0.3 --label-smoothing 0.1 --lr-schedule plateau --lr-patience 0`',
    options: { lr: 0.002, dropout: 0.3, labelSmoothing: 0.1, lrSchedule: 'plateau', lrDecay: 0.5, lrPatience: 0 },
  },
  sgd: {
    label: `Sutskever: SGD 0.7, summed loss per sentence, batch 128, \`--lr-schedule step --lr-decay-start ${values['decay-start']}\``,
    options: {
      optimizer: 'sgd',
      lr: 0.7,
      normalize: 'sentences',
      batchSize: 128,
      lrSchedule: 'step',
      lrDecay: 0.5,
      lrDecayStart: Number(values['decay-start']),
    },
  },
};
const ORDER = [...Object.keys(TRAINED), 'average', 'ensemble'];
for (const name of rows) if (!ORDER.includes(name)) throw new Error(`unknown row ${name}: ${ORDER.join(', ')}`);

const resultFile = (name) => join(work, name, 'result.json');
const readResult = (name) => (existsSync(resultFile(name)) ? JSON.parse(readFileSync(resultFile(name), 'utf8')) : null);

/** Scores `models` on the test pairs and records the row. */
async function record(name, label, models, extra) {
  const score = await scoreGreedy(models, test);
  const { loss } = await heldOutLoss(models, test);
  const line = {
    name,
    label,
    bleu: score.bleu,
    chrf: score.chrf,
    loss,
    lengthRatio: score.lengthRatio,
    precisions: score.precisions,
    signature: score.signature,
    ...extra,
  };
  writeHypotheses(join(work, name), score.hyps);
  writeFileSync(resultFile(name), JSON.stringify(line, null, 2));
  console.error(JSON.stringify(line));
}

for (const name of rows) {
  if (name in TRAINED) {
    const row = TRAINED[name];
    rmSync(join(work, name), { recursive: true, force: true });
    const { result, epochs, seconds, cpuSeconds } = await trainForCpuTime(
      { ...base, ...row.options, out: join(work, name) },
      Number(values.seconds) * cores,
      (line) => console.error(`${name}: ${line}`),
    );
    // The model as the budget left it (mid-epoch), kept for the ensemble row.
    saveModel(join(work, name, 'final'), result.model);
    await record(name, row.label, result.model, { epochs, seconds, cpuSeconds });
  } else if (name === 'average') {
    const of = values['average-of'];
    const kept = listCheckpoints(join(work, of)).length;
    if (kept === 0) throw new Error(`average: run the ${of} row first (${join(work, of)} has no checkpoints)`);
    const last = Math.min(Number(values['average-last']), kept);
    const out = join(work, 'average');
    rmSync(out, { recursive: true, force: true });
    const { epochs } = averageCheckpoints(join(work, of), out, { last });
    await record(
      name,
      `average of the ${of} run's last ${last} epoch checkpoints (epochs ${epochs.join(', ')})`,
      loadModel(out),
      { averaged: epochs },
    );
  } else if (name === 'ensemble') {
    const trained = Object.keys(TRAINED)
      .map(readResult)
      .filter(Boolean)
      .sort((a, b) => b.bleu - a.bleu);
    const members = values.ensemble ? values.ensemble.split(',') : trained.slice(0, 2).map((r) => r.name);
    if (members.length < 2) throw new Error('ensemble: run at least two of the trained rows first');
    const models = members.map((m) => loadModel(join(work, m, 'final')));
    await record(name, `ensemble of ${members.join(' + ')} (their models as the budget left them)`, models, {
      members,
    });
  }
}

const results = ORDER.map(readResult).filter(Boolean);
console.log(
  `\n${corpusPath}: ${trainPairs.length} training pairs, ${test.length} held-out test pairs (3 to 30 words, sources ` +
    `never trained on); SentencePiece BPE ${values['vocab-size']} per side, luong-general attention, hidden ` +
    `${values.hidden}, embedding ${values.embedding}, ${values.layers} layers, ${values.seconds} s x ${cores} cores of ` +
    `CPU time per trained row (the process's own; ${cpus()[0].model.trim()} x ${cpus().length}); greedy decoding ` +
    `(at most 2 x source + 10 tokens); BLEU and chrF of the detokenized translations against the raw references ` +
    `(${results[0]?.signature ?? ''}); loss: held-out NLL per target token, teacher-forced, without smoothing\n`,
);
console.log('| recipe | epochs | held-out loss | BLEU | chrF |');
console.log('|---|--:|--:|--:|--:|');
for (const r of results) {
  const epochs = typeof r.epochs === 'number' ? r.epochs.toFixed(1) : '';
  console.log(`| ${r.label} | ${epochs} | ${r.loss.toFixed(3)} | ${r.bleu.toFixed(2)} | ${r.chrf.toFixed(2)} |`);
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
