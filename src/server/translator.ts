/**
 * The server's translator: the model behind a {@link Batcher}, with the metrics of its batches, and a request's
 * outcome in HTTP terms: texts checked before they are queued (413, 400), a full queue (429 with Retry-After), a
 * request out of time (503), a client gone (499, logged only: nobody reads it), and results in request order.
 */
import type { FastifyReply } from 'fastify';
import { UnknownWordsError } from '../decode/translate.js';
import type { TrainedModel } from '../io/model-files.js';
import { Batcher, BatcherClosedError, QueueFullError, type BatchDone, type BatchEvent } from './batcher.js';
import { decodeBatch, decodeKey, decodeName, type DecodedSentence, type DecodeKind } from './decoding.js';
import { HttpError } from './errors.js';
import type { ResolvedServerOptions } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import { ClientGoneError, requestSignal, RequestTimeoutError } from './request-signal.js';
import { checkTexts, quote } from './requests.js';

/** Hooks into the batches, for tests and monitoring. */
export interface BatchHooks {
  onBatchStart?: (event: BatchEvent<DecodeKind>) => void;
  onBatchEnd?: (event: BatchDone<DecodeKind>) => void;
}

/** Decodes the texts of requests in shared batches; see the module's comment. */
export class Translator {
  readonly batcher: Batcher<DecodeKind, string, DecodedSentence | UnknownWordsError>;

  constructor(
    readonly model: TrainedModel,
    private readonly options: ResolvedServerOptions,
    metrics: ServerMetrics,
    hooks: BatchHooks = {},
  ) {
    this.batcher = new Batcher({
      maxBatch: options.maxBatch,
      maxWait: options.maxWait,
      maxQueue: options.maxQueue,
      concurrency: options.concurrency,
      keyOf: decodeKey,
      run: (kind, texts, signal) => decodeBatch(model, kind, texts, signal),
      onBatchStart: (event) => {
        metrics.batchSize.observe({ decoding: decodeName(event.kind) }, event.size);
        hooks.onBatchStart?.(event);
      },
      onBatchEnd: (event) => {
        const decoding = decodeName(event.kind);
        metrics.batchSeconds.observe({ decoding }, event.seconds);
        if (!event.failed) metrics.sentences.inc({ decoding }, event.size);
        hooks.onBatchEnd?.(event);
      },
      onDropped: (count) => metrics.dropped.inc(count),
    });
  }

  /**
   * Translates `texts` as `kind` for the request answered by `reply`: checked, queued, decoded with other
   * requests' sentences, and returned in order once all are done. Every failure is an {@link HttpError}.
   */
  async translate(texts: string[], kind: DecodeKind, reply: FastifyReply): Promise<DecodedSentence[]> {
    checkTexts(this.model, texts, this.options.maxChars);
    const { signal, dispose } = requestSignal(reply, this.options.timeout);
    let results: (DecodedSentence | UnknownWordsError)[];
    try {
      results = await this.batcher.submit(kind, texts, signal);
    } catch (err) {
      throw this.asHttpError(err);
    } finally {
      dispose();
    }
    const unknown = results.findIndex((r) => r instanceof UnknownWordsError);
    if (unknown >= 0) {
      const err = results[unknown] as UnknownWordsError;
      throw new HttpError(400, `cannot translate ${quote(texts[unknown]!)}: ${err.message}`);
    }
    return results as DecodedSentence[];
  }

  /** Refuses new work and resolves once the queued work is done. */
  close(): Promise<void> {
    return this.batcher.close();
  }

  private asHttpError(err: unknown): unknown {
    if (err instanceof QueueFullError) {
      return new HttpError(429, `Slowdown: ${err.message}`, { 'retry-after': String(err.retryAfter) });
    }
    if (err instanceof RequestTimeoutError) {
      return new HttpError(503, `Timed out: ${err.message}`, { 'retry-after': String(this.batcher.retryAfter()) });
    }
    if (err instanceof ClientGoneError) return new HttpError(499, err.message);
    if (err instanceof BatcherClosedError) return new HttpError(503, err.message, { 'retry-after': '5' });
    return err;
  }
}
