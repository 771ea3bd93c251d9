// The whole-process side of `npm run bench` (scripts/bench.mjs): `seq2seq train` in a fresh process against a
// PyTorch training script in a fresh process, each timed end to end, with what the time went to.
//   ours: `node dist/cli/main.js train` (node start, the addon and libtorch, reading and sampling the corpus text,
//     vocabularies, the model, training, after each epoch the checkpoint, loss.json, metrics.jsonl and loss.png);
//     training is the CLI's own epoch seconds (loss.json), start-up a fresh node importing what the CLI imports, and
//     the checkpoint and plot costs the same library calls timed in the benchmark's process.
//   PyTorch: `python scripts/reference/batched.py --checkpoints DIR` (python start, import torch, reading the
//     exported pairs already as word indices (data.json), the models, the initial weights (init.pt), training,
//     after each epoch torch.save of both models and both optimizers; no plot); training and saving are its own
//     timings, start-up a fresh `python -c "import torch"`.
// Whatever is left of either wall clock (data and set-up) is shown as the rest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
/** Start-up is short beside the other figures and noisy: the median of 3 fresh processes. */
const medianOf3 = (measure) => median([measure(), measure(), measure()]);

function timed(command, args, env) {
  const start = performance.now();
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, env, cwd: root });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout}`);
  return { seconds, stdout: r.stdout };
}

/** Seconds (median of 3) for a fresh node to load what `seq2seq train` loads (the CLI, the training code, the addon, libtorch). */
export function nodeStartup(env) {
  // The train command's module and the library it imports (main.js would parse this process's argv).
  const modules = ['dist/cli/train.js', 'dist/train/run.js'].map((m) => JSON.stringify(join(root, m)));
  const script = modules.map((m) => `await import(${m});`).join(' ');
  return medianOf3(() => timed(process.execPath, ['--input-type=module', '-e', script], env).seconds);
}

/** Seconds (median of 3) for a fresh python to import torch. */
export function pythonStartup(python, env) {
  return medianOf3(() => timed(python, ['-c', 'import torch, torch.nn.functional'], env).seconds);
}

/**
 * `seq2seq train` in a fresh process, as the benchmark's training (d) ran: the same pairs (`--instances` drawn with
 * `--seed 0`, pairs over 100 tokens dropped), initial weights and batches, in `precision` (fp32 or bf16). Returns
 * its wall clock, its epochs' training seconds and losses (loss.json).
 */
export function runCli({ corpus, instances, sizes, epochs, batchSize, lr, threads, device, precision = 'fp32' }, env) {
  const out = join(mkdtempSync(join(tmpdir(), 'bench-cli-')), 'run');
  const args = [
    join(root, 'dist', 'cli', 'main.js'),
    'train',
    ...['--corpus', corpus, '--out', out, '--instances', String(instances), '--seed', '0'],
    ...['--epochs', String(epochs), '--batch-size', String(batchSize), '--lr', String(lr)],
    ...['--hidden', String(sizes.hidden), '--embedding', String(sizes.embedding), '--layers', String(sizes.layers)],
    ...['--attention', sizes.attention, '--teacher-forcing', '1', '--clip', '5', '--valid-fraction', '0'],
    ...['--max-length', '100', '--samples', '0', '--threads', String(threads), '--device', device],
    ...['--precision', precision],
  ];
  try {
    const { seconds } = timed(process.execPath, args, env);
    const loss = JSON.parse(readFileSync(join(out, 'loss.json'), 'utf8'));
    return { wall: seconds, epochSeconds: loss.seconds, losses: loss.train_loss };
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

/**
 * batched.py over the exported run with a checkpoint per epoch, in a fresh process: wall clock and its timings. With
 * `precision` bf16 the forward runs under torch.autocast(bfloat16) as a PyTorch user writes it (--autocast-plain).
 */
export function runPythonScript(python, run, { threads, device, precision = 'fp32' }, env) {
  const checkpoints = mkdtempSync(join(tmpdir(), 'bench-py-'));
  try {
    const args = ['scripts/reference/batched.py', run, '--device', device, '--threads', String(threads)];
    if (precision === 'bf16') args.push('--autocast-plain');
    const { seconds, stdout } = timed(python, [...args, '--checkpoints', checkpoints], env);
    const result = JSON.parse(stdout);
    return {
      wall: seconds,
      epochSeconds: result.epochs.map((e) => e.seconds),
      saveSeconds: sum(result.epochs.map((e) => e.save_seconds)),
      losses: result.epochs.map((e) => sum(e.losses) / sum(e.tokens)),
    };
  } finally {
    rmSync(checkpoints, { recursive: true, force: true });
  }
}

/**
 * What `seq2seq train` spends after each of `epochs` epochs on files, timed here with the same library calls on
 * the trained model and optimizers: the checkpoint (writeCheckpoint: model, vocabularies, both optimizers' state,
 * trainer.json, links) and the loss plot (writeLossPlot, the training loss and the learning rate per 100 updates).
 */
export async function fileCosts({ model, optimizers, options, epochs, losses, updatesPerEpoch, lr }) {
  const { writeCheckpoint, newTrainerState } = await import('../dist/io/checkpoint.js');
  const { writeLossPlot } = await import('../dist/plot/loss-plot.js');
  const dir = mkdtempSync(join(tmpdir(), 'bench-files-'));
  try {
    const trainer = newTrainerState(options, 0);
    let checkpoints = 0;
    let plots = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      trainer.epoch = epoch;
      trainer.history.push({ epoch, train_loss: losses[epoch - 1], seconds: 1 });
      let start = performance.now();
      writeCheckpoint(dir, model, optimizers, trainer, true, 0);
      checkpoints += (performance.now() - start) / 1000;
      const rates = [];
      for (let step = 100; step <= epoch * updatesPerEpoch; step += 100) rates.push({ step, lr });
      rates.push({ step: epoch * updatesPerEpoch, lr });
      start = performance.now();
      const series = [{ values: losses.slice(0, epoch), label: 'training loss per token', color: 'red' }];
      await writeLossPlot(join(dir, 'loss.png'), series, undefined, rates);
      plots += (performance.now() - start) / 1000;
    }
    return { checkpoints, plots };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
