// `npm run bench -- --checkpoint`: the per-epoch checkpoint write against PyTorch's torch.save of the same state, from
// one run, side by side.
//   ours: writeCheckpoint (src/io/checkpoint.ts) of a model of the given sizes with both Adam optimizers holding
//     state: the model folder (config, vocabularies, encoder.pt, decoder.pt), both optimizers' state dicts,
//     trainer.json, each file fsynced and renamed into place, the `last` and `best` links, pruning.
//   PyTorch: torch.save (Debian's python3-torch) of the same four state dicts, read back from our checkpoint, into
//     four files; once as torch.save does it (no fsync), once with each file fsynced as ours are.
// Also the phases of ours, apart: the state snapshot (optimizer states and weights copied at the epoch boundary)
// and the time the training thread blocks per epoch with the background writer (src/io/checkpoint-writer.ts),
// waiting for the previous epoch's write included.
//   npm run bench -- --checkpoint [--hidden 512] [--embedding 256] [--layers 2] [--attention luong-general]
//     [--vocab 8000] [--runs 5] [--python /usr/bin/python3]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'boolean' },
    hidden: { type: 'string', default: '512' },
    embedding: { type: 'string', default: '256' },
    layers: { type: 'string', default: '2' },
    attention: { type: 'string', default: 'luong-general' },
    vocab: { type: 'string', default: '8000' },
    runs: { type: 'string', default: '5' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const int = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench --checkpoint: --${name} expects a positive integer, got ${values[name]}`);
    process.exit(2);
  }
  return n;
};
const sizes = {
  hidden: int('hidden'),
  embedding: int('embedding'),
  layers: int('layers'),
  attention: values.attention,
};
const vocabSize = int('vocab');
const runs = int('runs');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const torch = await import('../dist/torch/index.js');
const { Vocab } = await import('../dist/data/vocab.js');
const { buildModel, parameterCount } = await import('../dist/model/architecture.js');
const { writeCheckpoint, newTrainerState } = await import('../dist/io/checkpoint.js');
const { CheckpointWriter, snapshotCheckpoint } = await import('../dist/io/checkpoint-writer.js');

torch.manualSeed(0);
const words = (side) => ['<sos>', '<eos>', ...Array.from({ length: vocabSize - 2 }, (_, i) => `${side}${i}`)];
const { encoder, decoder } = buildModel(vocabSize, vocabSize, sizes);
const optimizers = {
  encoder: new torch.optim.Adam(encoder.parameters(), { lr: 0.001 }),
  decoder: new torch.optim.Adam(decoder.parameters(), { lr: 0.001 }),
};
// One Adam step on a loss touching every parameter, so that both optimizers hold their moments.
for (const [module, opt] of [
  [encoder, optimizers.encoder],
  [decoder, optimizers.decoder],
]) {
  torch.tidy(() => {
    opt.zeroGrad();
    module
      .parameters()
      .map((p) => p.mul(p).sum())
      .reduce((a, b) => a.add(b))
      .backward();
    opt.step();
  });
}
const model = { sizes, sourceVocab: new Vocab(words('s')), targetVocab: new Vocab(words('t')), encoder, decoder };
const options = { corpus: 'bench.txt', ...sizes };

const dir = mkdtempSync(join(tmpdir(), 'bench-ckpt-'));
try {
  const trainer = newTrainerState(options, 0);
  const nextEpoch = () => {
    trainer.epoch += 1;
    trainer.history.push({ epoch: trainer.epoch, train_loss: 1 / trainer.epoch, seconds: 1 });
  };
  const ours = [];
  for (let i = 0; i < runs; i++) {
    nextEpoch();
    const start = performance.now();
    writeCheckpoint(join(dir, 'sync'), model, optimizers, trainer, true, 0);
    ours.push((performance.now() - start) / 1000);
  }
  // The snapshot alone: the first into fresh memory, the others into the previous one's tensors (as the writer does).
  const snapshots = [];
  let previous;
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    previous = snapshotCheckpoint(model, optimizers, trainer, previous);
    snapshots.push((performance.now() - start) / 1000);
  }
  previous.dispose();
  // The background writer: what the training thread waits for per epoch (the snapshot, and the previous write's end
  // when it is still running), with an epoch of `gap` seconds between in which the event loop is free, as batched
  // training leaves it (its epochs run on the addon's threads); then how long a write takes in the background.
  const gap = Math.max(median(ours) * 1.5, 1);
  const writer = new CheckpointWriter();
  const blocked = [];
  const background = [];
  for (let i = 0; i < runs; i++) {
    nextEpoch();
    let start = performance.now();
    await writer.write(join(dir, 'async'), model, optimizers, trainer, true, 0);
    blocked.push((performance.now() - start) / 1000);
    await sleep(gap * 1000);
    nextEpoch();
    await writer.write(join(dir, 'async'), model, optimizers, trainer, true, 0);
    start = performance.now();
    await writer.settled();
    background.push((performance.now() - start) / 1000);
  }
  await writer.close();
  const rss = process.memoryUsage().rss;

  const script = `
import os, sys, time, torch
src, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = ["encoder.pt", "decoder.pt", "encoder_optimizer.pt", "decoder_optimizer.pt"]
state = {n: torch.load(os.path.join(src, n)) for n in names}
def save(fsync):
    for n in names:
        path = os.path.join(out, n)
        with open(path + ".tmp", "wb") as f:
            torch.save(state[n], f)
            if fsync:
                f.flush(); os.fsync(f.fileno())
        os.replace(path + ".tmp", path)
for fsync in (False, True):
    times = []
    for _ in range(runs):
        t = time.perf_counter(); save(fsync); times.append(time.perf_counter() - t)
    print(sorted(times)[(runs - 1) // 2])
`;
  const pyOut = join(dir, 'python');
  mkdirSync(pyOut);
  writeFileSync(join(dir, 'save.py'), script);
  const r = spawnSync(values.python, [join(dir, 'save.py'), join(dir, 'sync', 'last'), pyOut, String(runs)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`${values.python} failed:\n${r.stderr}`);
  const [pyPlain, pyFsync] = r.stdout.trim().split('\n').map(Number);

  const params = parameterCount(vocabSize, vocabSize, sizes);
  const mb = (params * 3 * 4) / 2 ** 20;
  console.log(
    `checkpoint of hidden ${sizes.hidden}, embedding ${sizes.embedding}, ${sizes.layers} layers, attention ` +
      `${sizes.attention}, ${vocabSize} words a side: ${(params / 1e6).toFixed(1)} M parameters, weights and Adam's ` +
      `moments ${mb.toFixed(0)} MiB; medians of ${runs}`,
  );
  const row = (label, s, base = pyPlain) =>
    console.log(`  ${label.padEnd(58)} ${s.toFixed(3).padStart(7)} s   ${(s / base).toFixed(2).padStart(5)}x`);
  row('PyTorch torch.save, 4 files (no fsync)', pyPlain);
  row('PyTorch torch.save, 4 files, each fsynced', pyFsync);
  row('ours: writeCheckpoint (synchronous, fsynced, links)', median(ours));
  row('ours: snapshot of the state, first (fresh memory)', snapshots[0]);
  row('ours: snapshot of the state, into the previous copies', median(snapshots.slice(1)));
  row('ours: training thread blocked per epoch, background writer', median(blocked));
  row('ours: one background write, from its start to `last` in place', median(background));
  console.log(
    `  (ratios against PyTorch without fsync; resident memory of this process at the end ${(rss / 2 ** 20).toFixed(0)} MiB)`,
  );
  console.log(
    `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, load average ${loadavg()[0].toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
