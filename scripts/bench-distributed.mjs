// `npm run bench -- --distributed`: data-parallel training on this machine, 1 worker vs N workers (c10d, Gloo
// over loopback), the same global batch and model as `npm run bench`'s (d): sentences/s per epoch (median),
// and each step's time in the gradient all-reduce (waiting for the slower peer included). A benchmark, not a
// test: run it on an otherwise idle machine.
//   npm run bench -- --distributed [--workers 2] [--instances 2000] [--batch-size 256] [--epochs 3] [--corpus deu.txt]
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HIDDEN = 128;
const EMBEDDING = 30;
const LAYERS = 4;

if (process.env.SEQ2SEQ_BENCH_WORKER) {
  await worker(JSON.parse(process.env.SEQ2SEQ_BENCH_WORKER));
} else {
  await main();
}

/** One worker: trains the sample and prints its epochs' figures as JSON. */
async function worker(cfg) {
  const torch = await import('../dist/torch/index.js');
  const { readCorpus } = await import('../dist/data/corpus.js');
  const { buildDataset, samplePairs } = await import('../dist/data/dataset.js');
  const { Encoder } = await import('../dist/model/encoder.js');
  const { Decoder } = await import('../dist/model/decoder.js');
  const { trainBatched } = await import('../dist/train/batched.js');
  const { initProcessGroup } = await import('../dist/train/distributed.js');
  torch.setNumThreads(cfg.threads);
  const data = buildDataset(samplePairs(readCorpus(cfg.corpus).pairs, cfg.instances, 0));
  torch.manualSeed(0);
  const encoder = new Encoder(data.sourceVocab.size, HIDDEN, EMBEDDING, LAYERS);
  const decoder = new Decoder(data.targetVocab.size, HIDDEN, EMBEDDING, LAYERS);
  const group =
    cfg.workers > 1
      ? await initProcessGroup({ worldSize: cfg.workers, rank: cfg.rank, masterPort: cfg.port, timeout: 120 })
      : undefined;
  const result = await trainBatched(encoder, decoder, data, {
    epochs: cfg.epochs,
    lr: 0.01,
    device: 'cpu',
    seed: 0,
    batchSize: cfg.batchSize,
    validFraction: 0,
    group,
  });
  const params = [...encoder.parameters(), ...decoder.parameters()].reduce((n, p) => n + p.numel(), 0);
  console.log(
    JSON.stringify({
      params,
      epochs: result.epochs.map((e) => ({
        seconds: e.seconds,
        sentences: e.sentences,
        tokens: e.tokens,
        steps: e.steps,
        allReduceSeconds: e.allReduceSeconds ?? 0,
      })),
    }),
  );
  group?.close();
}

function run(cfg) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    // OpenBLAS's own threads would oversubscribe the cores beside libtorch's: each worker gets its share only.
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(cfg.threads), SEQ2SEQ_BENCH_WORKER: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exit ${code}`)))),
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      distributed: { type: 'boolean' },
      workers: { type: 'string', default: '2' },
      corpus: { type: 'string' },
      instances: { type: 'string', default: '2000' },
      'batch-size': { type: 'string', default: '256' },
      epochs: { type: 'string', default: '3' },
      json: { type: 'string' },
    },
  });
  const workers = Number(values.workers);
  const cores = cpus().length;
  let corpus = values.corpus;
  if (!corpus) {
    const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
    corpus = join(mkdtempSync(join(tmpdir(), 'bench-dp-')), 'demo.txt');
    writeFileSync(corpus, generateDemoCorpus({ pairs: 10_000, seed: 5 }));
  }
  const globalBatch = Number(values['batch-size']);
  const common = { corpus, instances: Number(values.instances), epochs: Number(values.epochs) };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const summary = (label, r, n) => {
    const e = r.epochs;
    const seconds = median(e.map((x) => x.seconds));
    const steps = e[0].steps;
    const reduce = median(e.map((x) => x.allReduceSeconds / x.steps));
    return {
      label,
      workers: n,
      sentencesPerSecond: e[0].sentences / seconds,
      steps,
      allReduceMsPerStep: reduce * 1000,
    };
  };
  // One intra-op thread per worker: libtorch's OpenMP threads and OpenBLAS's own threads oversubscribe the
  // cores when both are on (3.5x slower at 2 + 2 threads on 2 cores), and 1 thread is this model's fastest.
  const threads = Math.max(1, Math.floor(cores / workers));
  console.error(`[${workers} vs 1] 1 worker, ${threads} thread(s), batch ${globalBatch} ...`);
  const one = await run({ ...common, workers: 1, rank: 0, threads, batchSize: globalBatch });
  console.error(
    `[${workers} vs 1] ${workers} workers, ${Math.max(1, Math.floor(cores / workers))} thread(s) each, batch ${globalBatch / workers} each ...`,
  );
  const port = 29500 + Math.floor(Math.random() * 1000);
  const many = await Promise.all(
    Array.from({ length: workers }, (_, rank) =>
      run({
        ...common,
        workers,
        rank,
        port,
        threads,
        batchSize: globalBatch / workers,
      }),
    ),
  );
  const rows = [summary('1 worker', one, 1), summary(`${workers} workers`, many[0], workers)];
  const gradientMB = (one.params * 4) / 2 ** 20;
  console.log(
    `\n${cpus()[0].model.trim()} x ${cores} cores; hidden ${HIDDEN}, embedding ${EMBEDDING}, ${LAYERS} layers;`,
  );
  console.log(
    `${one.params.toLocaleString('en')} parameters: ${gradientMB.toFixed(1)} MB of float32 gradients all-reduced per step`,
  );
  console.log('| | sentences/s | steps/epoch | all-reduce per step | vs 1 worker |');
  console.log('|---|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.sentencesPerSecond.toFixed(1)} | ${r.steps} | ${r.workers > 1 ? `${r.allReduceMsPerStep.toFixed(1)} ms` : '-'} | ${(r.sentencesPerSecond / rows[0].sentencesPerSecond).toFixed(2)}x |`,
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ rows, params: one.params }, null, 2));
}
