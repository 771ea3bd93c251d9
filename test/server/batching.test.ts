/**
 * The server under concurrent load: sentences of many clients decoded in shared batches, each answer equal to the
 * sentence decoded alone; the bounded queue (429 with Retry-After); a client that disconnects has its queued
 * sentences dropped, never decoded; the time limit (503); the event loop free while batches decode; the metrics;
 * and a failing decode answered 500 without harm to the server.
 */
import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateBeam, type Translation } from '../../src/decode/translate.js';
import { loadModel } from '../../src/io/model-files.js';
import { createServer } from '../../src/server/server.js';
import { Random } from '../../src/util/random.js';
import { trainTinyModel, type TinyModel } from './tiny-model.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let tiny: TinyModel;
const servers: FastifyInstance[] = [];

beforeAll(async () => {
  tiny = await trainTinyModel(13);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function listen(app: FastifyInstance): Promise<number> {
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** The value of a metric's line in Prometheus text (0 when absent), e.g. `seq2seq_queue_length`. */
async function metric(app: FastifyInstance, line: string): Promise<number> {
  const text = (await app.inject('/metrics')).body;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

/** Waits until `line` reads `value` (the queue as a client cannot see it directly). */
async function until(app: FastifyInstance, line: string, value: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await metric(app, line)) === value) return;
    await sleep(5);
  }
  throw new Error(`${line} never reached ${value}`);
}

describe('dynamic batching', () => {
  it('answers 96 concurrent clients arriving in shuffled order, each sentence as translateBeam gives it alone', async () => {
    const sizes: number[] = [];
    const app = createServer(tiny.model, { maxBatch: 16, maxWait: 15, onBatchStart: (e) => sizes.push(e.size) });
    const port = await listen(app);
    const random = new Random(7);
    const pick = () => tiny.sentences[random.int(tiny.sentences.length)]!;
    // Greedy requests through LibreTranslate's route, beam requests through /v1; one in four carries three sentences.
    const clients = Array.from({ length: 96 }, (_, i) => ({
      texts: i % 4 === 3 ? [pick(), pick(), pick()] : [pick()],
      beam: i % 2 === 0 ? 1 : 3,
      delay: random.int(40),
    }));
    const answers = await Promise.all(
      clients.map(async ({ texts, beam, delay }) => {
        await sleep(delay);
        const body = beam === 1 ? { q: texts, source: 'en', target: 'de' } : { q: texts, beam, n_best: 2 };
        const res = await fetch(`http://127.0.0.1:${port}${beam === 1 ? '/translate' : '/v1/translate'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
        return res.json() as Promise<unknown>;
      }),
    );
    let worst = 0;
    for (const [i, { texts, beam }] of clients.entries()) {
      const alone = await Promise.all(
        texts.map(
          async (t) =>
            ((await translateBeam(tiny.model, [t], { beam, nBest: beam === 1 ? 1 : 2 })) as Translation[][])[0]!,
        ),
      );
      if (beam === 1) {
        expect(answers[i]).toEqual({ translatedText: alone.map((hyps) => hyps[0]!.text) });
        continue;
      }
      const { translations } = answers[i] as {
        translations: {
          source: string;
          hypotheses: { text: string; tokens: string[]; score: number; log_prob: number }[];
        }[];
      };
      expect(translations.map((t) => t.source)).toEqual(texts);
      translations.forEach((t, k) => {
        expect(t.hypotheses.map((h) => h.tokens)).toEqual(alone[k]!.map((h) => h.tokens));
        expect(t.hypotheses.map((h) => h.text)).toEqual(alone[k]!.map((h) => h.text));
        t.hypotheses.forEach((h, n) => {
          worst = Math.max(
            worst,
            Math.abs(h.score - alone[k]![n]!.score),
            Math.abs(h.log_prob - alone[k]![n]!.logProb),
          );
        });
      });
    }
    console.log(
      `96 clients, ${sizes.length} batches of ${Math.min(...sizes)} to ${Math.max(...sizes)} sentences; ` +
        `largest score difference from decoding alone ${worst.toExponential(2)} (limit 1e-5)`,
    );
    expect(worst).toBeLessThan(1e-5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16);
    expect(sizes.some((size) => size > 1)).toBe(true); // they were batched
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(clients.reduce((n, c) => n + c.texts.length, 0));
  });

  it('refuses a request that would overfill the queue with 429 and Retry-After, and answers the queued one', async () => {
    const app = createServer(tiny.model, { maxBatch: 8, maxWait: 1500, maxQueue: 3 });
    servers.push(app);
    const queued = app.inject({ method: 'POST', url: '/v1/translate', body: { q: tiny.sentences.slice(0, 3) } });
    await until(app, 'seq2seq_queue_length', 3);
    const refused = await app.inject({
      method: 'POST',
      url: '/translate',
      body: { q: tiny.sentences[3], source: 'en', target: 'de' },
    });
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json()).toEqual({ error: 'Slowdown: the server is busy: 3 sentences are waiting, at most 3 may' });
    expect((await queued).statusCode).toBe(200);
  });

  it('drops the queued sentences of a client that disconnects: they are never decoded', async () => {
    const sizes: number[] = [];
    const app = createServer(tiny.model, { maxWait: 600, onBatchStart: (e) => sizes.push(e.size) });
    const port = await listen(app);
    const gone = httpRequest({
      port,
      method: 'POST',
      path: '/v1/translate',
      headers: { 'content-type': 'application/json' },
    });
    gone.on('error', () => undefined); // the socket this test destroys
    gone.end(JSON.stringify({ q: tiny.sentences.slice(0, 3) }));
    await until(app, 'seq2seq_queue_length', 3);
    gone.destroy();
    await until(app, 'seq2seq_sentences_dropped_total', 3);
    expect(await metric(app, 'seq2seq_queue_length')).toBe(0);
    const stays = await fetch(`http://127.0.0.1:${port}/v1/translate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: tiny.sentences.slice(3, 5) }),
    });
    expect(stays.status).toBe(200);
    expect(sizes).toEqual([2]);
    expect(await metric(app, 'seq2seq_sentences_translated_total{decoding="greedy"}')).toBe(2);
  });

  it('answers 503 with Retry-After when a request outlives its time limit, and drops its sentences', async () => {
    const app = createServer(tiny.model, { maxWait: 2000, timeout: 0.3 });
    servers.push(app);
    const res = await app.inject({ method: 'POST', url: '/v1/translate', body: { q: tiny.sentences[0] } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json()).toEqual({ error: 'Timed out: the request took longer than 0.3 s (the server is busy)' });
    expect(await metric(app, 'seq2seq_sentences_dropped_total')).toBe(1);
    expect(await metric(app, 'seq2seq_queue_length')).toBe(0);
  });

  it('keeps the event loop free while a batch decodes on the addon’s thread', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const app = createServer(tiny.model, { maxWait: 0, maxBatch: 64, onBatchStart: () => started() });
    servers.push(app);
    const order: string[] = [];
    const big = app
      .inject({
        method: 'POST',
        url: '/v1/translate',
        body: { q: tiny.sentences.slice(0, 64), beam: 16, max_length: 200 },
      })
      .then((res) => (order.push('translation'), res));
    await running;
    await app.inject('/health').then(() => order.push('health'));
    expect((await big).statusCode).toBe(200);
    expect(order).toEqual(['health', 'translation']);
  });

  it('exposes Prometheus metrics: requests by route and status, latency, batch sizes, queue length, sentences', async () => {
    const app = createServer(tiny.model, { maxWait: 0 });
    servers.push(app);
    const body = { q: tiny.sentences.slice(0, 2), source: 'en', target: 'de' };
    await app.inject({ method: 'POST', url: '/translate', body });
    await app.inject({ method: 'POST', url: '/translate', body });
    await app.inject({ method: 'POST', url: '/translate', body: { source: 'en' } });
    const res = await app.inject('/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(text).toContain('seq2seq_http_requests_total{method="POST",route="/translate",status="200"} 2');
    expect(text).toContain('seq2seq_http_requests_total{method="POST",route="/translate",status="400"} 1');
    expect(text).toContain('seq2seq_http_request_duration_seconds_count{method="POST",route="/translate"} 3');
    expect(text).toMatch(/seq2seq_batch_size_bucket\{le="2",decoding="greedy"\} 2/);
    expect(text).toContain('seq2seq_batch_size_sum{decoding="greedy"} 4');
    expect(text).toContain('seq2seq_batch_duration_seconds_count{decoding="greedy"} 2');
    expect(text).toContain('seq2seq_sentences_translated_total{decoding="greedy"} 4');
    expect(text).toContain('seq2seq_queue_length 0');
    expect(text).toContain('seq2seq_sentences_dropped_total 0');
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it('answers 500 with {"error"} when decoding fails, and goes on serving', async () => {
    const broken = loadModel(tiny.dir);
    broken.encoder.dispose();
    const app = createServer(broken, { maxWait: 0 });
    servers.push(app);
    const res = await app.inject({ method: 'POST', url: '/v1/translate', body: { q: tiny.sentences[0] } });
    expect(res.statusCode).toBe(500);
    expect(res.json<{ error: string }>().error).toMatch(/^Cannot translate text: This \w+ was disposed/);
    expect((await app.inject('/health')).json()).toEqual({ status: 'ok' });
    expect(await metric(app, 'seq2seq_http_requests_total{method="POST",route="/v1/translate",status="500"}')).toBe(1);
  });
});
