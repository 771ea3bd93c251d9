// What the quality tables on real text share (scripts/quality-subword.mjs, scripts/quality-recipes.mjs): the
// message-catalog corpus split into training pairs and held-out test pairs the same way every time, training under a
// budget of the process's own CPU time, and sacreBLEU-style scoring of greedy translations against the raw lines.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { readCorpus } = await import('../dist/data/corpus.js');
const { Random } = await import('../dist/util/random.js');
const { train } = await import('../dist/train/run.js');
const { translateBeam, UnknownWordsError } = await import('../dist/decode/translate.js');
const { inEvalMode } = await import('../dist/train/validation.js');
const { corpusBleu, corpusChrf } = await import('../dist/eval/index.js');
const { WORDS } = await import('../dist/tokens/segmenter.js');

/** The command-line options both tables take (each adds its own): the data, the model's sizes, the budget. */
export const TABLE_OPTIONS = {
  corpus: { type: 'string' },
  test: { type: 'string', default: '1000' },
  hidden: { type: 'string', default: '256' },
  embedding: { type: 'string', default: '128' },
  layers: { type: 'string', default: '2' },
  'vocab-size': { type: 'string', default: '8000' },
  threads: { type: 'string' },
  work: { type: 'string' },
  json: { type: 'string' },
};

/** The corpus file to use: `corpus`, else runs/catalogs-de.txt (made from the machine's catalogs when missing). */
export function realCorpus(corpus) {
  if (corpus) return corpus;
  const path = join(root, 'runs', 'catalogs-de.txt');
  if (!existsSync(path)) {
    const made = spawnSync(process.execPath, [join(root, 'scripts', 'corpus-from-catalogs.mjs'), '--out', path], {
      stdio: 'inherit',
    });
    if (made.status !== 0) process.exit(1);
  }
  return path;
}

/**
 * The held-out test pairs (distinct sources of 3 to 30 words, drawn with a fixed seed) and a training file of every
 * pair whose source is not among them, written into `work` with test.src and test.ref.
 */
export function splitTestPairs(corpusPath, testCount, work) {
  const { pairs } = readCorpus(corpusPath);
  const random = new Random(7);
  const order = pairs.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
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
  mkdirSync(work, { recursive: true });
  const trainFile = join(work, 'train.txt');
  // Renamed into place: lanes started side by side (`--rows`) write the same files while others read them.
  const write = (path, text) => {
    writeFileSync(`${path}.${process.pid}`, text);
    renameSync(`${path}.${process.pid}`, path);
  };
  write(trainFile, trainPairs.map((p) => `${p.source}\t${p.target}\tquality\n`).join(''));
  write(join(work, 'test.src'), test.map((p) => `${p.source}\n`).join(''));
  write(join(work, 'test.ref'), test.map((p) => `${p.target}\n`).join(''));
  return { test, trainPairs, trainFile };
}

/**
 * Trains with `options` until the process has used `cpuSeconds` of CPU time (every thread's), so that other work on
 * a shared machine takes nothing from one run that another had. Returns train()'s result, the epochs trained (the
 * unfinished last one counted by its share of batches; a resumed run's earlier ones included), and the wall-clock and
 * CPU seconds.
 */
