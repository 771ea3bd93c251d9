import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initProcessGroup, processGroupBackends, workerDevice } from '../../src/train/distributed.js';
import { buildInfo, cuda } from '../../src/torch/index.js';
import { DEVICE, ON_CUDA } from '../helpers/device.js';
import { PYTHON } from '../helpers/pytorch.js';

// The workers run from dist/ (built by `npm install`'s prepare step); rebuilt here to match the source.
beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

const dir = mkdtempSync(join(tmpdir(), 'dp-'));
let nextPort = 20000 + Math.floor(Math.random() * 20000);

interface Outcome {
  code: number | null;
  stderr: string;
  seconds: number;
}

function worker(cfg: Record<string, unknown>): Promise<Outcome> {
  const started = performance.now();
  const child = spawn(process.execPath, ['test/helpers/dp-worker.mjs', JSON.stringify(cfg)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, seconds: (performance.now() - started) / 1000 })),
  );
}

const snapshots = (path: string): number[][] => JSON.parse(readFileSync(path, 'utf8')) as number[][];

/** ||a - b|| / ||b|| */
function relative(a: readonly number[], b: readonly number[]): number {
  let diff = 0;
  let norm = 0;
  b.forEach((v, i) => {
    diff += (a[i]! - v) ** 2;
    norm += v * v;
  });
  return Math.sqrt(diff / norm);
}

const hasNccl = processGroupBackends().includes('nccl');
// TCPStore's protocol changed between libtorch 1.13 and 2.x: a store hosted by the reference PyTorch serves this
// build only when both are the same minor version (not in scripts/check-pip-torch.sh's pip build).
const minor = (version: string): string => version.split('.').slice(0, 2).join('.');
const referenceTorch = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
const sameTorch = minor(referenceTorch.stdout.trim()) === minor(buildInfo().torchVersion);
// Gloo needs its headers at build time: CI's Debian build always has them (test/cli/doctor.test.ts checks), a pip
// torch's build only where libgloo-dev is installed.
const hasGloo = processGroupBackends().includes('gloo');

/**
 * Runs 2 workers with batch 4 (or 2, accumulating 2 per update) and 1 worker with batch 8 on the same data;
 * checks and returns the worst gap.
 */
async function twoWorkersMatchOne(what: string, extra: Record<string, unknown>): Promise<void> {
  const port = nextPort++;
  const steps = 20;
  const accumulate = (extra.accumulate as number | undefined) ?? 1;
  const common = { worldSize: 2, port, batch: 4 / accumulate, steps, ...extra };
  const [r0, r1, single] = await Promise.all([
    worker({ ...common, rank: 0, seedInit: 1, out: join(dir, `r0-${port}.json`) }),
    worker({ ...common, rank: 1, seedInit: 2, out: join(dir, `r1-${port}.json`) }),
    worker({
      ...common,
      worldSize: 1,
      rank: 0,
      batch: 8,
      accumulate: 1,
      seedInit: 1,
      out: join(dir, `single-${port}.json`),
    }),
  ]);
  for (const r of [r0, r1, single]) expect(r.code, r.stderr).toBe(0);
  const [a, b, c] = ['r0', 'r1', 'single'].map((name) => snapshots(join(dir, `${name}-${port}.json`)));
  expect(a).toHaveLength(steps);
  // Rank 1 started from other weights (seed 2): the broadcast and the averaged gradients make it rank 0.
  a!.forEach((weights, step) => expect(b![step], `step ${step + 1}`).toEqual(weights));
  const worst = Math.max(...a!.map((weights, step) => relative(weights, c![step]!)));
  console.log(
    `2 workers x batch ${common.batch}${accumulate > 1 ? ` x ${accumulate} batches per update` : ''} vs 1 worker x batch 8, ${what}: ${a![0]!.length} weights within ${worst.toExponential(2)} relative over ${steps} steps`,
  );
  expect(worst).toBeLessThanOrEqual(1e-5);
}

