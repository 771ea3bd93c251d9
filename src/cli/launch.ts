/**
 * `seq2seq launch --nproc N -- train ...`: N workers of a data-parallel job on this machine, started the way
 * torchrun starts them (WORLD_SIZE, RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT in their environment), their
 * output forwarded line by line with a rank prefix. When one fails the others are stopped, and the job's exit
 * code is the first failure's; Ctrl-C is passed on to every worker. Each worker gets its share of the cores
 * for libtorch's and OpenBLAS's threads (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) unless they are set: N workers
 * each with every core would oversubscribe the machine many times over.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export async function runLaunch(args: string[], options: { nproc: number; masterPort: number }): Promise<number> {
  if (args[0] !== 'train') throw new Error('launch runs `train` workers: seq2seq launch --nproc N -- train ...');
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const workers: ChildProcess[] = [];
  let failure: number | undefined;
  const stopOthers = (): void => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
  };
  const forward = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream, rank: number): void => {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`[rank ${rank}] ${line}\n`));
  };
  const share = String(Math.max(1, Math.floor(availableParallelism() / options.nproc)));
  const exits = Array.from({ length: options.nproc }, (_, rank) => {
    const worker = spawn(process.execPath, [main, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        OMP_NUM_THREADS: share,
        OPENBLAS_NUM_THREADS: share,
        ...process.env,
        WORLD_SIZE: String(options.nproc),
        RANK: String(rank),
        LOCAL_RANK: String(rank),
        MASTER_ADDR: '127.0.0.1',
        MASTER_PORT: String(options.masterPort),
      },
    });
    workers.push(worker);
    forward(worker.stdout!, process.stdout, rank);
    forward(worker.stderr!, process.stderr, rank);
    return new Promise<void>((resolve) =>
      worker.on('exit', (code, signal) => {
        const status = code ?? (signal === 'SIGINT' ? 130 : 1);
        if (status !== 0 && failure === undefined) {
          failure = status;
          if (status !== 130) {
            process.stderr.write(`seq2seq: rank ${rank} failed (exit ${status}); stopping the other workers\n`);
            stopOthers();
          }
        }
        resolve();
      }),
    );
  });
  const onSigint = (): void => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGINT');
  };
  process.on('SIGINT', onSigint);
  try {
    await Promise.all(exits);
  } finally {
    process.off('SIGINT', onSigint);
  }
  return failure ?? 0;
}
