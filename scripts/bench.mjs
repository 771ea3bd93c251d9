// `npm run bench`: training speed of the same model on the same corpus sample, from one run, side by side:
//   (a) the notebook's loop in PyTorch (scripts/reference/notebook.py, Debian's python3-torch)
//   (b) the TypeScript mirror of that loop            (c) the fused per-sentence step
//   (d) batched training (this project)
//   (e) the same batched training in Debian's PyTorch 1.13 and (f) in pip's PyTorch 2.x where a wheel is on the
//       machine (scripts/reference/batched.py on the same batches from the same initial weights: the notebook's
//       model, or scripts/reference/attention_model.py's with attention; see scripts/pip-torch.mjs for the venv)
// plus the machine's matmul rate and the share of it that (d) reaches, and the whole process: `seq2seq train` in a
// fresh process against the PyTorch script in a fresh process, start-up, training, checkpoints and plot apart
// (scripts/bench-process.mjs says what each side includes). A benchmark, not a test: run it on an otherwise idle
// machine and read the medians.
// With bf16 in --precision (the default fp32,bf16) each configuration also runs in mixed precision, side by side with
// the float32 rows: (d-bf16) this package's batched training with precision bf16, and (e-bf16), (f-bf16) the same
// batches in PyTorch with the forward under torch.autocast('cpu', dtype=torch.bfloat16) as a PyTorch user writes it
// (nn.LSTM left as it is: torch 1.13 runs it in float32 there, torch 2.x in bf16 through oneDNN; batched.py
// --autocast-plain), and their whole processes (`seq2seq train --precision bf16`). On a CPU without AVX-512 BF16 or
// AMX (torch.buildInfo().cpuBf16 'none') the bf16 rows are left out and the output says why.
//   npm run bench -- [--corpora demo,real] [--corpus FILE] [--instances 2000] [--batch-size N] [--epochs 3]
//     [--hidden N] [--embedding N] [--layers N] [--attention none|luong-general|...] [--threads N]
//     [--device cpu|cuda] [--skip-notebook] [--skip-process] [--no-pip] [--runs N] [--json FILE]
//     [--python /usr/bin/python3] [--pytorch-env same|default] [--precision fp32,bf16|fp32]
// Without size flags: the demo corpus at the notebook's size (hidden 128, embedding 30, 4 layers, batch 256), and a
// real vocabulary (--corpus, default the message-catalog corpus runs/catalogs-de.txt, made when missing) at the
// notebook's size and at hidden 512, embedding 256, 2 layers, each without and with luong-general attention (batch
// 64). Size flags run that one size on each corpus of --corpora. The notebook loops (a)-(c) run at the notebook's
// size without attention only. Adam 0.01 at the notebook's size, 0.001 otherwise; clip 5, teacher forcing.
// The PyTorch runs get the environment this package sets for itself before libtorch loads (OMP_WAIT_POLICY,
// OPENBLAS_CORETYPE: see src/torch/process-tuning.ts), so both sides run the same BLAS kernels and thread policy;
// `--pytorch-env default` runs them with PyTorch's own defaults instead, as a user of the notebook would. Every
// side gets the same threads (intra-op, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS).
//   npm run bench -- --distributed [--workers 2] ...: 1 vs N data-parallel workers (bench-distributed.mjs)
//   npm run bench -- --decode [--sentences 2000] ...: greedy and beam decoding vs PyTorch (bench-decode.mjs)
//   npm run bench -- --serve [--connections 1,16,64] ...: the translation server under load (bench-serve.mjs)
//   npm run bench -- --checkpoint [--vocab 8000] ...: the per-epoch checkpoint write vs torch.save (bench-checkpoint.mjs)
//   npm run bench -- --output-loss [--sizes 512x8000] ...: the fused output layer + loss vs ATen's ops (bench-output-loss.mjs)
// With --runs N the whole comparison runs N times and each figure is the median.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileCosts, nodeStartup, pythonStartup, runCli, runPythonScript } from './bench-process.mjs';
import { autocastLstmDtype, pipTorchPython, torchBlas, torchVersion, withThreads } from './pip-torch.mjs';

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
// `--checkpoint`: the checkpoint write against PyTorch's torch.save (scripts/bench-checkpoint.mjs).
if (process.argv.includes('--checkpoint')) {
  await import('./bench-checkpoint.mjs');
  process.exit(0);
}
// `--output-loss`: the training jobs' fused output layer and loss vs ATen's ops (scripts/bench-output-loss.mjs).
if (process.argv.includes('--output-loss')) {
  await import('./bench-output-loss.mjs');
  process.exit(0);
}
// `--distributed`: 1 worker vs N workers instead (scripts/bench-distributed.mjs).
if (process.argv.includes('--distributed')) {
  await import('./bench-distributed.mjs');
  process.exit(0);
}

