/**
 * LibreTranslate's API (libretranslate/app.py), so that its clients work unchanged:
 *   POST /translate         q (a string or an array), source (or `auto`), target, format (`text`), alternatives,
 *                           api_key; JSON or a form body; answers {"translatedText": ...} shaped like q
 *   GET  /languages         [{"code", "name", "targets"}]
 *   GET  /frontend/settings what LibreTranslate's page reads: character limit, keys, the language pair
 * Errors are {"error": "..."} with LibreTranslate's statuses and wording where it has them.
 */
import type { FastifyInstance } from 'fastify';
import { requireKey } from './api-keys.js';
import { requestLength, type ServerContext } from './context.js';
import { HttpError } from './errors.js';
import { checkPair, languageList, languageName } from './languages.js';
import { bodyFields, integerField, readTexts, stringField } from './requests.js';

/** LibreTranslate's answer to `POST /translate`. */
export interface LibreTranslateAnswer {
  translatedText: string | string[];
  alternatives?: string[] | string[][];
  detectedLanguage?: DetectedLanguage | DetectedLanguage[];
}

interface DetectedLanguage {
  confidence: number;
  language: string;
}

/** Adds LibreTranslate's routes to `app`. */
export function libreTranslateRoutes(app: FastifyInstance, context: ServerContext): void {
  const { options, translator } = context;

  app.post('/translate', async (request, reply): Promise<LibreTranslateAnswer> => {
    const fields = bodyFields(request.body);
    requireKey(context.apiKeys, fields, request.headers.authorization);
    const { texts, single } = readTexts(fields.q, options.maxSentences);
    const source = stringField(fields, 'source');
    const target = stringField(fields, 'target');
    checkPair({ source, target }, options);
    const format = fields.format;
    if (format !== undefined && format !== null && format !== '' && format !== 'text') {
      throw new HttpError(400, `${typeof format === 'string' ? format : 'that'} format is not supported`);
    }
    const alternatives = integerField(fields, 'alternatives', 0, options.beamMax - 1, 0, true);
    const nBest = alternatives + 1;
    const decoded = await translator.translate(
      texts,
      {
        type: 'beam',
        beam: Math.max(options.beam, nBest),
        nBest,
        lengthPenalty: 1,
        maxLength: requestLength(options),
      },
      reply,
    );
    const best = decoded.map((d) => d.hypotheses[0]?.text ?? '');
    const answer: LibreTranslateAnswer = { translatedText: single ? best[0]! : best };
    if (alternatives > 0) {
      // LibreTranslate's: the other hypotheses, each once, without the translation itself.
      const others = decoded.map((d, i) =>
        [...new Set(d.hypotheses.slice(1).map((h) => h.text))].filter((t) => t !== best[i]),
      );
      answer.alternatives = single ? others[0]! : others;
    }
    if (source.toLowerCase() === 'auto') {
      const detected = { confidence: 100, language: options.source };
      answer.detectedLanguage = single ? detected : texts.map(() => ({ ...detected }));
    }
    return answer;
  });

  app.get('/languages', async () => languageList(options.source, options.target));

  app.get('/frontend/settings', async () => ({
    charLimit: options.maxChars,
    frontendTimeout: 500,
    apiKeys: context.apiKeys !== undefined,
    keyRequired: context.apiKeys !== undefined,
    suggestions: false,
    filesTranslation: false,
    supportedFilesFormat: [],
    language: {
      source: { code: options.source, name: languageName(options.source) },
      target: { code: options.target, name: languageName(options.target) },
    },
  }));
}
