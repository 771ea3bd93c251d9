/**
 * The translation server on Fastify: LibreTranslate's API, the native `/v1` API, `/health`, `/metrics` and the
 * web page's files, over one model whose sentences are batched across concurrent requests.
 *
 *   const app = createServer(loadModel('runs/demo'), { maxBatch: 32, maxWait: 10 });
 *   await app.listen({ host: '127.0.0.1', port: 5000 });
 *
 * or, in an application of your own, `app.register(seq2seqRoutes, { model, prefix: '/mt', ...options })`.
 */
import formbody from '@fastify/formbody';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyServerOptions,
} from 'fastify';
import type { TrainedModel } from '../io/model-files.js';
import { invalidParameterError } from '../util/check.js';
import { ApiKeys } from './api-keys.js';
import type { ServerContext } from './context.js';
import { errorHandler } from './errors.js';
import { libreTranslateRoutes } from './libretranslate.js';
import { resolveServerOptions, type ServerOptions } from './limits.js';
import { createMetrics } from './metrics.js';
import { nativeRoutes } from './native-api.js';
import { operationRoutes } from './operations.js';
import { staticRoutes } from './static-files.js';
import { Translator, type BatchHooks } from './translator.js';

/** The options of the {@link seq2seqRoutes} plugin: the model, and the server's options. */
export interface Seq2seqRoutesOptions extends ServerOptions, BatchHooks {
  model: TrainedModel;
}

/** The options of {@link createServer}: the server's, and Fastify's logger (default none). */
export interface CreateServerOptions extends ServerOptions, BatchHooks {
  /** Fastify's pino logger: `true`, pino's options (`{ level: 'info' }`), or false (the default). */
  logger?: FastifyServerOptions['logger'];
}

function checkModel(model: unknown): asserts model is TrainedModel {
  const m = model as Partial<TrainedModel> | null;
  if (m === null || typeof m !== 'object' || !m.encoder || !m.decoder || !m.sourceVocab || !m.targetVocab) {
    throw invalidParameterError('model', 'a trained model (from loadModel)', model);
  }
}

/** The routes, hooks and handlers of one server, added to `app`'s context. */
async function registerRoutes(app: FastifyInstance, routeOptions: Seq2seqRoutesOptions): Promise<void> {
  const { model, onBatchStart, onBatchEnd, ...serverOptions } = routeOptions;
  checkModel(model);
  const options = resolveServerOptions(serverOptions);
  // The queue-length gauge reads the translator's queue, and the translator counts into the metrics.
  const holder: { translator?: Translator } = {};
  const metrics = createMetrics(() => holder.translator?.batcher.waiting ?? 0, options.processMetrics);
  const translator = new Translator(model, options, metrics, { onBatchStart, onBatchEnd });
  holder.translator = translator;
  const context: ServerContext = {
    model,
    options,
    translator,
    metrics,
    ...(options.apiKeys ? { apiKeys: new ApiKeys(options.apiKeys) } : {}),
  };

  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= options.bodyLimit;
  });
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    await app.register(formbody, { bodyLimit: options.bodyLimit });
  }
  app.setErrorHandler(errorHandler(options.bodyLimit));

  let closing = false;
  app.addHook('onSend', async (_request, reply, payload) => {
    // Once the server is closing, keep-alive connections end with their answer, so that closing does not wait.
    if (closing) reply.header('connection', 'close');
    if (options.cors) reply.headers(CORS_HEADERS);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const method = request.method;
    metrics.requests.inc({ method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method, route }, reply.elapsedTime / 1000);
    request.log.info(
      { method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    await translator.close();
  });

  if (options.cors) {
    for (const url of ['/translate', '/v1/translate'])
      app.options(url, async (_request, reply) => reply.code(204).send());
  }
  libreTranslateRoutes(app, context);
  nativeRoutes(app, context);
  operationRoutes(app, metrics);
  staticRoutes(app, options.web);
}

/** LibreTranslate's cross-origin headers (`cors: true`). */
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'Authorization, Content-Type',
  'access-control-allow-methods': 'GET, POST',
  'access-control-max-age': '86400',
};

/**
 * The server's routes as a Fastify plugin, to mount in an application of your own (encapsulated: its error
 * handler, form parser and hooks stay inside it):
 *
 *   await app.register(seq2seqRoutes, { model: loadModel('runs/demo'), prefix: '/mt', maxBatch: 32 });
 *
 * adds `POST /mt/translate`, `GET /mt/languages`, `POST /mt/v1/translate`, `GET /mt/v1/model`, `GET /mt/health`,
 * `GET /mt/metrics` (a registry of its own) and the web page. Options are checked when the plugin loads; a bad one
 * makes `app.ready()` reject with a TypeError naming it.
 */
export const seq2seqRoutes: FastifyPluginAsync<Seq2seqRoutesOptions> = async (app, options) =>
  registerRoutes(app, options);

/** {@link registerRoutes} in the root context of {@link createServer}: its 404s and errors answer in the same shape. */
const rootRoutes = Object.assign(
  async (app: FastifyInstance, options: Seq2seqRoutesOptions) => registerRoutes(app, options),
  {
    [Symbol.for('skip-override')]: true,
  },
);

/**
 * A translation server over `model`, ready to listen (`await app.listen({ port: 5000 })`; `app.close()` stops
 * accepting, answers what is in flight, then resolves). Options are checked here: a bad one throws a TypeError
 * that names it. See {@link ServerOptions} for the limits and their defaults.
 */
export function createServer(model: TrainedModel, options: CreateServerOptions = {}): FastifyInstance {
  checkModel(model);
  const { logger, ...serverOptions } = options;
  const { bodyLimit, apiKeys } = resolveServerOptions(serverOptions);
  const app = Fastify({
    logger: logger ?? false,
    bodyLimit,
    // One line per request, written by the routes' onResponse hook instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `Not found: ${request.method} ${request.url}` }),
  );
  // The keys as checked here: an iterator given as apiKeys can be read only once.
  void app.register(rootRoutes, { ...serverOptions, apiKeys, model });
  return app as unknown as FastifyInstance;
}
