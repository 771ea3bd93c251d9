// `npm run bench`: training speed of the same model on the same corpus sample, from one run, side by side:
//   (a) the notebook's loop in PyTorch (scripts/reference/notebook.py, Debian's python3-torch)
//   (b) the TypeScript mirror of that loop            (c) the fused per-sentence step
//   (d) batched training (this project)                (e) the same batched training in PyTorch
//       (scripts/reference/batched.py, same batches)
// plus the machine's matmul rate and the share of it that (d) reaches. A benchmark, not a test: run it on an
// otherwise idle machine and read the medians.
//   npm run bench -- [--corpus deu.txt] [--instances 2000] [--batch-size 256] [--epochs 3] [--threads N]
//                    [--device cpu|cuda] [--skip-notebook] [--runs N] [--json FILE] [--pytorch-env same|default]
// The PyTorch runs get the environment this package sets for itself before libtorch loads (OMP_WAIT_POLICY,
// OPENBLAS_CORETYPE: see src/torch/process-tuning.ts), so both sides run the same BLAS kernels and thread policy;
// `--pytorch-env default` runs them with PyTorch's own defaults instead, as a user of the notebook would.
//   npm run bench -- --distributed [--workers 2] ...: 1 vs N data-parallel workers (bench-distributed.mjs)
//   npm run bench -- --decode [--sentences 2000] ...: greedy and beam decoding vs PyTorch (bench-decode.mjs)
//   npm run bench -- --serve [--connections 1,16,64] ...: the translation server under load (bench-serve.mjs)
// With --runs N the whole comparison runs N times and each column reports its median time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

// `--decode`: decoding speed against PyTorch (scripts/bench-decode.mjs).
if (process.argv.includes('--decode')) {
  await import('./bench-decode.mjs');
  process.exit(0);
}
// `--serve`: the translation server, dynamic batching vs one sentence at a time (scripts/bench-serve.mjs).
if (process.argv.includes('--serve')) {
  await import('./bench-serve.mjs');
  process.exit(0);
}
// `--distributed`: 1 worker vs N workers instead (scripts/bench-distributed.mjs).
if (process.argv.includes('--distributed')) {
  await import('./bench-distributed.mjs');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    instances: { type: 'string', default: '2000' },
    'batch-size': { type: 'string', default: '256' },
    epochs: { type: 'string', default: '3' },
    threads: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    'skip-notebook': { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    json: { type: 'string' },
    python: { type: 'string', default: process.env.SEQ2SEQ_PYTHON ?? '/usr/bin/python3' },
    'pytorch-env': { type: 'string', default: 'same' },
  },
});
const torch = await import('../dist/torch/index.js');
const { packageEnvironment } = await import('../dist/torch/process-tuning.js');
if (!['same', 'default'].includes(values['pytorch-env'])) {
  console.error(`--pytorch-env: expected same or default, got ${values['pytorch-env']}`);
  process.exit(2);
}
const pytorchEnv = { ...process.env };
if (values['pytorch-env'] === 'default') for (const name of Object.keys(packageEnvironment)) delete pytorchEnv[name];
const { readCorpus } = await import('../dist/data/corpus.js');
const { buildDataset, samplePairs } = await import('../dist/data/dataset.js');
const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
const { Encoder } = await import('../dist/model/encoder.js');
const { Decoder } = await import('../dist/model/decoder.js');
const { trainNotebook } = await import('../dist/train/notebook.js');
const { trainFused } = await import('../dist/train/fused.js');
const { trainBatched } = await import('../dist/train/batched.js');
const { planBatches } = await import('../dist/train/batches.js');
const { exportRunStart, exportBatchPlan } = await import('../dist/io/run-export.js');
const { NOTEBOOK_DEFAULTS } = await import('../dist/model/config.js');

