/**
 * Dynamic batching: the sentences of concurrent requests wait in a queue per decoding kind (greedy, each beam
 * setting, attention) and are decoded together, up to `maxBatch` of them or `maxWait` milliseconds after the
 * oldest was queued, whichever comes first. Each kind runs one batch at a time, and at most `concurrency` batches
 * run at all; the kind whose oldest sentence has waited longest goes first. Results go back to their requests, and a
 * request settles when all of its sentences are done.
 *
 * A request that is aborted (its client went away, or it timed out) has its sentences that have not started taken
 * out of the queue; a running batch all of whose requests are gone is aborted too (its `run` gets the signal).
 * The queue is bounded: a request that would take it past `maxQueue` sentences is refused with a
 * {@link QueueFullError} that says when to retry. Nothing here knows about models or HTTP.
 */

/** Thrown by {@link Batcher.submit} when the queue has no room for the request's sentences. */
export class QueueFullError extends Error {
  constructor(
    readonly waiting: number,
    readonly limit: number,
    /** Seconds after which a retry is likely to find room. */
    readonly retryAfter: number,
  ) {
    super(`the server is busy: ${waiting} sentences are waiting, at most ${limit} may`);
    this.name = 'QueueFullError';
  }
}

/** Thrown by {@link Batcher.submit} once the batcher is closed. */
export class BatcherClosedError extends Error {
  constructor() {
    super('the server is shutting down');
    this.name = 'BatcherClosedError';
  }
}

/** A batch that started: what the metrics and tests see. */
export interface BatchEvent<K> {
  kind: K;
  /** Sentences in the batch. */
  size: number;
  /** Sentences still waiting (all kinds) once the batch left the queue. */
  waiting: number;
}

/** A batch that ended. */
export interface BatchDone<K> extends BatchEvent<K> {
  seconds: number;
  /** Whether it failed (its requests were rejected with the error). */
  failed: boolean;
}

/** What a {@link Batcher} needs. */
export interface BatcherOptions<K, I, O> {
  maxBatch: number;
  /** Milliseconds. */
  maxWait: number;
  /** Most inputs waiting, all kinds together. */
  maxQueue: number;
  /** Batches running at once, all kinds together; default 1. */
  concurrency?: number;
  /** The queue a kind goes to: equal keys batch together. */
  keyOf: (kind: K) => string;
  /** Decodes one batch: one output per input, in order. The signal aborts when nobody waits for the batch any more. */
  run: (kind: K, inputs: I[], signal: AbortSignal) => Promise<O[]>;
  onBatchStart?: (event: BatchEvent<K>) => void;
  onBatchEnd?: (event: BatchDone<K>) => void;
  /** Inputs taken out of the queue because their request was aborted. */
  onDropped?: (count: number) => void;
}

interface Ticket<O> {
  outputs: O[];
  remaining: number;
  settled: boolean;
  resolve: (outputs: O[]) => void;
  reject: (reason: unknown) => void;
}

interface Item<I, O> {
  input: I;
  index: number;
  ticket: Ticket<O>;
  queuedAt: number;
}

interface Queue<K, I, O> {
  kind: K;
  items: Item<I, O>[];
  running: boolean;
}

interface RunningBatch<O> {
  tickets: Set<Ticket<O>>;
  controller: AbortController;
}

/** Gathers inputs of concurrent callers into batches; see the module's comment. */
export class Batcher<K, I, O> {
  private readonly queues = new Map<string, Queue<K, I, O>>();
  private readonly runningBatches = new Set<RunningBatch<O>>();
  private readonly concurrency: number;
  private waitingCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Smoothed seconds per batch, for Retry-After. */
  private batchSeconds = 0;

  constructor(private readonly options: BatcherOptions<K, I, O>) {
    this.concurrency = options.concurrency ?? 1;
  }

  /** Inputs waiting to be decoded (not those in running batches). */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Batches running now. */
  get running(): number {
    return this.runningBatches.size;
  }

