/**
 * The server on an int8 model (`seq2seq quantize`): LibreTranslate's `/translate` and the native `/v1/translate`
 * (greedy, beam with n-best, attention) answer what the library's decoding of that int8 model gives the same
 * sentences decoded together (an int8 translation can depend on the sentences beside it, so each request's
 * sentences are compared as one batch), and `/v1/model` says `quantized: "int8"`, which a float model's lacks.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  translateBeam,
  translateWithAttention,
  type AttendedTranslation,
  type Translation,
} from '../../src/decode/translate.js';
import { loadModel, type TrainedModel } from '../../src/io/model-files.js';
import { quantizeModel } from '../../src/io/quantize.js';
import { createServer } from '../../src/server/server.js';
import { trainTinyModel, type TinyModel } from './tiny-model.js';

let tiny: TinyModel;
let int8: TrainedModel;
let server: FastifyInstance;

beforeAll(async () => {
  tiny = await trainTinyModel(16, 'luong-general');
  const dir = join(mkdtempSync(join(tmpdir(), 'serve-int8-')), 'int8');
  quantizeModel(tiny.dir, dir);
  int8 = loadModel(dir);
  server = createServer(int8, { maxWait: 2 });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const post = (url: string, body: object) => server.inject({ method: 'POST', url, body });

describe('serving an int8 model', () => {
  it('is the int8 model: /v1/model says quantized int8, and a float model says nothing of it', async () => {
    expect(int8.quantized).toBe('int8');
    expect((await server.inject('/v1/model')).json()).toMatchObject({ quantized: 'int8', hidden: 16, layers: 1 });
    const float = createServer(tiny.model);
    expect((await float.inject('/v1/model')).json()).not.toHaveProperty('quantized');
    await float.close();
  });

  it('answers LibreTranslate /translate as translateBeam decodes the int8 model', async () => {
    const texts = tiny.sentences.slice(0, 4);
    const res = await post('/translate', { q: texts, source: 'en', target: 'de' });
    expect(res.statusCode).toBe(200);
    const expected = (await translateBeam(int8, texts)) as Translation[][];
    expect(res.json()).toEqual({ translatedText: expected.map((t) => t[0]!.text) });
    const one = await post('/translate', { q: texts[0], source: 'en', target: 'de' });
    const [alone] = (await translateBeam(int8, [texts[0]!])) as Translation[][];
    expect(one.json()).toEqual({ translatedText: alone![0]!.text });
  });

  it('answers /v1/translate greedy and with a beam (n-best, scores) as translateBeam does', async () => {
    const texts = tiny.sentences.slice(4, 8);
    const answer = (expected: Translation[][]) => ({
      translations: texts.map((source, i) => ({
        source,
        hypotheses: expected[i]!.map((h) => ({ text: h.text, tokens: h.tokens, score: h.score, log_prob: h.logProb })),
      })),
    });
    const greedy = await post('/v1/translate', { q: texts });
    expect(greedy.statusCode).toBe(200);
    expect(greedy.json()).toEqual(answer((await translateBeam(int8, texts)) as Translation[][]));
    // The int8 products, not the float ones: the float model's scores differ (by the quantization's ~1e-3).
    const logProbs = (t: Translation[][]) => t.map((h) => h[0]!.logProb);
    const served = greedy.json<{ translations: { hypotheses: { log_prob: number }[] }[] }>();
    expect(served.translations.map((t) => t.hypotheses[0]!.log_prob)).not.toEqual(
      logProbs((await translateBeam(tiny.model, texts)) as Translation[][]),
    );
    const options = { beam: 4, nBest: 2, lengthPenalty: 0.5, maxLength: 20 };
    const beam = await post('/v1/translate', { q: texts, beam: 4, n_best: 2, length_penalty: 0.5, max_length: 20 });
    expect(beam.statusCode).toBe(200);
    expect(beam.json()).toEqual(answer((await translateBeam(int8, texts, options)) as Translation[][]));
  });

  it('answers /v1/translate with attention as translateWithAttention decodes the int8 model', async () => {
    const texts = tiny.sentences.slice(8, 10);
    const res = await post('/v1/translate', { q: texts, attention: true });
    expect(res.statusCode).toBe(200);
    const attended = (await translateWithAttention(int8, texts)) as AttendedTranslation[];
    const { translations } = res.json<{
      translations: { hypotheses: { text: string }[]; attention: { weights: number[][] } }[];
    }>();
    expect(translations.map((t) => t.hypotheses[0]!.text)).toEqual(attended.map((a) => a.text));
    expect(translations.map((t) => t.attention.weights)).toEqual(attended.map((a) => a.attention.weights));
  });
});