export async function trainForCpuTime(options, cpuSeconds, log) {
  const started = performance.now();
  let partial = 0;
  const cpuAtStart = process.cpuUsage();
  const controller = new AbortController();
  const meter = setInterval(() => {
    const used = process.cpuUsage(cpuAtStart);
    if (used.user + used.system >= cpuSeconds * 1e6) controller.abort();
  }, 250);
  const result = await train(
    // A resumed run keeps its own options (it may change only --epochs, --threads and a few more).
    options.resume ? options : { instances: 'all', epochs: 1000, ...options },
    {
      signal: controller.signal,
      log,
      onProgress: (p) => (partial = p.done / p.total),
      onEpoch: () => (partial = 0),
    },
  );
  clearInterval(meter);
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    result,
    epochs: result.history.length + (result.stopped ? partial : 0),
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

/**
 * Greedy translations of the test pairs by `models` (one model, or several as an ensemble), each at most twice as
 * long as its source and ten tokens more (as validation decodes), scored against the raw references: BLEU and chrF
 * of the detokenized text (sacreBLEU's defaults), the hypotheses, and how many sentences were refused (a word the
 * notebook's vocabulary lacks: an empty translation).
 */
export async function scoreGreedy(models, test, { replaceUnk = false } = {}) {
  const members = Array.isArray(models) ? models : [models];
  const model = members[0];
  const segmenter = model.segmenters?.source ?? WORDS;
  const limits = segmenter.segment(test.map((p) => p.source)).map((tokens) => 2 * (tokens.length + 2) + 10);
  const translations = new Array(test.length);
  const modules = members.flatMap((m) => [m.encoder, m.decoder]);
  await inEvalMode(modules, async () => {
    for (const limit of new Set(limits)) {
      const group = test.flatMap((_, i) => (limits[i] === limit ? [i] : []));
      const out = await translateBeam(
        members.length === 1 ? model : members,
        group.map((i) => test[i].source),
        { beam: 1, maxLength: limit, replaceUnk },
      );
      group.forEach((i, k) => (translations[i] = out[k]));
    }
  });
  const refs = test.map((p) => p.target);
  const refused = translations.filter((t) => t instanceof UnknownWordsError).length;
  const hyps = translations.map((t) => (t instanceof UnknownWordsError ? '' : (t[0]?.text ?? '')));
  const bleu = corpusBleu(hyps, [refs]);
  const chrf = corpusChrf(hyps, [refs]);
  return {
    hyps,
    refused,
    bleu: bleu.score,
    chrf: chrf.score,
    // Length against the references (BLEU's sys_len / ref_len): loops make it long, early <eos> short.
    lengthRatio: bleu.sysLen / bleu.refLen,
    precisions: bleu.precisions,
    signature: bleu.signature,
  };
}

/** Writes the hypotheses one per line as `dir`/test.hyp, beside the references, for a look at what numbers hide. */
export function writeHypotheses(dir, hyps) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'test.hyp'), hyps.map((h) => `${h}\n`).join(''));
}

const { evaluateLoss } = await import('../dist/train/batched.js');
const { EOS, SOS } = await import('../dist/data/tokenize.js');
const { segmentersOf } = await import('../dist/io/model-files.js');

/**
 * The held-out loss: mean NLL per target token of the test pairs, teacher-forced, without label smoothing; for
 * several models that of their mean log-probabilities, as an ensemble decodes (the mean of their losses).
 */
export async function heldOutLoss(models, test) {
  const members = Array.isArray(models) ? models : [models];
  const { sourceVocab, targetVocab } = members[0];
  const segmenters = segmentersOf(members[0]);
  const sourceTokens = segmenters.source.segment(test.map((p) => p.source));
  const targetTokens = segmenters.target.segment(test.map((p) => p.target));
  const sources = [];
  const targets = [];
  test.forEach((_, i) => {
    const source = [SOS, ...sourceTokens[i], EOS];
    const target = [SOS, ...targetTokens[i], EOS];
    const known = (vocab, tokens) => vocab.hasUnk || vocab.unknown(tokens).length === 0;
    if (!known(sourceVocab, source) || !known(targetVocab, target)) return;
    sources.push(sourceVocab.encode(source).reverse());
    targets.push(targetVocab.encode(target));
  });
  const data = {
    sources,
    targets,
    sourceVocab,
    targetVocab,
    lines: [],
    maxSentLen: Math.max(...sources.map((s) => s.length)),
  };
  const indices = sources.map((_, i) => i);
  let sum = 0;
  for (const m of members) {
    sum += await inEvalMode([m.encoder, m.decoder], () =>
      evaluateLoss(m.encoder, m.decoder, data, indices, { device: m.device }),
    );
  }
  return { loss: sum / members.length, pairs: sources.length };
}