  /**
   * Queues `inputs` to be decoded as `kind` and resolves with their outputs in order, once all are done. Throws
   * a {@link QueueFullError} at once when they do not fit in the queue; rejects with the signal's reason when it
   * aborts first.
   */
  submit(kind: K, inputs: readonly I[], signal?: AbortSignal): Promise<O[]> {
    if (this.closed) return Promise.reject(new BatcherClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waitingCount + inputs.length > this.options.maxQueue) {
      throw new QueueFullError(this.waitingCount, this.options.maxQueue, this.retryAfter());
    }
    if (inputs.length === 0) return Promise.resolve([]);
    const key = this.options.keyOf(kind);
    let found = this.queues.get(key);
    if (!found) {
      found = { kind, items: [], running: false };
      this.queues.set(key, found);
    }
    const queue = found;
    return new Promise<O[]>((resolve, reject) => {
      const ticket: Ticket<O> = {
        outputs: new Array<O>(inputs.length),
        remaining: inputs.length,
        settled: false,
        resolve,
        reject,
      };
      const queuedAt = performance.now();
      for (const [index, input] of inputs.entries()) queue.items.push({ input, index, ticket, queuedAt });
      this.waitingCount += inputs.length;
      if (signal) {
        const onAbort = (): void => this.abandon(ticket, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        const done = (): void => signal.removeEventListener('abort', onAbort);
        ticket.resolve = (outputs) => {
          done();
          resolve(outputs);
        };
        ticket.reject = (reason) => {
          done();
          reject(reason);
        };
      }
      this.schedule();
    });
  }

  /** Refuses new work; resolves once the queue is empty and no batch runs (queued work is still done). */
  close(): Promise<void> {
    this.closed = true;
    return this.whenIdle();
  }

  /** Resolves once the queue is empty and no batch runs. */
  whenIdle(): Promise<void> {
    if (this.waitingCount === 0 && this.runningBatches.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Seconds after which a refused request is likely to find room: the batches ahead of it at the recent pace. */
  retryAfter(): number {
    const batchesAhead = Math.ceil(this.waitingCount / this.options.maxBatch) + this.runningBatches.size;
    return Math.max(1, Math.ceil((batchesAhead * this.batchSeconds) / this.concurrency));
  }

  /** The request behind `ticket` is gone: its queued items leave, and batches nobody waits for are aborted. */
  private abandon(ticket: Ticket<O>, reason: unknown): void {
    if (ticket.settled) return;
    ticket.settled = true;
    const dropped = this.removeQueued(ticket);
    if (dropped > 0) this.options.onDropped?.(dropped);
    for (const batch of this.runningBatches) {
      if ([...batch.tickets].every((t) => t.settled)) batch.controller.abort(reason);
    }
    ticket.reject(reason);
    this.schedule();
  }

  /** Starts every batch that is due and may run; otherwise sets the timer for the next one due. */
  private schedule(): void {
    for (;;) {
      if (this.runningBatches.size >= this.concurrency) break;
      const now = performance.now();
      let best: Queue<K, I, O> | undefined;
      let nextDue = Infinity;
      for (const queue of this.queues.values()) {
        const head = queue.items[0];
        if (queue.running || !head) continue;
        const due = queue.items.length >= this.options.maxBatch ? head.queuedAt : head.queuedAt + this.options.maxWait;
        if (due <= now) {
          if (!best || head.queuedAt < best.items[0]!.queuedAt) best = queue;
        } else {
          nextDue = Math.min(nextDue, due);
        }
      }
      if (best) {
        this.start(best);
        continue;
      }
      this.setTimer(nextDue);
      break;
    }
    this.checkIdle();
  }

  private setTimer(at: number): void {
    if (at === this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        this.schedule();
      },
      Math.max(0, at - performance.now()),
    );
  }

  private start(queue: Queue<K, I, O>): void {
    const items = queue.items.splice(0, this.options.maxBatch);
    this.waitingCount -= items.length;
    queue.running = true;
    const batch: RunningBatch<O> = { tickets: new Set(items.map((i) => i.ticket)), controller: new AbortController() };
    this.runningBatches.add(batch);
    const event: BatchEvent<K> = { kind: queue.kind, size: items.length, waiting: this.waitingCount };
    this.options.onBatchStart?.(event);
    const started = performance.now();
    let failed = false;
    Promise.resolve()
      .then(() =>
        this.options.run(
          queue.kind,
          items.map((i) => i.input),
          batch.controller.signal,
        ),
      )
      .then(
        (outputs) => {
          if (outputs.length !== items.length) {
            throw new Error(`a batch of ${items.length} gave ${outputs.length} results`);
          }
          items.forEach((item, k) => this.deliver(item, outputs[k]!));
        },
        (err: unknown) => {
          failed = true;
          for (const ticket of batch.tickets) this.fail(ticket, err);
        },
      )
      .catch((err: unknown) => {
        failed = true;
        for (const ticket of batch.tickets) this.fail(ticket, err);
      })
      .finally(() => {
        const seconds = (performance.now() - started) / 1000;
        this.batchSeconds = this.batchSeconds === 0 ? seconds : 0.8 * this.batchSeconds + 0.2 * seconds;
        this.runningBatches.delete(batch);
        queue.running = false;
        const key = this.options.keyOf(queue.kind);
        if (queue.items.length === 0 && this.queues.get(key) === queue) this.queues.delete(key);
        this.options.onBatchEnd?.({ ...event, seconds, failed });
        this.schedule();
      });
  }

  private deliver(item: Item<I, O>, output: O): void {
    const ticket = item.ticket;
    if (ticket.settled) return;
    ticket.outputs[item.index] = output;
    if (--ticket.remaining === 0) {
      ticket.settled = true;
      ticket.resolve(ticket.outputs);
    }
  }

  private fail(ticket: Ticket<O>, err: unknown): void {
    if (ticket.settled) return;
    ticket.settled = true;
    // Its items still waiting for a later batch leave the queue.
    this.removeQueued(ticket);
    ticket.reject(err);
  }

  /** Takes the items of `ticket` that have not started out of the queue; returns how many there were. */
  private removeQueued(ticket: Ticket<O>): number {
    let removed = 0;
    for (const [key, queue] of this.queues) {
      const before = queue.items.length;
      queue.items = queue.items.filter((item) => item.ticket !== ticket);
      removed += before - queue.items.length;
      if (queue.items.length === 0 && !queue.running) this.queues.delete(key);
    }
    this.waitingCount -= removed;
    return removed;
  }

  private checkIdle(): void {
    if (this.waitingCount !== 0 || this.runningBatches.size !== 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
