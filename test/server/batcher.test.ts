/**
 * The dynamic batcher alone, with a decoding function that records its batches: sizes and waits, kinds kept
 * apart, one batch at a time, results routed to their callers, the bounded queue, and aborted callers' work
 * dropped.
 */
import { describe, expect, it } from 'vitest';
import { Batcher, BatcherClosedError, QueueFullError, type BatcherOptions } from '../../src/server/batcher.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Recorded {
  kind: string;
  inputs: number[];
}

/** A batcher over numbers whose batches take `ms` and answer each input doubled, recording every batch. */
function recordingBatcher(options: Partial<BatcherOptions<string, number, number>> = {}, ms = 20) {
  const batches: Recorded[] = [];
  let running = 0;
  let mostRunning = 0;
  const batcher = new Batcher<string, number, number>({
    maxBatch: 4,
    maxWait: 30,
    maxQueue: 100,
    keyOf: (kind) => kind,
    run: async (kind, inputs, signal) => {
      batches.push({ kind, inputs });
      running++;
      mostRunning = Math.max(mostRunning, running);
      await sleep(ms);
      running--;
      signal.throwIfAborted();
      return inputs.map((x) => 2 * x);
    },
    ...options,
  });
  return { batcher, batches, mostRunning: () => mostRunning };
}

describe('Batcher', () => {
  it('gathers concurrent callers into batches of at most maxBatch and routes each result back', async () => {
    const { batcher, batches } = recordingBatcher();
    const calls = [[1], [2, 3], [4], [5, 6, 7], [8]].map((inputs) => batcher.submit('greedy', inputs));
    expect(await Promise.all(calls)).toEqual([[2], [4, 6], [8], [10, 12, 14], [16]]);
    expect(batches.map((b) => b.inputs)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('starts a batch maxWait after its first input when it does not fill up', async () => {
    const { batcher, batches } = recordingBatcher({ maxWait: 80 });
    const start = performance.now();
    const first = batcher.submit('greedy', [1]);
    await sleep(30);
    const second = batcher.submit('greedy', [2]);
    await sleep(20);
    expect(batches).toHaveLength(0); // still waiting for company
    expect(await Promise.all([first, second])).toEqual([[2], [4]]);
    expect(batches.map((b) => b.inputs)).toEqual([[1, 2]]);
    expect(performance.now() - start).toBeGreaterThanOrEqual(78);
  });

  it('starts at once when maxWait is 0, and batches what arrives meanwhile', async () => {
    const { batcher, batches } = recordingBatcher({ maxWait: 0 });
    const calls = [batcher.submit('greedy', [1])];
    await sleep(5); // the first batch runs
    calls.push(batcher.submit('greedy', [2]), batcher.submit('greedy', [3]));
    await Promise.all(calls);
    expect(batches.map((b) => b.inputs)).toEqual([[1], [2, 3]]);
  });

  it('keeps kinds apart, runs one batch at a time, and serves the longest-waiting kind first', async () => {
    const { batcher, batches, mostRunning } = recordingBatcher({ maxWait: 0 });
    const calls = [
      batcher.submit('beam', [1]),
      batcher.submit('greedy', [2]),
      batcher.submit('beam', [3]),
      batcher.submit('greedy', [4]),
    ];
    expect(await Promise.all(calls)).toEqual([[2], [4], [6], [8]]);
    expect(batches).toEqual([
      { kind: 'beam', inputs: [1] },
      { kind: 'greedy', inputs: [2, 4] },
      { kind: 'beam', inputs: [3] },
    ]);
    expect(mostRunning()).toBe(1);
  });

  it('runs batches of different kinds side by side with concurrency 2, never two of one kind', async () => {
    const { batcher, batches, mostRunning } = recordingBatcher({ maxWait: 0, maxBatch: 1, concurrency: 2 });
    await Promise.all([1, 2, 3].map((x) => batcher.submit('greedy', [x])));
    expect(mostRunning()).toBe(1);
    await Promise.all([batcher.submit('greedy', [1]), batcher.submit('beam', [2])]);
    expect(mostRunning()).toBe(2);
    expect(batches).toHaveLength(5);
  });

  it('refuses inputs that would take the queue past maxQueue, saying when to retry', async () => {
    const { batcher } = recordingBatcher({ maxQueue: 3, maxWait: 50 });
    const first = batcher.submit('greedy', [1, 2]);
    expect(() => batcher.submit('greedy', [3, 4])).toThrow(QueueFullError);
    let refused: unknown;
    try {
      void batcher.submit('beam', [3, 4]); // every kind counts
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).retryAfter).toBeGreaterThanOrEqual(1);
    expect((refused as QueueFullError).message).toBe('the server is busy: 2 sentences are waiting, at most 3 may');
    const third = batcher.submit('greedy', [3]); // exactly full is fine
    expect(batcher.waiting).toBe(3);
    expect(await Promise.all([first, third])).toEqual([[2, 4], [6]]);
  });

  it('takes an aborted caller’s queued inputs out, so that they are never decoded', async () => {
    let dropped = 0;
    const { batcher, batches } = recordingBatcher({ maxBatch: 8, maxWait: 40, onDropped: (n) => (dropped += n) });
    const controller = new AbortController();
    const gone = batcher.submit('greedy', [1, 2, 3], controller.signal);
    const stays = batcher.submit('greedy', [4]);
    controller.abort(new Error('client gone'));
    await expect(gone).rejects.toThrow('client gone');
    expect(batcher.waiting).toBe(1);
    expect(await stays).toEqual([8]);
    expect(batches.map((b) => b.inputs)).toEqual([[4]]);
    expect(dropped).toBe(3);
  });

  it('aborts a running batch once every caller in it is gone', async () => {
    const seen: AbortSignal[] = [];
    const batcher = new Batcher<string, number, number>({
      maxBatch: 4,
      maxWait: 0,
      maxQueue: 10,
      keyOf: (k) => k,
      run: (_kind, inputs, signal) => {
        seen.push(signal);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(inputs), 5000);
          signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)));
        });
      },
    });
    const a = new AbortController();
    const b = new AbortController();
    const first = batcher.submit('greedy', [1], a.signal);
    await sleep(5);
    const second = batcher.submit('greedy', [2], b.signal); // queued behind the running batch
    b.abort(new Error('b gone'));
    await expect(second).rejects.toThrow('b gone');
    expect(seen[0]!.aborted).toBe(false); // a still waits for it
    a.abort(new Error('a gone'));
    await expect(first).rejects.toThrow('a gone');
    expect(seen[0]!.aborted).toBe(true);
    await batcher.whenIdle();
    expect(seen).toHaveLength(1); // b's input never started
  });

  it('rejects every caller of a failed batch with its error, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new Batcher<string, number, number>({
      maxBatch: 2,
      maxWait: 0,
      maxQueue: 10,
      keyOf: (k) => k,
      run: async (_kind, inputs) => {
        if (calls++ === 0) throw new Error('native failure');
        return inputs;
      },
    });
    const failing = batcher.submit('greedy', [1, 2]);
    await expect(failing).rejects.toThrow('native failure');
    expect(await batcher.submit('greedy', [3])).toEqual([3]);
  });

  it('finishes queued work when closed, and refuses new work', async () => {
    const { batcher } = recordingBatcher({ maxWait: 30 });
    const queued = batcher.submit('greedy', [1]);
    const closed = batcher.close();
    await expect(batcher.submit('greedy', [2])).rejects.toThrow(BatcherClosedError);
    expect(await queued).toEqual([2]);
    await closed;
    expect(batcher.waiting).toBe(0);
    expect(batcher.running).toBe(0);
  });
});