describe.runIf(hasGloo)('data-parallel training on c10d (Gloo, two workers on loopback)', () => {
  for (const [teacherForcing, model] of [
    [1, undefined],
    [0.5, undefined],
    [0.5, { attention: 'luong-general', bidirectional: true }],
  ] as const) {
    const what = `teacher forcing ${teacherForcing}${model ? `, ${model.attention} attention, bidirectional encoder` : ''}`;
    it(`keeps the workers identical after every step and makes the updates of one worker with twice the batch (${what}, ${DEVICE})`, async () => {
      // Gloo also reduces CUDA tensors (through the host): on a GPU machine both workers share its GPU.
      await twoWorkersMatchOne(`${what}, gloo on ${DEVICE}`, {
        teacherForcing,
        model,
        device: DEVICE,
        backend: 'gloo',
      });
    });
  }

  it(`accumulates gradients across workers: 2 workers x batch 2 x 2 batches per update make the updates of batch 8 (${DEVICE})`, async () => {
    await twoWorkersMatchOne(`accumulating 2, gloo on ${DEVICE}`, { accumulate: 2, device: DEVICE, backend: 'gloo' });
  });

  it.runIf(sameTorch)(
    "joins a store that the launcher hosts, as under torchrun (its agent's store): every worker is a client",
    async () => {
      const port = nextPort++;
      // The agent's part, in the reference PyTorch: a TCPStore server at MASTER_ADDR:MASTER_PORT.
      const agent = spawn(
        PYTHON,
        [
          '-c',
          `import datetime, time, torch.distributed as d
store = d.TCPStore('127.0.0.1', ${port}, None, True, datetime.timedelta(seconds=60), wait_for_workers=False)
time.sleep(120)`,
        ],
        { stdio: 'ignore' },
      );
      try {
        const common = { worldSize: 2, port, batch: 4, steps: 5, agentStoreAttempt: 3, timeout: 30 };
        const [r0, r1] = await Promise.all([
          worker({ ...common, rank: 0, seedInit: 1, out: join(dir, `agent-r0-${port}.json`) }),
          worker({ ...common, rank: 1, seedInit: 2, out: join(dir, `agent-r1-${port}.json`) }),
        ]);
        for (const r of [r0, r1]) expect(r.code, r.stderr).toBe(0);
        const [a, b] = ['r0', 'r1'].map((name) => snapshots(join(dir, `agent-${name}-${port}.json`)));
        expect(a).toHaveLength(5);
        expect(b).toEqual(a);
      } finally {
        agent.kill();
      }
    },
  );

  it('ends with a clear error, not a hang, when a worker dies', async () => {
    const port = nextPort++;
    const common = { worldSize: 2, port, batch: 4, steps: 20, timeout: 20 };
    const [r0, r1] = await Promise.all([
      worker({ ...common, rank: 0, out: join(dir, 'dead-r0.json') }),
      worker({ ...common, rank: 1, dieAfter: 3, out: join(dir, 'dead-r1.json') }),
    ]);
    expect(r1.code).toBeNull(); // killed
    expect(r0.code).toBe(1);
    expect(r0.stderr.trim().split('\n')).toHaveLength(1);
    expect(r0.stderr).toMatch(/^rank 0: all-reduce failed on rank 0 \(a worker stopped or the network failed\)/);
    expect(r0.seconds).toBeLessThan(60);
  });

  it('ends with a clear one-line error within the timeout when a peer never arrives', async () => {
    for (const rank of [0, 1]) {
      // Rank 0 waits for rank 1; rank 1 waits for a rank 0 that hosts no store.
      const port = nextPort++;
      const r = await worker({
        worldSize: 2,
        rank,
        port,
        batch: 4,
        steps: 2,
        timeout: 3,
        out: join(dir, 'alone.json'),
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(
        new RegExp(
          `^rank ${rank}: rank ${rank} could not meet the other 1 worker\\(s\\) at 127.0.0.1:${port} within 3 s`,
        ),
      );
      expect(r.seconds).toBeLessThan(30);
    }
  });
});

describe('data-parallel training on NCCL', () => {
  // NCCL gives each worker a GPU of its own: two workers need two GPUs.
  it.runIf(hasNccl && ON_CUDA && cuda.deviceCount() >= 2)(
    'keeps two workers on two GPUs identical and makes the updates of one worker with twice the batch',
    async () => {
      await twoWorkersMatchOne('nccl, one GPU each', { teacherForcing: 0.5, device: 'cuda', backend: 'nccl' });
    },
  );

  it.runIf(hasNccl && ON_CUDA)('trains a world of one through an NCCL group as it trains alone', async () => {
    const port = nextPort++;
    const common = { worldSize: 1, rank: 0, port, batch: 8, steps: 20, device: 'cuda', teacherForcing: 0.5 };
    const [grouped, alone] = await Promise.all([
      worker({ ...common, group: true, backend: 'nccl', out: join(dir, `nccl1-${port}.json`) }),
      worker({ ...common, out: join(dir, `alone-${port}.json`) }),
    ]);
    for (const r of [grouped, alone]) expect(r.code, r.stderr).toBe(0);
    const [a, b] = [`nccl1-${port}`, `alone-${port}`].map((name) => snapshots(join(dir, `${name}.json`)));
    const worst = Math.max(...a!.map((weights, step) => relative(weights, b![step]!)));
    console.log(`NCCL group of one vs no group: within ${worst.toExponential(2)} relative over 20 steps`);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('refuses what NCCL cannot do with one clear error, before waiting for anyone', async () => {
    const start = initProcessGroup({ worldSize: 2, rank: 0, masterPort: nextPort++, backend: 'nccl', device: 'cpu' });
    await expect(start).rejects.toThrow(
      hasNccl
        ? /^the nccl backend moves CUDA tensors: train on a cuda device, or use the gloo backend$/
        : /^this build of seq2seq-node has no NCCL \(it needs a CUDA libtorch built with NCCL/,
    );
  });

  it("gives each worker its own GPU: cuda means cuda:(LOCAL_RANK mod the GPUs), else the rank's", () => {
    expect(workerDevice('cuda', 3, { LOCAL_RANK: '1' }, 2)).toBe('cuda:1');
    expect(workerDevice('cuda', 3, {}, 2)).toBe('cuda:1');
    expect(workerDevice('cuda', 2, {}, 2)).toBe('cuda:0');
    expect(workerDevice('cuda', 5, { LOCAL_RANK: '5' }, 1)).toBe('cuda:0');
    expect(workerDevice('cuda:1', 0, { LOCAL_RANK: '0' }, 2)).toBe('cuda:1'); // an explicit GPU is kept
    expect(workerDevice('cpu', 1, { LOCAL_RANK: '1' }, 2)).toBe('cpu');
    expect(workerDevice('cuda', 1, {}, 0)).toBe('cuda'); // no GPU: training fails on it, saying so
  });
});

describe.runIf(hasGloo)('seq2seq launch', () => {
  it('runs a two-worker training job on this machine; rank 0 writes the checkpoints, output comes prefixed', () => {
    const out = join(dir, 'launch-run');
    const corpus = join(dir, 'demo.txt');
    spawnSync(process.execPath, [
      '--input-type=module',
      '-e',
      `import { writeFileSync } from 'node:fs';
       const { generateDemoCorpus } = await import('./dist/data/demo-grammar.js');
       writeFileSync(${JSON.stringify(corpus)}, generateDemoCorpus({ pairs: 300, seed: 4 }));`,
    ]);
    const r = spawnSync(
      process.execPath,
      [
        'dist/cli/main.js',
        'launch',
        '--nproc',
        '2',
        '--master-port',
        String(nextPort++),
        '--',
        'train',
        '--corpus',
        corpus,
        '--out',
        out,
        '--instances',
        '300',
        '--epochs',
        '2',
        '--hidden',
        '16',
        '--layers',
        '2',
        '--batch-size',
        '8',
        '--threads',
        '1',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[rank 0\] epoch 2\/2: training loss \d+\.\d+ per token/m);
    expect(r.stdout).not.toMatch(/^\[rank 1\] epoch/m); // rank 1 trains silently
    const loss = JSON.parse(readFileSync(join(out, 'loss.json'), 'utf8')) as { train_loss: number[] };
    expect(loss.train_loss).toHaveLength(2);
    const trainer = JSON.parse(readFileSync(join(out, 'last', 'trainer.json'), 'utf8')) as { epoch: number };
    expect(trainer.epoch).toBe(2);
  });
});