const NOTEBOOK_SIZE = { hidden: 128, embedding: 30, layers: 4, attention: 'none' };
const LARGE_SIZE = { hidden: 512, embedding: 256, layers: 2, attention: 'none' };
const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    corpora: { type: 'string', default: 'demo,real' },
    instances: { type: 'string', default: '2000' },
    'batch-size': { type: 'string' },
    epochs: { type: 'string', default: '3' },
    hidden: { type: 'string' },
    embedding: { type: 'string' },
    layers: { type: 'string' },
    attention: { type: 'string' },
    threads: { type: 'string' },
    device: { type: 'string', default: 'cpu' },
    'skip-notebook': { type: 'boolean', default: false },
    'skip-process': { type: 'boolean', default: false },
    'no-pip': { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    json: { type: 'string' },
    python: { type: 'string', default: process.env.SEQ2SEQ_PYTHON ?? '/usr/bin/python3' },
    'pytorch-env': { type: 'string', default: 'same' },
    precision: { type: 'string', default: 'fp32,bf16' },
  },
});
const fail = (message) => {
  console.error(`bench: ${message}`);
  process.exit(2);
};
if (!['same', 'default'].includes(values['pytorch-env'])) {
  fail(`--pytorch-env: expected same or default, got ${values['pytorch-env']}`);
}
// The bf16 rows are read against the float32 ones: fp32 always runs.
const precisions = [...new Set(values.precision.split(','))];
if (!precisions.includes('fp32') || !precisions.every((p) => ['fp32', 'bf16'].includes(p))) {
  fail(`--precision: fp32 or fp32,bf16 (bf16 is read against fp32), got ${values.precision}`);
}
const positive = (name, fallback) => {
  const text = values[name] ?? fallback;
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name}: expected a positive integer, got ${text}`);
  return n;
};
// Every side's thread settings, set here before libtorch loads in this process (what the children get too).
const threads = positive(
  'threads',
  process.env.SEQ2SEQ_NUM_THREADS ?? process.env.OMP_NUM_THREADS ?? String(availableParallelism()),
);
Object.assign(process.env, withThreads({}, threads));
const torch = await import('../dist/torch/index.js');
const { packageEnvironment } = await import('../dist/torch/process-tuning.js');
const { ATTENTION_KINDS } = await import('../dist/model/attention.js');
const pytorchEnv = { ...process.env };
if (values['pytorch-env'] === 'default') for (const name of Object.keys(packageEnvironment)) delete pytorchEnv[name];
const { readCorpus } = await import('../dist/data/corpus.js');
const { buildDataset, dropLongPairs, samplePairs } = await import('../dist/data/dataset.js');
const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
const { buildModel, fullSizes } = await import('../dist/model/architecture.js');
const { trainNotebook } = await import('../dist/train/notebook.js');
const { trainFused } = await import('../dist/train/fused.js');
const { trainBatched } = await import('../dist/train/batched.js');
const { planBatches } = await import('../dist/train/batches.js');
const { exportRunStart, exportBatchPlan } = await import('../dist/io/run-export.js');
const { NOTEBOOK_DEFAULTS } = await import('../dist/model/config.js');
const info = torch.buildInfo();

const device = values.device;
const instances = positive('instances');
const epochs = positive('epochs');
const runs = positive('runs');
// bf16 trains natively on CUDA or on a CPU with AVX-512 BF16 or AMX (src/train/precision.ts refuses it elsewhere).
const bf16Skipped =
  precisions.includes('bf16') && device.startsWith('cpu') && info.cpuBf16 === 'none'
    ? 'this CPU has neither AVX-512 BF16 nor AMX (torch.buildInfo().cpuBf16 is none; see `seq2seq doctor`): ' +
      'bf16 would be emulated, and --precision bf16 is refused'
    : undefined;
const bf16 = precisions.includes('bf16') && !bf16Skipped;
if (bf16Skipped) console.error(`bench: bf16 rows left out: ${bf16Skipped}`);
if (values.attention !== undefined && !ATTENTION_KINDS.includes(values.attention)) {
  fail(`--attention: one of ${ATTENTION_KINDS.join(', ')}, got ${values.attention}`);
}
const corpora = values.corpora.split(',');
for (const c of corpora) if (!['demo', 'real'].includes(c)) fail(`--corpora: demo and/or real, got ${c}`);
const SEED = 0; // the pairs, the initial weights and the batches: what `seq2seq train --seed 0` draws
const MAX_LENGTH = 100; // `seq2seq train`'s default --max-length: longer pairs are dropped before sampling
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const sameSize = (a, b) => a.hidden === b.hidden && a.embedding === b.embedding && a.layers === b.layers;

/** The configurations to run: the flags' one size, else today's demo row and the real-vocabulary rows. */
function configurations() {
  const given = ['hidden', 'embedding', 'layers', 'attention'].some((name) => values[name] !== undefined);
  const one = {
    hidden: positive('hidden', '128'),
    embedding: positive('embedding', '30'),
    layers: positive('layers', '4'),
    attention: values.attention ?? 'none',
  };
  const list = [];
  if (corpora.includes('demo')) list.push({ corpus: 'demo', sizes: given ? one : NOTEBOOK_SIZE, batchSize: 256 });
  if (corpora.includes('real')) {
    const sizes = given ? [one] : [NOTEBOOK_SIZE, LARGE_SIZE].flatMap((s) => [s, { ...s, attention: 'luong-general' }]);
    for (const s of sizes) list.push({ corpus: 'real', sizes: s, batchSize: 64 });
  }
  const batchSize = positive('batch-size');
  return list.map((c) => ({
    ...c,
    batchSize: batchSize ?? c.batchSize,
    // The notebook's rate at its size; Adam's usual 0.001 for larger models.
    lr: sameSize(c.sizes, NOTEBOOK_SIZE) ? 0.01 : 0.001,
    // The notebook loops train the notebook's model only, and are slow: at its size, without attention.
    notebook: !values['skip-notebook'] && sameSize(c.sizes, NOTEBOOK_SIZE) && c.sizes.attention === 'none',
  }));
}

function python(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: withThreads(pytorchEnv, threads) });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stderr}`);
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

