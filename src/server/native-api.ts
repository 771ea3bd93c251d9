/**
 * The server's own API, for what LibreTranslate's cannot say (the web page is written against these shapes):
 *   POST /v1/translate  {q, beam?, n_best?, length_penalty?, max_length?, attention?}
 *                       -> {translations: [{source, hypotheses: [{text, tokens, score, log_prob}], attention?}]}
 *   GET  /v1/model      the language pair, the model's kind and sizes, and the server's limits
 * Attention weights come with greedy decoding (beam 1) of models trained with attention.
 */
import type { FastifyInstance } from 'fastify';
import { fullSizes } from '../model/architecture.js';
import { segmentersOf } from '../io/model-files.js';
import { requireKey } from './api-keys.js';
import { requestLength, type ServerContext } from './context.js';
import { badRequest } from './errors.js';
import { booleanField, bodyFields, integerField, numberField, readTexts } from './requests.js';

/** One hypothesis of `POST /v1/translate`. */
export interface HypothesisAnswer {
  text: string;
  tokens: string[];
  /** log_prob divided by length^length_penalty: what hypotheses are ranked by. */
  score: number;
  /** Summed log-probability of the output tokens. */
  log_prob: number;
}

/** One sentence of `POST /v1/translate`. */
export interface TranslationAnswer {
  source: string;
  /** Best first. */
  hypotheses: HypothesisAnswer[];
  /** Asked for with `attention: true`: weights[t][s] of target token t over source token s (in reading order). */
  attention?: { source: string[]; target: string[]; weights: number[][] };
}

/** The answer of `GET /v1/model`. */
export interface ModelAnswer {
  source: string;
  target: string;
  vocabulary: 'word' | 'subword';
  attention: string;
  bidirectional: boolean;
  hidden: number;
  embedding: number;
  layers: number;
  beam_max: number;
  max_chars: number;
  max_sentences: number;
  /** An int8 model (`seq2seq quantize`) only; absent for a float32 one. */
  quantized?: 'int8';
}

/** The greatest |length_penalty|, as `seq2seq translate --length-penalty` allows. */
const MAX_LENGTH_PENALTY = 10;

/** Adds `/v1/translate` and `/v1/model` to `app`. */
export function nativeRoutes(app: FastifyInstance, context: ServerContext): void {
  const { model, options, translator } = context;
  const sizes = fullSizes(model.sizes);

  app.post('/v1/translate', async (request, reply): Promise<{ translations: TranslationAnswer[] }> => {
    const fields = bodyFields(request.body);
    requireKey(context.apiKeys, fields, request.headers.authorization);
    const { texts } = readTexts(fields.q, options.maxSentences);
    const attention = booleanField(fields, 'attention', false);
    const beam = integerField(fields, 'beam', 1, options.beamMax, attention ? 1 : options.beam);
    const nBest = integerField(fields, 'n_best', 1, beam, 1);
    const lengthPenalty = numberField(fields, 'length_penalty', -MAX_LENGTH_PENALTY, MAX_LENGTH_PENALTY, 1);
    const maxLength = integerField(fields, 'max_length', 1, options.maxLength, requestLength(options));
    if (attention) {
      if (sizes.attention === 'none') {
        throw badRequest('attention: this model has no attention (trained with --attention none)');
      }
      if (beam !== 1)
        throw badRequest('attention: the weights come with greedy decoding; leave out beam or set it to 1');
    }
    const decoded = await translator.translate(
      texts,
      attention ? { type: 'attention', maxLength } : { type: 'beam', beam, nBest, lengthPenalty, maxLength },
      reply,
    );
    return {
      translations: decoded.map((d, i) => ({
        source: texts[i]!,
        hypotheses: d.hypotheses.map((h) => ({ text: h.text, tokens: h.tokens, score: h.score, log_prob: h.logProb })),
        ...(d.attention
          ? {
              attention: {
                source: [...d.attention.source],
                target: [...d.attention.target],
                weights: d.attention.weights.map((row) => [...row]),
              },
            }
          : {}),
      })),
    };
  });

  app.get('/v1/model', async (): Promise<ModelAnswer> => ({
    source: options.source,
    target: options.target,
    vocabulary: segmentersOf(model).source.kind,
    attention: sizes.attention,
    bidirectional: sizes.bidirectional,
    hidden: sizes.hidden,
    embedding: sizes.embedding,
    layers: sizes.layers,
    beam_max: options.beamMax,
    max_chars: options.maxChars,
    max_sentences: options.maxSentences,
    ...(model.quantized ? { quantized: model.quantized } : {}),
  }));
}
