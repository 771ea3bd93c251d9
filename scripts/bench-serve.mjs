// `npm run bench -- --serve`: the translation server under load. Starts `seq2seq serve` on the demo model
// (runs/demo; trained here first when absent, with the demo's sizes) and drives it with autocannon at 1, 16 and
// 64 connections, each request one held-out demo sentence (`generateDemoCorpus({ pairs: 2000, seed: 99 })`, sources
// within the model's vocabulary) to LibreTranslate's POST /translate, once with dynamic batching and once with
// --max-batch 1 (one sentence at a time), and prints requests/s, sentences/s, p50/p99 latency, errors and the mean
// batch side by side. A benchmark, not a test: run it on an otherwise idle machine.
//   npm run bench -- --serve [--model runs/demo] [--duration 10] [--connections 1,16,64] [--max-batch 32]
//                            [--max-wait 10] [--json FILE]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean' },
    model: { type: 'string', default: 'runs/demo' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,16,64' },
    'max-batch': { type: 'string', default: '32' },
    'max-wait': { type: 'string', default: '10' },
    json: { type: 'string' },
  },
});
const duration = Number(values.duration);
const connectionCounts = values.connections.split(',').map(Number);

const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
const { tokenize } = await import('../dist/data/tokenize.js');
const { readVocabularies, resolveModelDir } = await import('../dist/io/model-files.js');

/** The demo model, trained as `npm run demo` does (fewer epochs) when the folder has none. */
async function ensureModel(dir) {
  if (existsSync(join(dir, 'config.json')) || existsSync(join(dir, 'best')) || existsSync(join(dir, 'last'))) return;
  console.log(`no model in ${dir}: training the demo model there first`);
  const { train } = await import('../dist/train/run.js');
  mkdirSync('runs', { recursive: true });
  const corpus = join('runs', 'deu-demo.txt');
  writeFileSync(corpus, generateDemoCorpus({ pairs: 10_000, seed: 1 }));
  const start = performance.now();
  const result = await train({
    corpus,
    out: dir,
    instances: 10_000,
    epochs: 6,
    hidden: 128,
    embedding: 30,
    layers: 2,
    lr: 0.003,
    batchSize: 32,
    seed: 0,
  });
  console.log(
    `trained in ${((performance.now() - start) / 1000).toFixed(0)} s, held-out exact match ` +
      `${(100 * (result.heldOutExactMatch ?? 0)).toFixed(1)}%`,
  );
}

/** Held-out demo sources the model can read (another seed than training's). */
function heldOutSentences(dir) {
  const { sourceVocab } = readVocabularies(resolveModelDir(dir));
  const sources = generateDemoCorpus({ pairs: 2000, seed: 99 })
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => line.split('\t')[0]);
  return [...new Set(sources)].filter((s) => sourceVocab.hasUnk || sourceVocab.unknown(tokenize(s)).length === 0);
}

/** `seq2seq serve` as a child process; resolves with its port once it listens. */
async function startServer(args) {
  const child = spawn(process.execPath, [
    'dist/cli/main.js',
    'serve',
    '--model',
    values.model,
    '--port',
    '0',
    '--log-level',
    'silent',
    '--max-queue',
    '100000',
    ...args,
  ]);
  let stderr = '';
  const port = await new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d.toString();
      const m = /at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`seq2seq serve exited with ${code}: ${stderr}`)));
  });
  return { child, port };
}

async function stopServer({ child }) {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Sentences decoded and batches run so far, from the server's metrics. */
async function batchTotals(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (name) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  return { sentences: sum('seq2seq_batch_size_sum'), batches: sum('seq2seq_batch_size_count') };
}

function load(port, connections, seconds, sentences) {
  let next = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/translate',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ q: sentences[next++ % sentences.length], source: 'en', target: 'de' }),
        }),
      },
    ],
  });
}

await ensureModel(values.model);
const sentences = heldOutSentences(values.model);
// Shuffled once, the same order for every run.
for (let i = sentences.length - 1, seed = 7; i > 0; i--) {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  const j = seed % (i + 1);
  [sentences[i], sentences[j]] = [sentences[j], sentences[i]];
}
console.log(`${sentences.length} held-out demo sentences, ${duration} s per run`);

const setups = [
  {
    name: `dynamic batching (--max-batch ${values['max-batch']} --max-wait ${values['max-wait']})`,
    args: ['--max-batch', values['max-batch'], '--max-wait', values['max-wait']],
  },
  { name: 'one at a time (--max-batch 1 --max-wait 0)', args: ['--max-batch', '1', '--max-wait', '0'] },
];
const results = [];
for (const setup of setups) {
  const server = await startServer(setup.args);
  await load(server.port, 16, 2, sentences); // warm-up
  for (const connections of connectionCounts) {
    const before = await batchTotals(server.port);
    const r = await load(server.port, connections, duration, sentences);
    const after = await batchTotals(server.port);
    const row = {
      setup: setup.name,
      connections,
      requestsPerSecond: r['2xx'] / r.duration,
      sentencesPerSecond: (after.sentences - before.sentences) / r.duration,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.timeouts + r.non2xx,
      meanBatch: (after.sentences - before.sentences) / Math.max(1, after.batches - before.batches),
    };
    results.push(row);
    console.log(
      `${setup.name}, ${connections} connections: ${row.requestsPerSecond.toFixed(1)} requests/s, ` +
        `p50 ${row.p50} ms, p99 ${row.p99} ms, ${row.errors} errors, mean batch ${row.meanBatch.toFixed(1)}`,
    );
  }
  await stopServer(server);
}

const cpu = cpus();
console.log(`\nmachine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}\n`);
const cell = (row) =>
  [
    row.requestsPerSecond.toFixed(1),
    row.sentencesPerSecond.toFixed(1),
    `${row.p50} / ${row.p99}`,
    String(row.errors),
    row.meanBatch.toFixed(1),
  ].join(' | ');
console.log(
  '| connections | batching: requests/s | sentences/s | p50 / p99 ms | errors | mean batch ' +
    '| one at a time: requests/s | sentences/s | p50 / p99 ms | errors | mean batch | batching vs one at a time |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const connections of connectionCounts) {
  const batched = results.find((r) => r.connections === connections && r.setup === setups[0].name);
  const single = results.find((r) => r.connections === connections && r.setup === setups[1].name);
  const speedup = single.requestsPerSecond > 0 ? batched.requestsPerSecond / single.requestsPerSecond : 0;
  console.log(`| ${connections} | ${cell(batched)} | ${cell(single)} | ${speedup.toFixed(2)}x |`);
}
if (values.json) writeFileSync(values.json, `${JSON.stringify({ machine: cpu[0]?.model, results }, null, 2)}\n`);
