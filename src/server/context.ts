/** What the server's routes share: the model, the options, the translator, the keys and the metrics. */
import type { TrainedModel } from '../io/model-files.js';
import type { ApiKeys } from './api-keys.js';
import { DEFAULT_REQUEST_LENGTH, type ResolvedServerOptions } from './limits.js';
import type { ServerMetrics } from './metrics.js';
import type { Translator } from './translator.js';

/** The state of one mounted server. */
export interface ServerContext {
  model: TrainedModel;
  options: ResolvedServerOptions;
  translator: Translator;
  /** Present when the server requires keys. */
  apiKeys?: ApiKeys;
  metrics: ServerMetrics;
}

/** Tokens a request produces when it does not say, at most the server's bound. */
export const requestLength = (options: ResolvedServerOptions): number =>
  Math.min(DEFAULT_REQUEST_LENGTH, options.maxLength);