/**
 * Forward + backward FLOPs of one sentence's teacher-forced training step (backward ~ 2x forward): the LSTMs, the
 * output layer, and with attention its products (Luong: scores, context and the attentional layer; general: W on
 * the encoder's outputs; Bahdanau: its query and key layers; concat counted as general).
 */
function trainingFlops(sizes, sourceLength, targetLength, vocab) {
  const { hidden: H, embedding: E, layers: L, attention, inputFeed } = fullSizes(sizes);
  const lstm = (steps, input) => steps * (2 * 4 * H * (input + H) + (L - 1) * 2 * 4 * H * 2 * H);
  const wide = attention === 'bahdanau' || inputFeed;
  let forward = lstm(sourceLength, E) + lstm(targetLength, E + (wide ? H : 0));
  forward += targetLength * 2 * (attention === 'bahdanau' ? 2 * H : H) * vocab;
  if (attention !== 'none') {
    forward += targetLength * sourceLength * 2 * H * 2; // scores and context
    if (attention === 'bahdanau') forward += sourceLength * 2 * H * H + targetLength * 2 * H * H;
    else {
      forward += targetLength * 2 * 2 * H * H; // the attentional layer W_c [c; h]
      if (attention !== 'luong-dot') forward += sourceLength * 2 * H * H;
    }
  }
  return 3 * forward;
}

