/**
 * The server's Prometheus metrics, in a prom-client registry of its own (never the global one: two servers in a
 * process, or a host application's own metrics, do not mix): requests by route and status, their latency, the
 * sizes and times of batches, the sentences waiting, translated and dropped, and optionally prom-client's default
 * process metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The metrics of one server. */
export interface ServerMetrics {
  registry: Registry;
  /** `seq2seq_http_requests_total{method, route, status}` */
  requests: Counter<'method' | 'route' | 'status'>;
  /** `seq2seq_http_request_duration_seconds{method, route}` */
  latency: Histogram<'method' | 'route'>;
  /** `seq2seq_batch_size{decoding}`: sentences per batch. */
  batchSize: Histogram<'decoding'>;
  /** `seq2seq_batch_duration_seconds{decoding}` */
  batchSeconds: Histogram<'decoding'>;
  /** `seq2seq_sentences_translated_total{decoding}` */
  sentences: Counter<'decoding'>;
  /** `seq2seq_sentences_dropped_total`: taken out of the queue because their request was gone (disconnect, time-out). */
  dropped: Counter;
  /** `seq2seq_queue_length`: sentences waiting to be decoded, read when scraped. */
  queueLength: Gauge;
}

/** A registry with the server's metrics; `waiting` is read at each scrape. */
export function createMetrics(waiting: () => number, processMetrics: boolean): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'seq2seq_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    latency: new Histogram({
      name: 'seq2seq_http_request_duration_seconds',
      help: 'Time from a request to its answer, queue included',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    batchSize: new Histogram({
      name: 'seq2seq_batch_size',
      help: 'Sentences decoded together in one batch',
      labelNames: ['decoding'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'seq2seq_batch_duration_seconds',
      help: 'Time to decode one batch',
      labelNames: ['decoding'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    sentences: new Counter({
      name: 'seq2seq_sentences_translated_total',
      help: 'Sentences decoded',
      labelNames: ['decoding'],
      registers,
    }),
    dropped: new Counter({
      name: 'seq2seq_sentences_dropped_total',
      help: 'Queued sentences dropped before decoding because their request was gone (disconnected or timed out)',
      registers,
    }),
    queueLength: new Gauge({
      name: 'seq2seq_queue_length',
      help: 'Sentences waiting to be decoded',
      registers,
      collect() {
        this.set(waiting());
      },
    }),
  };
}
