/**
 * The native API: `/v1/translate` answers in exactly the shape the web page reads (beam, n-best with scores,
 * tokens, attention weights), each equal to what the library gives the sentence alone; `/v1/model` describes the
 * model and the limits; every bad field is a 400 that names it.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
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
import { buildModel } from '../../src/model/architecture.js';
import { createServer } from '../../src/server/server.js';
import type { TrainedModel } from '../../src/io/model-files.js';
import { trainTinyModel, type TinyModel } from './tiny-model.js';

let tiny: TinyModel;
let server: FastifyInstance;

beforeAll(async () => {
  tiny = await trainTinyModel(12, 'luong-general');
  server = createServer(tiny.model, { maxWait: 2 });
});

afterAll(async () => {
  await server?.close();
});

const post = (body: unknown) => server.inject({ method: 'POST', url: '/v1/translate', body: body as object });

describe('POST /v1/translate', () => {
  it('answers greedy decoding by default: text, tokens, score and log_prob, as translateBeam gives them', async () => {
    const texts = tiny.sentences.slice(0, 3);
    const res = await post({ q: texts });
    expect(res.statusCode).toBe(200);
    const expected = (await translateBeam(tiny.model, texts)) as Translation[][];
    expect(res.json()).toEqual({
      translations: texts.map((source, i) => ({
        source,
        hypotheses: expected[i]!.map((h) => ({ text: h.text, tokens: h.tokens, score: h.score, log_prob: h.logProb })),
      })),
    });
  });

  it('gives the n-best list of a beam search, best first, with its length penalty', async () => {
    const text = tiny.sentences[3]!;
    const res = await post({ q: text, beam: 4, n_best: 3, length_penalty: 0.5, max_length: 20 });
    const [expected] = (await translateBeam(tiny.model, [text], {
      beam: 4,
      nBest: 3,
      lengthPenalty: 0.5,
      maxLength: 20,
    })) as Translation[][];
    const { translations } = res.json<{ translations: { hypotheses: { score: number }[] }[] }>();
    expect(translations).toHaveLength(1);
    expect(translations[0]!.hypotheses).toEqual(
      expected!.map((h) => ({ text: h.text, tokens: h.tokens, score: h.score, log_prob: h.logProb })),
    );
    const scores = translations[0]!.hypotheses.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('gives the attention weights of greedy decoding when asked, as translateWithAttention does', async () => {
    const texts = tiny.sentences.slice(4, 6);
    const res = await post({ q: texts, attention: true });
    expect(res.statusCode).toBe(200);
    const attended = (await translateWithAttention(tiny.model, texts)) as AttendedTranslation[];
    const scored = (await translateBeam(tiny.model, texts)) as Translation[][];
    const { translations } = res.json<{ translations: unknown[] }>();
    expect(translations).toEqual(
      texts.map((source, i) => ({
        source,
        hypotheses: [
          {
            text: attended[i]!.text,
            tokens: attended[i]!.tokens,
            score: scored[i]![0]!.score,
            log_prob: scored[i]![0]!.logProb,
          },
        ],
        attention: {
          source: attended[i]!.attention.source,
          target: attended[i]!.attention.target,
          weights: attended[i]!.attention.weights,
        },
      })),
    );
    // The scored greedy search and the attention decoding agree on the words.
    expect(attended.map((a) => a.tokens)).toEqual(scored.map((s) => s[0]!.tokens));
    const { attention } = translations[0] as { attention: { source: string[]; target: string[]; weights: number[][] } };
    expect(attention.weights).toHaveLength(attention.target.length);
    for (const row of attention.weights) {
      expect(row).toHaveLength(attention.source.length);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  const refusals: [string, unknown, string][] = [
    ['beam 0', { q: 'x', beam: 0 }, 'Invalid request: beam must be an integer from 1 to 16, not 0'],
    ['a beam over beam_max', { q: 'x', beam: 17 }, 'Invalid request: beam must be an integer from 1 to 16, not 17'],
    ['a fractional beam', { q: 'x', beam: 2.5 }, 'Invalid request: beam must be an integer from 1 to 16, not 2.5'],
    ['a string beam', { q: 'x', beam: '4' }, 'Invalid request: beam must be an integer from 1 to 16, not "4"'],
    [
      'n_best over beam',
      { q: 'x', beam: 2, n_best: 3 },
      'Invalid request: n_best must be an integer from 1 to 2, not 3',
    ],
    [
      'a huge length penalty',
      { q: 'x', length_penalty: 1e9 },
      'Invalid request: length_penalty must be a number from -10 to 10, not 1000000000',
    ],
    [
      'max_length over the limit',
      { q: 'x', max_length: 201 },
      'Invalid request: max_length must be an integer from 1 to 200, not 201',
    ],
    [
      'attention as a string',
      { q: 'x', attention: 'yes' },
      'Invalid request: attention must be true or false, not "yes"',
    ],
    [
      'attention with a beam',
      { q: 'x', attention: true, beam: 3 },
      'Invalid request: attention: the weights come with greedy decoding; leave out beam or set it to 1',
    ],
    ['no q', { beam: 2 }, 'Invalid request: missing q parameter'],
    ['q as an object', { q: { text: 'x' } }, 'Invalid request: q must be a string or an array of strings'],
  ];

  it.each(refusals)('refuses %s with 400', async (_name, body, error) => {
    const res = await post(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error });
  });

  it('refuses attention for a model without it', async () => {
    const { encoder, decoder } = buildModel(tiny.model.sourceVocab.size, tiny.model.targetVocab.size, {
      hidden: 8,
      embedding: 4,
      layers: 1,
    });
    const plain: TrainedModel = { ...tiny.model, sizes: { hidden: 8, embedding: 4, layers: 1 }, encoder, decoder };
    encoder.eval();
    decoder.eval();
    const app = createServer(plain);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/translate',
      body: { q: tiny.sentences[0], attention: true },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: 'Invalid request: attention: this model has no attention (trained with --attention none)',
    });
    expect((await app.inject('/v1/model')).json()).toMatchObject({ attention: 'none', hidden: 8 });
    await app.close();
  });
});

describe('GET /v1/model', () => {
  it('describes the model, the language pair and the limits', async () => {
    expect((await server.inject('/v1/model')).json()).toEqual({
      source: 'en',
      target: 'de',
      vocabulary: 'word',
      attention: 'luong-general',
      bidirectional: false,
      hidden: 16,
      embedding: 8,
      layers: 1,
      beam_max: 16,
      max_chars: 1000,
      max_sentences: 64,
    });
    const custom = createServer(tiny.model, { source: 'en', target: 'fr', beamMax: 8, maxChars: 200, maxSentences: 5 });
    expect((await custom.inject('/v1/model')).json()).toMatchObject({
      target: 'fr',
      beam_max: 8,
      max_chars: 200,
      max_sentences: 5,
    });
    await custom.close();
  });
});

describe('the web folder', () => {
  it('serves its files as they are, index.html at /, and nothing outside it or hidden', async () => {
    const web = mkdtempSync(join(tmpdir(), 'serve-web-'));
    mkdirSync(join(web, 'js'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>seq2seq</title>');
    writeFileSync(join(web, 'js', 'app.js'), 'console.log(1);');
    writeFileSync(join(web, '.secret'), 'no');
    symlinkSync('/etc/passwd', join(web, 'passwd'));
    const app = createServer(tiny.model, { web });
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe('<!doctype html><title>seq2seq</title>');
    expect((await app.inject('/index.html')).body).toBe(page.body);
    const script = await app.inject('/js/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('console.log(1);');
    for (const url of ['/.secret', '/passwd', '/%2e%2e/package.json', '/..%2fpackage.json', '/js/']) {
      expect([url, (await app.inject(url)).statusCode]).toEqual([url, 404]);
    }
    await app.close();
    const none = createServer(tiny.model, { web: false });
    expect((await none.inject('/')).statusCode).toBe(404);
    await none.close();
  });
});
