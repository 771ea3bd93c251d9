// `npm run scale`: a corpus the size of manythings' deu.txt (280,000 pairs by default), from the file to the first
// trained batch, for each vocabulary: the notebook's words, capped words, SentencePiece unigram and BPE. Each runs
// in a fresh process (`seq2seq train --instances all`), stopped at its first progress report; printed: seconds to
// the first batch and the process's peak memory (resident set, SentencePiece's training threads included).
//   npm run scale -- [--pairs 280000] [--corpus FILE] [--rows word,word-cap,unigram,bpe] [--json FILE]
// Without --corpus, the corpus is generated: Zipf-distributed pseudo-words (a lexicon of 60,000 per language),
// sentences of 3 to 25 words with capitals, digits and punctuation, the target a reordered word-by-word mapping.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '280000' },
    corpus: { type: 'string' },
    rows: { type: 'string', default: 'word,word-cap,unigram,bpe' },
    hidden: { type: 'string', default: '256' },
    embedding: { type: 'string', default: '128' },
    layers: { type: 'string', default: '2' },
    attention: { type: 'string', default: 'luong-general' },
    json: { type: 'string' },
    child: { type: 'string' },
  },
});

if (values.child) {
  // One configuration in this process: train until the first progress report, then print the figures.
  const { train } = await import('../dist/train/run.js');
  const options = JSON.parse(values.child);
  const started = performance.now();
  const controller = new AbortController();
  const lines = [];
  let first;
  let data;
  await train(options, {
    signal: controller.signal,
    log: (line) => {
      const seconds = (performance.now() - started) / 1000;
      // The vocabularies line comes once the pairs are read, split, segmented and indexed.
      if (data === undefined && /vocabularies:/.test(line)) data = { seconds, rss: process.memoryUsage().rss };
      lines.push(`${seconds.toFixed(1)} s  ${line}`);
    },
    onProgress: () => {
      first ??= (performance.now() - started) / 1000;
      controller.abort();
    },
  });
  const maxRss = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ first, maxRss, data, lines }));
  process.exit(0);
}

function generate(pairs, seed = 1) {
  let s = seed >>> 0;
  const rand = () => {
    // mulberry32: enough for a synthetic corpus.
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const syllables = (n) =>
    Array.from({ length: n }, () => 'bdfgklmnprstvwz'[Math.floor(rand() * 15)] + 'aeiouäöü'[Math.floor(rand() * 8)]);
  const lexicon = (size) => Array.from({ length: size }, () => syllables(1 + Math.floor(rand() * 4)).join(''));
  const SIZE = 60_000;
  const en = lexicon(SIZE);
  const de = lexicon(SIZE);
  // Zipf(1) over the lexicon by inverse transform on the harmonic numbers.
  const cumulative = new Float64Array(SIZE);
  let h = 0;
  for (let i = 0; i < SIZE; i++) cumulative[i] = h += 1 / (i + 1);
  const zipf = () => {
    const x = rand() * h;
    let lo = 0;
    let hi = SIZE - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out = [];
  for (let p = 0; p < pairs; p++) {
    const n = 3 + Math.floor(rand() * 23);
    const ids = Array.from({ length: n }, zipf);
    const number = rand() < 0.2 ? ` ${Math.floor(rand() * 10_000)}` : '';
    const stop = rand() < 0.2 ? '?' : '.';
    const cap = (w) => w[0].toUpperCase() + w.slice(1);
    const source = cap(ids.map((i) => en[i]).join(' ')) + number + stop;
    // Verb-final flavour: the second word moves to the end.
    const t = ids.map((i) => de[i]);
    if (t.length > 3) t.push(...t.splice(1, 1));
    const target = cap(t.join(' ')) + number + stop;
    out.push(`${source}\t${target}\tsynthetic #${p}\n`);
  }
  return out.join('');
}

const work = join(root, 'runs', 'scale');
mkdirSync(work, { recursive: true });
let corpus = values.corpus;
if (!corpus) {
  corpus = join(work, `synthetic-${values.pairs}.txt`);
  if (!existsSync(corpus)) writeFileSync(corpus, generate(Number(values.pairs)));
}

const base = {
  corpus,
  instances: 'all',
  hidden: Number(values.hidden),
  embedding: Number(values.embedding),
  layers: Number(values.layers),
  attention: values.attention,
  samples: 0,
};
const ROWS = {
  word: { label: "word (the notebook's vocabulary)", options: {} },
  'word-cap': { label: 'word, --max-vocab 30000', options: { maxVocab: 30_000 } },
  unigram: { label: 'subword unigram, --vocab-size 16000', options: { vocab: 'subword', vocabSize: 16_000 } },
  bpe: { label: 'subword BPE, --vocab-size 16000', options: { vocab: 'subword', subword: 'bpe', vocabSize: 16_000 } },
};

const results = [];
for (const name of values.rows.split(',')) {
  const row = ROWS[name];
  if (!row) throw new Error(`unknown row ${name}: ${Object.keys(ROWS).join(', ')}`);
  const out = join(work, name);
  rmSync(out, { recursive: true, force: true });
  const options = { ...base, ...row.options, out };
  const started = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`${name}: exit ${code}`);
  const r = JSON.parse(stdout.trim().split('\n').at(-1));
  const wall = (performance.now() - started) / 1000;
  for (const line of r.lines) console.error(`${name}: ${line}`);
  results.push({ name, label: row.label, first: r.first, wall, maxRss: r.maxRss, data: r.data });
  rmSync(out, { recursive: true, force: true });
}

const gb = (b) => `${(b / 2 ** 30).toFixed(2)} GB`;
console.log(
  `\n${corpus}: ${values.corpus ? '' : `${values.pairs} generated pairs, `}--instances all, ${base.attention} attention, ` +
    `hidden ${base.hidden}, ${base.layers} layers; ${cpus()[0].model.trim()} x ${cpus().length}, ${gb(totalmem())} memory\n`,
);
console.log(
  '| vocabulary | pairs read, split, vocabularies built, indexed | memory then (RSS) | first batch trained | peak memory (RSS) |',
);
console.log('|---|--:|--:|--:|--:|');
for (const r of results) {
  const data = `${r.data.seconds.toFixed(1)} s | ${gb(r.data.rss)}`;
  console.log(`| ${r.label} | ${data} | ${r.first.toFixed(1)} s | ${gb(r.maxRss)} |`);
}
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