const demoPath = join(mkdtempSync(join(tmpdir(), 'bench-demo-')), 'deu-demo.txt');
const corpusFiles = {};
if (corpora.includes('demo')) {
  writeFileSync(demoPath, generateDemoCorpus({ pairs: 5000, seed: 5 }));
  corpusFiles.demo = { name: 'demo corpus', path: demoPath };
}
if (corpora.includes('real')) {
  // Made from the machine's message catalogs when missing, as the quality tables on real text make it.
  const path = values.corpus ?? (await import('./quality-real-text.mjs')).realCorpus();
  corpusFiles.real = { name: values.corpus ? path : 'message-catalog corpus (runs/catalogs-de.txt)', path };
}
const corpusPairs = {};
function pairsOf(corpus) {
  if (!corpusPairs[corpus]) {
    const { pairs, report } = readCorpus(corpusFiles[corpus].path);
    corpusPairs[corpus] = dropLongPairs(pairs, MAX_LENGTH, { ...report });
  }
  return corpusPairs[corpus];
}

const pythons = [{ label: 'Debian', python: values.python }];
const pip = values['no-pip'] ? undefined : pipTorchPython();
if (pip) pythons.push({ label: 'pip', python: pip });
for (const p of pythons) {
  p.version = torchVersion(p.python);
  p.blas = torchBlas(p.python);
  // What autocast does with nn.LSTM in that torch (the largest share of the model's products).
  if (bf16) p.autocastLstm = autocastLstmDtype(p.python, device);
}
const letters = ['e', 'f', 'g'];
pythons.forEach((p, i) => (p.letter = letters[i]));

