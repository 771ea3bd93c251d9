import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

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

describe('data-parallel training on c10d (Gloo, two workers on loopback)', () => {
  for (const [teacherForcing, model] of [
    [1, undefined],
    [0.5, undefined],
    [0.5, { attention: 'luong-general', bidirectional: true }],
  ] as const) {
    const what = `teacher forcing ${teacherForcing}${model ? `, ${model.attention} attention, bidirectional encoder` : ''}`;
    it(`keeps the workers identical after every step and makes the updates of one worker with twice the batch (${what})`, async () => {
      const port = nextPort++;
      const steps = 20;
      const common = { worldSize: 2, port, batch: 4, steps, teacherForcing, model };
      const [r0, r1, single] = await Promise.all([
        worker({ ...common, rank: 0, seedInit: 1, out: join(dir, `r0-${port}.json`) }),
        worker({ ...common, rank: 1, seedInit: 2, out: join(dir, `r1-${port}.json`) }),
        worker({ ...common, worldSize: 1, rank: 0, batch: 8, seedInit: 1, out: join(dir, `single-${port}.json`) }),
      ]);
      for (const r of [r0, r1, single]) expect(r.code, r.stderr).toBe(0);
      const [a, b, c] = [r0, r1, single].map((_, k) =>
        snapshots(join(dir, `${['r0', 'r1', 'single'][k]}-${port}.json`)),
      );
      expect(a).toHaveLength(steps);
      // Rank 1 started from other weights (seed 2): the broadcast and the averaged gradients make it rank 0.
      a!.forEach((weights, step) => expect(b![step], `step ${step + 1}`).toEqual(weights));
      const worst = Math.max(...a!.map((weights, step) => relative(weights, c![step]!)));
      console.log(
        `2 workers x batch 4 vs 1 worker x batch 8, ${what}: ${a![0]!.length} weights within ${worst.toExponential(2)} relative over ${steps} steps`,
      );
      expect(worst).toBeLessThanOrEqual(1e-5);
    });
  }

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

describe('seq2seq launch', () => {
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
