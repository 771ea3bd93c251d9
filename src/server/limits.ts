/**
 * The server's options in one place: each with its default, checked before anything listens. Nothing here loads
 * the addon (the command line's parsers and `--help` use it first).
 */
import { MAX_BEAM, MAX_DECODE_LENGTH } from '../decode/limits.js';
import { checkBoolean, checkInteger, checkNumber, invalidParameterError } from '../util/check.js';

/** What {@link createServer} and the `seq2seqRoutes` plugin take besides the model. */
export interface ServerOptions {
  /** The language code of the model's source side, as clients name it (`/languages`); default `en`. */
  source?: string;
  /** The language code of the model's target side; default `de`. */
  target?: string;
  /** Most sentences decoded together in one batch; default 32. */
  maxBatch?: number;
  /** Milliseconds a batch waits for more sentences after its first one is queued; default 10. */
  maxWait?: number;
  /** Most sentences waiting to be decoded; a request that would exceed it is refused with 429; default 1024. */
  maxQueue?: number;
  /** Most characters (code points) in one sentence; default 1000. */
  maxChars?: number;
  /** Most sentences in one request; default 64. */
  maxSentences?: number;
  /** Seconds a request may take, queue included, before it is answered 503; default 30. */
  timeout?: number;
  /** Beam width of requests that do not ask for one (`/translate`, and `/v1/translate` without `beam`); default 1. */
  beam?: number;
  /** The widest beam a request may ask for (`beam_max` in `/v1/model`); default 16. */
  beamMax?: number;
  /** The most tokens a request may ask a translation to have (`max_length`); default 200. */
  maxLength?: number;
  /** Batches decoded at the same time (each on a thread of the addon's); default 1. */
  concurrency?: number;
  /** Largest request body in bytes; default: 1 MiB, or more when maxChars x maxSentences needs it. */
  bodyLimit?: number;
  /** When given, translation requests must carry one of these keys (`api_key`, or `Authorization: Bearer`). */
  apiKeys?: Iterable<string>;
  /** Answer cross-origin requests from any page (`Access-Control-Allow-Origin: *`), as LibreTranslate does; default false. */
  cors?: boolean;
  /** Static files served at `/`: a folder, or false for none; default the package's `web/` folder when it exists. */
  web?: string | URL | false;
  /** Collect prom-client's default process metrics (memory, CPU, event loop lag) too; default true. */
  processMetrics?: boolean;
}

/** Every option with its default (apiKeys and web aside). */
export type ResolvedServerOptions = Required<Omit<ServerOptions, 'apiKeys' | 'web' | 'bodyLimit'>> & {
  bodyLimit: number;
  apiKeys?: ReadonlySet<string>;
  web: string | URL | false;
};

/** The defaults, as the command line shows them. */
export const SERVER_DEFAULTS = Object.freeze({
  source: 'en',
  target: 'de',
  maxBatch: 32,
  maxWait: 10,
  maxQueue: 1024,
  maxChars: 1000,
  maxSentences: 64,
  timeout: 30,
  beam: 1,
  beamMax: 16,
  maxLength: 200,
  concurrency: 1,
  cors: false,
  processMetrics: true,
});

/** Tokens produced when a request does not say (`translate`'s default), at most the server's `maxLength`. */
export const DEFAULT_REQUEST_LENGTH = 50;

/** The most sentences one batch may hold: each is a row of every matrix product of the decoder. */
export const MAX_BATCH = 4096;
/** The longest a batch may wait for company: beyond this, a mistake (milliseconds, not seconds). */
export const MAX_WAIT_MS = 60_000;
/** A day: longer would be a hang, not a request. */
export const MAX_TIMEOUT_S = 86_400;
/** Request bodies beyond this are refused whatever the options say. */
export const MAX_BODY_BYTES = 1 << 30;

/** LibreTranslate's and BCP 47's shapes of a language code: `en`, `pt-BR`, `zh-Hans`, `zt`. */
const LANGUAGE_CODE = /^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/;

/** Checks a language code option. */
export function checkLanguageCode(name: string, value: unknown): string {
  if (typeof value !== 'string' || !LANGUAGE_CODE.test(value) || value.toLowerCase() === 'auto') {
    throw invalidParameterError(name, 'a language code such as en or pt-BR', value);
  }
  return value;
}

/** The body limit that fits `maxSentences` sentences of `maxChars` characters, JSON-escaped, with room to spare. */
export function defaultBodyLimit(maxChars: number, maxSentences: number): number {
  return Math.min(MAX_BODY_BYTES, Math.max(1 << 20, 6 * maxChars * maxSentences + (64 << 10)));
}

/** Every option checked and defaulted; a bad one throws a TypeError that names it. */
export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  if (options === null || typeof options !== 'object') throw invalidParameterError('options', 'an object', options);
  const o = { ...SERVER_DEFAULTS, ...definedOnly(options) };
  const source = checkLanguageCode('source', o.source);
  const target = checkLanguageCode('target', o.target);
  if (source.toLowerCase() === target.toLowerCase()) {
    throw new TypeError(`source and target must be different languages, not both ${source}`);
  }
  const maxChars = checkInteger('maxChars', o.maxChars, 1, 1 << 24);
  const maxSentences = checkInteger('maxSentences', o.maxSentences, 1, 1 << 20);
  const beamMax = checkInteger('beamMax', o.beamMax, 1, MAX_BEAM);
  const resolved: ResolvedServerOptions = {
    source,
    target,
    maxBatch: checkInteger('maxBatch', o.maxBatch, 1, MAX_BATCH),
    maxWait: checkNumber('maxWait', o.maxWait, 0, MAX_WAIT_MS),
    maxQueue: checkInteger('maxQueue', o.maxQueue, 1, 1 << 24),
    maxChars,
    maxSentences,
    timeout: checkNumber('timeout', o.timeout, 0.001, MAX_TIMEOUT_S),
    beam: checkInteger('beam', o.beam, 1, beamMax),
    beamMax,
    maxLength: checkInteger('maxLength', o.maxLength, 1, MAX_DECODE_LENGTH),
    concurrency: checkInteger('concurrency', o.concurrency, 1, 64),
    bodyLimit: checkInteger(
      'bodyLimit',
      options.bodyLimit ?? defaultBodyLimit(maxChars, maxSentences),
      1024,
      MAX_BODY_BYTES,
    ),
    cors: checkBoolean('cors', o.cors),
    processMetrics: checkBoolean('processMetrics', o.processMetrics),
    web: checkWeb(options.web),
  };
  if (options.apiKeys !== undefined) resolved.apiKeys = checkApiKeys(options.apiKeys);
  return resolved;
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function checkWeb(web: unknown): string | URL | false {
  if (web === undefined) return new URL('../../web/', import.meta.url);
  if (web === false || typeof web === 'string' || web instanceof URL) return web;
  throw invalidParameterError('web', 'a folder, a file URL or false', web);
}

function checkApiKeys(keys: unknown): ReadonlySet<string> {
  if (typeof keys === 'string' || keys === null || typeof keys !== 'object' || !(Symbol.iterator in keys)) {
    throw invalidParameterError('apiKeys', 'an iterable of strings (a Set or an array)', keys);
  }
  const set = new Set<string>();
  for (const key of keys as Iterable<unknown>) {
    if (typeof key !== 'string' || key.trim() === '') {
      throw invalidParameterError('apiKeys', 'non-empty strings only', key);
    }
    set.add(key.trim());
  }
  if (set.size === 0) throw new TypeError('apiKeys is empty: give at least one key, or leave it out');
  return set;
}