/** One run of one configuration: every side's training-only and whole-process figures. */
async function bench(config) {
  const { sizes, batchSize, lr } = config;
  const tag = `[${config.corpus}, hidden ${sizes.hidden}, ${sizes.attention}]`;
  const data = buildDataset(samplePairs(pairsOf(config.corpus), instances, SEED));
  const n = data.sources.length;
  const targetTokens = sum(data.targets.map((t) => t.length - 1)); // words + <eos>
  const flopsPerEpoch = sum(
    data.sources.map((src, i) => trainingFlops(sizes, src.length, data.targets[i].length - 1, data.targetVocab.size)),
  );
  const model = () => {
    torch.manualSeed(SEED);
    const { encoder, decoder } = buildModel(data.sourceVocab.size, data.targetVocab.size, sizes);
    return [encoder.to(device), decoder.to(device)];
  };
  const run = mkdtempSync(join(tmpdir(), 'bench-'));
  const [encoder0, decoder0] = model();
  exportRunStart(run, data, encoder0, decoder0, { ...NOTEBOOK_DEFAULTS, ...sizes, epochs: 1, lr });
  const rows = [];
  const row = (key, name, seconds, note, precision = 'fp32') => rows.push({ key, name, seconds, note, precision });
  const debian = pythons[0];

  if (config.notebook) {
    console.error(`${tag} (a) notebook loop in PyTorch, 1 epoch of ${n} sentences ...`);
    const args = ['scripts/reference/notebook.py', run, '--device', device, '--translate', '0'];
    const a = python(debian.python, [...args, '--threads', String(threads)]);
    row('a', `(a) notebook loop, PyTorch ${debian.version}`, a.train_seconds, '1 epoch');
    console.error(`${tag} (b) TypeScript mirror ...`);
    let t0 = performance.now();
    await trainNotebook(...model(), data, { epochs: 1, lr, device });
    row('b', '(b) notebook mirror, TypeScript', (performance.now() - t0) / 1000, '1 epoch');
    console.error(`${tag} (c) fused step ...`);
    t0 = performance.now();
    await trainFused(...model(), data, { epochs: 1, lr, device });
    row('c', '(c) fused step', (performance.now() - t0) / 1000, '1 epoch');
  }

  const options = { epochs, lr, device, seed: SEED, batchSize, teacherForcing: 1, clip: 5, validFraction: 0 };
  console.error(`${tag} (d) batched, ${epochs} epochs at batch ${batchSize} ...`);
  const [encoder, decoder] = model();
  const optimizers = {
    encoder: new torch.optim.Adam(encoder.parameters(), { lr }),
    decoder: new torch.optim.Adam(decoder.parameters(), { lr }),
  };
  const d = await trainBatched(encoder, decoder, data, { ...options, optimizers });
  const note = epochs === 1 ? '1 epoch' : `median of ${epochs} epochs`;
  row('d', `(d) batched, this package (batch ${batchSize})`, median(d.epochs.map((e) => e.seconds)), note);
  let dBf16;
  if (bf16) {
    console.error(`${tag} (d-bf16) batched, --precision bf16 ...`);
    dBf16 = await trainBatched(...model(), data, { ...options, precision: 'bf16' });
    const seconds = median(dBf16.epochs.map((e) => e.seconds));
    row('d-bf16', `(d-bf16) batched, this package, bf16 (batch ${batchSize})`, seconds, note, 'bf16');
  }
  const indices = data.sources.map((_, i) => i);
  const plan = Array.from({ length: epochs }, (_, e) =>
    planBatches(data.sources, data.targets, indices, e + 1, options),
  );
  exportBatchPlan(run, { options: { teacherForcing: 1, clip: 5, normalize: 'tokens', scoreSos: false }, epochs: plan });

  const processes = [];
  const processEnv = withThreads(process.env, threads);
  let files;
  if (!values['skip-process']) {
    console.error(`${tag} whole process: seq2seq train ...`);
    const cliOptions = {
      corpus: corpusFiles[config.corpus].path,
      instances,
      sizes,
      epochs,
      batchSize,
      lr,
      threads,
      device,
    };
    const cli = runCli(cliOptions, processEnv);
    files = await fileCosts({
      model: {
        sizes: fullSizes(sizes),
        sourceVocab: data.sourceVocab,
        targetVocab: data.targetVocab,
        encoder,
        decoder,
      },
      optimizers,
      options: { ...sizes, epochs, lr, batchSize },
      epochs,
      losses: d.epochs.map((e) => e.trainLoss),
      updatesPerEpoch: plan[0].length,
      lr,
    });
    const startup = nodeStartup(processEnv);
    processes.push({
      key: 'ours',
      name: 'seq2seq train (CLI)',
      wall: cli.wall,
      startup,
      training: sum(cli.epochSeconds),
      checkpoints: files.checkpoints,
      plots: files.plots,
      // The CLI trains (d)'s pairs, weights and batches: its first epoch's loss is (d)'s, up to rounding.
      sameAsD: Math.abs(cli.losses[0] - d.epochs[0].trainLoss) <= 1e-4 * Math.abs(d.epochs[0].trainLoss),
      firstLoss: cli.losses[0],
      precision: 'fp32',
    });
    if (bf16) {
      console.error(`${tag} whole process: seq2seq train --precision bf16 ...`);
      const cliBf16 = runCli({ ...cliOptions, precision: 'bf16' }, processEnv);
      const first = dBf16.epochs[0].trainLoss;
      processes.push({
        key: 'ours-bf16',
        name: 'seq2seq train --precision bf16',
        wall: cliBf16.wall,
        startup: processes[0].startup,
        training: sum(cliBf16.epochSeconds),
        // The same model and optimizers' state in float32: the checkpoints and plots cost what fp32's do.
        checkpoints: files.checkpoints,
        plots: files.plots,
        sameAsD: Math.abs(cliBf16.losses[0] - first) <= 1e-4 * Math.abs(first),
        firstLoss: cliBf16.losses[0],
        dFirstLoss: first,
        precision: 'bf16',
      });
    }
  }
  for (const precision of bf16 ? ['fp32', 'bf16'] : ['fp32']) {
    for (const p of pythons) {
      const key = precision === 'fp32' ? p.letter : `${p.letter}-bf16`;
      const how = precision === 'fp32' ? '' : `, autocast bf16 (nn.LSTM ${p.autocastLstm})`;
      console.error(`${tag} (${key}) batched in PyTorch ${p.version}${how}, same batches, whole process ...`);
      const pyEnv = withThreads(pytorchEnv, threads);
      const r = runPythonScript(p.python, run, { threads, device, precision }, pyEnv);
      const name = `(${key}) batched, PyTorch ${p.version}${precision === 'fp32' ? '' : ', autocast bf16'}`;
      row(key, `${name} (batch ${batchSize})`, median(r.epochSeconds), note, precision);
      if (!values['skip-process']) {
        const startup = processes.find((x) => x.key === p.letter)?.startup ?? pythonStartup(p.python, pyEnv);
        processes.push({
          key,
          name: `PyTorch ${p.version} script${precision === 'fp32' ? '' : ', autocast bf16'}`,
          wall: r.wall,
          startup,
          training: sum(r.epochSeconds),
          checkpoints: r.saveSeconds,
          plots: undefined,
          firstLoss: r.losses[0],
          precision,
        });
      }
    }
  }
  rmSync(run, { recursive: true, force: true });
  // Float32 first, then bf16 (each side in the order it ran).
  const order = ['fp32', 'bf16'];
  const byPrecision = (a, b) => order.indexOf(a.precision) - order.indexOf(b.precision);
  rows.sort(byPrecision);
  processes.sort(byPrecision);
  return {
    ...config,
    corpusName: corpusFiles[config.corpus].name,
    n,
    targetTokens,
    flopsPerEpoch,
    vocab: [data.sourceVocab.size, data.targetVocab.size],
    dFirstLoss: d.epochs[0].trainLoss,
    rows,
    processes,
  };
}