const HIDDEN = 128;
const EMBEDDING = 30;
const LAYERS = 4;
const LR = 0.01;
const device = values.device;
const instances = Number(values.instances);
const batchSize = Number(values['batch-size']);
const epochs = Number(values.epochs);
const threads = Number(values.threads ?? torch.getNumThreads());
torch.setNumThreads(threads);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function python(args) {
  const r = spawnSync(values.python, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: pytorchEnv });
  if (r.status !== 0) throw new Error(`${values.python} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** The machine's float32 matmul rate (GFLOP/s): median of 1024x1024 products. */
function matmulGflops() {
  const n = 1024;
  const a = torch.randn([n, n], { device });
  const b = torch.randn([n, n], { device });
  const times = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const c = a.matmul(b);
    c.sum().item(); // waits for the device
    times.push((performance.now() - t0) / 1000);
    c.dispose();
  }
  return (2 * n ** 3) / median(times.slice(2)) / 1e9;
}

/** Forward + backward FLOPs of one sentence's teacher-forced training step (backward ~ 2x forward). */
function trainingFlops(sourceLength, targetLength, vocab) {
  const lstm = (steps) => steps * (2 * 4 * HIDDEN * (EMBEDDING + HIDDEN) + (LAYERS - 1) * 2 * 4 * HIDDEN * 2 * HIDDEN);
  const forward = lstm(sourceLength) + lstm(targetLength) + targetLength * 2 * HIDDEN * vocab;
  return 3 * forward;
}

async function bench(corpusName, pairs) {
  const data = buildDataset(samplePairs(pairs, instances, 0));
  const n = data.sources.length;
  const targetTokens = data.targets.reduce((s, t) => s + t.length - 1, 0); // words + <eos>
  const flopsPerEpoch = data.sources.reduce(
    (s, src, i) => s + trainingFlops(src.length, data.targets[i].length - 1, data.targetVocab.size),
    0,
  );
  const model = () => {
    torch.manualSeed(0);
    return [
      new Encoder(data.sourceVocab.size, HIDDEN, EMBEDDING, LAYERS).to(device),
      new Decoder(data.targetVocab.size, HIDDEN, EMBEDDING, LAYERS).to(device),
    ];
  };
  const run = mkdtempSync(join(tmpdir(), 'bench-'));
  const [encoder0, decoder0] = model();
  exportRunStart(run, data, encoder0, decoder0, { ...NOTEBOOK_DEFAULTS, epochs: 1, hidden: HIDDEN, lr: LR });
  const rows = [];
  const row = (name, seconds, note) => rows.push({ name, seconds, note });

  if (!values['skip-notebook']) {
    console.error(`[${corpusName}] (a) notebook loop in PyTorch, 1 epoch of ${n} sentences ...`);
    const a = python([
      'scripts/reference/notebook.py',
      run,
      '--device',
      device,
      '--translate',
      '0',
      '--threads',
      String(threads),
    ]);
    row('(a) notebook loop, PyTorch', a.train_seconds, '1 epoch');
    console.error(`[${corpusName}] (b) TypeScript mirror ...`);
    let t0 = performance.now();
    await trainNotebook(...model(), data, { epochs: 1, lr: LR, device });
    row('(b) notebook mirror, TypeScript', (performance.now() - t0) / 1000, '1 epoch');
    console.error(`[${corpusName}] (c) fused step ...`);
    t0 = performance.now();
    await trainFused(...model(), data, { epochs: 1, lr: LR, device });
    row('(c) fused step', (performance.now() - t0) / 1000, '1 epoch');
  }

  const options = { epochs, lr: LR, device, seed: 1, batchSize, teacherForcing: 1, clip: 5, validFraction: 0 };
  console.error(`[${corpusName}] (d) batched, ${epochs} epochs at batch ${batchSize} ...`);
  const d = await trainBatched(...model(), data, options);
  row(`(d) batched (batch ${batchSize})`, median(d.epochs.map((e) => e.seconds)), `median of ${epochs} epochs`);
  const indices = data.sources.map((_, i) => i);
  const plan = Array.from({ length: epochs }, (_, e) =>
    planBatches(data.sources, data.targets, indices, e + 1, options),
  );
  exportBatchPlan(run, { options: { teacherForcing: 1, clip: 5, normalize: 'tokens', scoreSos: false }, epochs: plan });
  console.error(`[${corpusName}] (e) batched in PyTorch, same batches ...`);
  const e = python(['scripts/reference/batched.py', run, '--device', device, '--threads', String(threads)]);
  row(
    `(e) batched in PyTorch (batch ${batchSize})`,
    median(e.epochs.map((x) => x.seconds)),
    `median of ${epochs} epochs`,
  );
  return { corpusName, n, targetTokens, flopsPerEpoch, vocab: [data.sourceVocab.size, data.targetVocab.size], rows };
}

const corpora = [];
const demoPath = join(mkdtempSync(join(tmpdir(), 'bench-demo-')), 'deu-demo.txt');
writeFileSync(demoPath, generateDemoCorpus({ pairs: 5000, seed: 5 }));
corpora.push(['demo corpus', readCorpus(demoPath).pairs]);
if (values.corpus) corpora.push([values.corpus, readCorpus(values.corpus).pairs]);

const gflops = matmulGflops();
const results = [];
for (const [name, pairs] of corpora) {
  const runs = [];
  for (let i = 0; i < Number(values.runs); i++) runs.push(await bench(name, pairs));
  // Each column's median over the runs (the machines this runs on are shared and noisy).
  const merged = runs[0];
  merged.rows = merged.rows.map((row, k) => ({ ...row, seconds: median(runs.map((r) => r.rows[k].seconds)) }));
  merged.runs = runs.length;
  results.push(merged);
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const info = torch.buildInfo();
console.log(
  `\nmachine: ${cpu} x ${cpus().length} cores, ${threads} intra-op threads; libtorch ${info.torchVersion}; device ${device}; ` +
    `matmul (1024^2, float32): ${gflops.toFixed(0)} GFLOP/s; ${info.openblas || 'BLAS: not OpenBLAS'}`,
);
const shown = (env) =>
  ['OMP_WAIT_POLICY', 'OPENBLAS_CORETYPE', 'OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS']
    .map((name) => `${name}=${env[name] ?? '(unset)'}`)
    .join(' ');
console.log(
  `this package: ${shown(process.env)}; PyTorch runs (--pytorch-env ${values['pytorch-env']}): ${shown(pytorchEnv)}`,
);
for (const r of results) {
  console.log(
    `\n${r.corpusName}: ${r.n} sampled pairs, vocabularies ${r.vocab[0]} / ${r.vocab[1]}, ${r.targetTokens} target tokens per epoch; ` +
      `hidden ${HIDDEN}, embedding ${EMBEDDING}, ${LAYERS} layers; median of ${r.runs} run(s)`,
  );
  const base = r.rows.find((x) => x.name.startsWith('(a)'));
  const header = ['', 'sentences/s', 'target tokens/s', 'vs (a)', 'vs (e)', ''];
  const e = r.rows.find((x) => x.name.startsWith('(e)'));
  const table = r.rows.map((x) => [
    x.name,
    (r.n / x.seconds).toFixed(1),
    (r.targetTokens / x.seconds).toFixed(0),
    base ? `${(base.seconds / x.seconds).toFixed(2)}x` : '-',
    e ? `${(e.seconds / x.seconds).toFixed(2)}x` : '-',
    x.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const t of table) console.log(line(t));
  const d = r.rows.find((x) => x.name.startsWith('(d)'));
  const achieved = r.flopsPerEpoch / d.seconds / 1e9;
  console.log(
    `(d) reaches ${achieved.toFixed(1)} GFLOP/s of model arithmetic (forward + backward, teacher-forced), ` +
      `${((100 * achieved) / gflops).toFixed(1)}% of the matmul rate`,
  );
  r.achievedGflops = achieved;
}
if (values.json) writeFileSync(values.json, JSON.stringify({ cpu, threads, device, gflops, results }, null, 2));
