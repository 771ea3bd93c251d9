/**
 * A stand-in for `createServer(model, options)` of `seq2seq serve` (src/server/server.ts), so that the web page
 * can be tested in a browser before the server exists: the page's files (`web/`, index.html at `/`) and the two
 * routes of the native API the page uses, with the same shapes, answered by the library on a real model:
 *
 * - `GET /v1/model`: `{ source, target, vocabulary, attention, bidirectional, hidden, embedding, layers, beam_max,
 *   max_chars, max_sentences }`;
 * - `POST /v1/translate` `{ q, beam?, n_best?, length_penalty?, max_length?, attention? }`:
 *   `{ translations: [{ source, hypotheses: [{ text, tokens, score, log_prob }], attention? }] }`;
 * - errors: 4xx with `{ error }`.
 *
 * No batching, queue, limits on concurrency or metrics: only what the page sees.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { MAX_BEAM, MAX_DECODE_LENGTH } from '../../src/decode/limits.js';
import { translateBeam, translateWithAttention, UnknownWordsError } from '../../src/decode/translate.js';
import { segmentersOf, type TrainedModel } from '../../src/io/model-files.js';

export interface StubServerOptions {
  /** Characters per sentence; default 1000. */
  maxChars?: number;
  /** Sentences per request; default 100. */
  maxSentences?: number;
}

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

class BadRequest extends Error {}

/** An integer in [min, max], or `fallback` when absent. */
function integer(body: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const value = body[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadRequest(`${name}: expected an integer from ${min} to ${max} but received ${JSON.stringify(value)}`);
  }
  return value;
}

/** The Fastify app (not listening yet) serving `web/` and the native API on `model`. */
export function createStubServer(model: TrainedModel, options: StubServerOptions = {}): FastifyInstance {
  const maxChars = options.maxChars ?? 1000;
  const maxSentences = options.maxSentences ?? 100;
  const app = Fastify();
  const files = new Map(
    readdirSync(WEB)
      .filter((name) => TYPES[extname(name)] !== undefined)
      .map((name) => [name, readFileSync(join(WEB, name))]),
  );
  const sendFile = (reply: FastifyReply, name: string): void => {
    const file = files.get(name);
    if (file) reply.type(TYPES[extname(name)]!).send(file);
    else reply.code(404).send({ error: `no file ${name}` });
  };
  app.get('/', (_request, reply) => sendFile(reply, 'index.html'));
  app.get<{ Params: { name: string } }>('/:name', (request, reply) => sendFile(reply, request.params.name));

  app.get('/v1/model', () => ({
    source: 'en',
    target: 'de',
    vocabulary: segmentersOf(model).source.kind,
    attention: model.decoder.attentionKind,
    bidirectional: model.encoder.bidirectional,
    hidden: model.sizes.hidden,
    embedding: model.sizes.embedding,
    layers: model.sizes.layers,
    beam_max: MAX_BEAM,
    max_chars: maxChars,
    max_sentences: maxSentences,
  }));

  app.post('/v1/translate', async (request, reply) => {
    try {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const q = typeof body.q === 'string' ? [body.q] : body.q;
      if (!Array.isArray(q) || !q.every((text): text is string => typeof text === 'string')) {
        throw new BadRequest('q: expected a string or an array of strings');
      }
      if (q.length === 0 || q.some((text) => text.trim() === '')) throw new BadRequest('q: a sentence is empty');
      if (q.length > maxSentences) {
        throw new BadRequest(`q: ${q.length} sentences, more than the ${maxSentences} allowed per request`);
      }
      const long = q.find((text) => text.length > maxChars);
      if (long !== undefined) {
        throw new BadRequest(`q: a sentence of ${long.length} characters, more than the ${maxChars} allowed`);
      }
      const beam = integer(body, 'beam', 1, MAX_BEAM, 1);
      const nBest = integer(body, 'n_best', 1, beam, 1);
      const maxLength = integer(body, 'max_length', 1, MAX_DECODE_LENGTH, 50);
      const lengthPenalty = body.length_penalty ?? 1;
      if (typeof lengthPenalty !== 'number' || !Number.isFinite(lengthPenalty)) {
        throw new BadRequest('length_penalty: expected a finite number');
      }
      const attention = body.attention === true;
      if (attention && model.decoder.attentionKind === 'none') throw new BadRequest('attention: the model has none');
      if (attention && beam !== 1) throw new BadRequest('attention: shown for greedy decoding only (beam 1)');

      const results = await translateBeam(model, q, { beam, nBest, lengthPenalty, maxLength });
      const attended = attention ? await translateWithAttention(model, q, maxLength) : [];
      const translations = results.map((result, i) => {
        if (result instanceof UnknownWordsError) {
          throw new BadRequest(`cannot translate "${q[i]}": ${result.message} (not in the training vocabulary)`);
        }
        const hypotheses = result.map((t) => ({ text: t.text, tokens: t.tokens, score: t.score, log_prob: t.logProb }));
        const map = attended[i];
        return map && !(map instanceof UnknownWordsError)
          ? { source: q[i]!, hypotheses, attention: map.attention }
          : { source: q[i]!, hypotheses };
      });
      return { translations };
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      reply.code(400);
      return { error: error.message };
    }
  });
  return app;
}