/** Each figure's median over the runs (the machines this runs on are shared and noisy). */
function merge(results) {
  const merged = results[0];
  const mid = (pick) => median(results.map(pick));
  merged.rows = merged.rows.map((r, k) => ({ ...r, seconds: mid((x) => x.rows[k].seconds) }));
  merged.processes = merged.processes.map((p, k) => {
    const m = { ...p };
    for (const field of ['wall', 'startup', 'training', 'checkpoints', 'plots']) {
      if (p[field] !== undefined) m[field] = mid((x) => x.processes[k][field]);
    }
    return m;
  });
  merged.runs = results.length;
  return merged;
}

const gflops = matmulGflops();
const results = [];
for (const config of configurations()) {
  const repeats = [];
  for (let i = 0; i < runs; i++) repeats.push(await bench(config));
  results.push(merge(repeats));
}

const fmt = (x, digits = 1) =>
  x === undefined ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
function table(header, cells) {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((t) => t[i].length)));
  const line = (cs) => `| ${cs.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const t of cells) console.log(line(t));
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
/** The CPU features that decide the kernels (AVX2, AVX-512, its BF16, AMX tiles), as /proc/cpuinfo lists them. */
function cpuFeatures() {
  try {
    const flags = new Set(/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/));
    const shown = ['avx2', 'fma', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_int8'].filter((f) => flags.has(f));
    return shown.length > 0 ? shown.join(' ') : 'none of avx2, avx512f, amx';
  } catch {
    return 'unknown';
  }
}
console.log(
  `\nmachine: ${cpu} x ${cpus().length} cores (${cpuFeatures()}); ${threads} threads on every side (intra-op, OMP_NUM_THREADS, ` +
    `OPENBLAS_NUM_THREADS); device ${device}; matmul (1024^2, float32): ${gflops.toFixed(0)} GFLOP/s`,
);
console.log(
  `this package: libtorch ${info.torchVersion}, ${info.openblas || 'BLAS: not OpenBLAS'}; PyTorch: ` +
    pythons.map((p) => `${p.version}, BLAS_INFO=${p.blas} (${p.python})`).join(', '),
);
if (bf16) {
  console.log(
    "bf16 rows: this package's batched training with precision bf16 (the forward's products in bf16, float32 " +
      `weights, optimizer and loss; CPU bf16: ${info.cpuBf16}); PyTorch's with the forward under torch.autocast(` +
      `'${device.startsWith('cpu') ? 'cpu' : 'cuda'}', dtype=torch.bfloat16), nn.LSTM as that torch runs it there (` +
      pythons.map((p) => `${p.version}: ${p.autocastLstm}`).join(', ') +
      '), the logits widened to float32 before the log-softmax; the notebook loops (a)-(c) run in float32 only.',
  );
} else if (bf16Skipped) {
  console.log(`bf16 rows left out: ${bf16Skipped}.`);
}
const shown = (env) =>
  ['OMP_WAIT_POLICY', 'OPENBLAS_CORETYPE'].map((name) => `${name}=${env[name] ?? '(unset)'}`).join(' ');
console.log(
  `this package: ${shown(process.env)}; PyTorch runs (--pytorch-env ${values['pytorch-env']}): ${shown(pytorchEnv)}`,
);
console.log(
  `(a)-(c), the notebook's per-sentence loops, run at the notebook's size without attention only (they are slow); ` +
    `(a) on Debian's PyTorch.`,
);
const describe = (s) =>
  `hidden ${s.hidden}, embedding ${s.embedding}, ${s.layers} layer${s.layers === 1 ? '' : 's'}, ` +
  (s.attention === 'none' ? 'no attention' : `${s.attention} attention`);
const summary = [];
for (const r of results) {
  console.log(
    `\n${r.corpusName}: ${r.n} sampled pairs, vocabularies ${r.vocab[0]} / ${r.vocab[1]}, ${r.targetTokens} target ` +
      `tokens per epoch; ${describe(r.sizes)}; batch ${r.batchSize}, Adam ${r.lr}, clip 5, teacher forcing; ` +
      `median of ${r.runs} run(s)`,
  );
  if (r.corpus === 'real' && r.vocab[1] < 2000) {
    console.log(`note: only ${r.vocab[1]} target words (a real vocabulary needs 2,000 or more): raise --instances`);
  }
  // With bf16 rows: (d) too, each bf16 row against this package's float32 (and PyTorch's bf16 rows against theirs).
  const letters = pythons.map((p) => p.letter);
  const refKeys = ['a', ...(bf16 ? ['d'] : []), ...letters, ...(bf16 ? letters.map((l) => `${l}-bf16`) : [])];
  const refs = refKeys.map((k) => r.rows.find((x) => x.key === k)).filter((x) => x !== undefined);
  console.log('training only:');
  table(
    ['', 'epoch s', 'sentences/s', 'target tokens/s', ...refs.map((x) => `vs (${x.key})`), ''],
    r.rows.map((x) => [
      x.name,
      fmt(x.seconds, 2),
      fmt(r.n / x.seconds),
      fmt(r.targetTokens / x.seconds, 0),
      ...refs.map((ref) => `${(ref.seconds / x.seconds).toFixed(2)}x`),
      x.note,
    ]),
  );
  const d = r.rows.find((x) => x.key === 'd');
  const achieved = r.flopsPerEpoch / d.seconds / 1e9;
  r.achievedGflops = achieved;
  console.log(
    `(d) reaches ${achieved.toFixed(1)} GFLOP/s of model arithmetic (forward + backward, teacher-forced), ` +
      `${((100 * achieved) / gflops).toFixed(1)}% of the matmul rate`,
  );
  const dBf16 = r.rows.find((x) => x.key === 'd-bf16');
  if (dBf16) {
    r.achievedGflopsBf16 = r.flopsPerEpoch / dBf16.seconds / 1e9;
    console.log(
      `(d-bf16) reaches ${r.achievedGflopsBf16.toFixed(1)} GFLOP/s, ` +
        `${((100 * r.achievedGflopsBf16) / gflops).toFixed(1)}% of the float32 matmul rate`,
    );
  }
  if (r.processes.length > 0) {
    console.log(
      `whole process, ${epochs} epoch${epochs === 1 ? '' : 's'} in a fresh process (seconds; sentences/s = ${epochs} x ${r.n} / wall; ` +
        'the rest: reading data, vocabularies, model and set-up):',
    );
    const others = r.processes.filter((p) => !p.key.startsWith('ours'));
    table(
      [
        '',
        'wall s',
        'sentences/s',
        'start-up',
        'training',
        'checkpoints',
        'plot',
        'rest',
        ...others.map((p) => `vs ${p.name.replace(' script', '').replace(', autocast', '')}`),
      ],
      r.processes.map((p) => [
        p.name,
        fmt(p.wall, 2),
        fmt((epochs * r.n) / p.wall),
        fmt(p.startup, 2),
        fmt(p.training, 2),
        fmt(p.checkpoints, 2),
        fmt(p.plots, 2),
        fmt(p.wall - p.startup - p.training - p.checkpoints - (p.plots ?? 0), 2),
        ...others.map((o) => `${(o.wall / p.wall).toFixed(2)}x`),
      ]),
    );
    for (const ours of r.processes.filter((p) => p.key.startsWith('ours') && !p.sameAsD)) {
      const [d, dLoss] = ours.key === 'ours' ? ['(d)', r.dFirstLoss] : ['(d-bf16)', ours.dFirstLoss];
      console.log(
        `warning: ${ours.name}: first-epoch loss ${ours.firstLoss} differs from ${d}'s ${dLoss}: not the same training`,
      );
    }
  }
  for (const p of pythons) {
    const e = r.rows.find((x) => x.key === p.letter);
    const whole = r.processes.find((x) => x.key === p.letter);
    const ours = r.processes.find((x) => x.key === 'ours');
    summary.push(
      `${r.corpus}, ${describe(r.sizes)}: ours vs PyTorch ${p.version}: training ${(e.seconds / d.seconds).toFixed(2)}x` +
        (whole && ours ? `, whole process ${(whole.wall / ours.wall).toFixed(2)}x` : ''),
    );
  }
  for (const p of bf16 ? pythons : []) {
    const e = r.rows.find((x) => x.key === p.letter);
    const eBf16 = r.rows.find((x) => x.key === `${p.letter}-bf16`);
    const whole = r.processes.find((x) => x.key === `${p.letter}-bf16`);
    const ours = r.processes.find((x) => x.key === 'ours-bf16');
    summary.push(
      `${r.corpus}, ${describe(r.sizes)}: bf16, ours vs PyTorch ${p.version} autocast: training ` +
        `${(eBf16.seconds / dBf16.seconds).toFixed(2)}x` +
        (whole && ours ? `, whole process ${(whole.wall / ours.wall).toFixed(2)}x` : '') +
        `; bf16 over fp32: ours ${(d.seconds / dBf16.seconds).toFixed(2)}x, PyTorch ${p.version} ` +
        `${(e.seconds / eBf16.seconds).toFixed(2)}x`,
    );
  }
}
console.log(`\nsummary (speed of ours over each PyTorch; above 1x: ours is faster):\n${summary.join('\n')}`);
console.log(
  "\nThe PyTorch script's whole process: python start, import torch, reading the pairs already as word indices " +
    '(data.json), models, initial weights, training, torch.save of both models and optimizers after each epoch; no ' +
    "plot. seq2seq train's: node start, addon and libtorch, reading and sampling the corpus text, vocabularies, " +
    'model, training, after each epoch the checkpoint, loss.json, metrics.jsonl and loss.png.',
);
if (values.json) {
  const machine = { cpu, cores: cpus().length, features: cpuFeatures(), threads, device, gflops };
  machine.cpuBf16 = info.cpuBf16;
  const pytorch = pythons.map(({ python: path, version, blas, autocastLstm }) => ({
    path,
    version,
    blas,
    autocastLstm,
  }));
  machine.libtorch = info.torchVersion;
  const precision = { run: bf16 ? ['fp32', 'bf16'] : ['fp32'], bf16Skipped };
  writeFileSync(values.json, JSON.stringify({ machine, pytorch, epochs, instances, precision, results }, null, 2));
}
