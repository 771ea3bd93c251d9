/** The sizes of a model and of its training, with the notebook's values as defaults, in one place. */
import type { Device } from '../torch/index.js';
import { checkInteger, checkNumber } from '../util/check.js';

export interface ModelConfig {
  /** NUM_INSTANCES: pairs drawn from the corpus, with replacement. */
  instances: number;
  /** NUM_EPOCHS */
  epochs: number;
  /** HIDDEN_SIZE */
  hidden: number;
  /** EMBEDDING_DIM */
  embedding: number;
  /** NUM_LAYERS */
  layers: number;
  /** Adam's learning rate for both optimizers. */
  lr: number;
  /** Seeds the pair sampling and libtorch's generator (initial weights). */
  seed: number;
  /** DEVICE; the notebook hard-wires cuda, here cpu unless asked. */
  device: Device;
}

export const NOTEBOOK_DEFAULTS: ModelConfig = {
  instances: 50_000,
  epochs: 10,
  hidden: 128,
  embedding: 30,
  layers: 4,
  lr: 0.01,
  seed: 0,
  device: 'cpu',
};

/** The defaults overridden by `options`, each checked and named when wrong. */
export function resolveConfig(options: Partial<ModelConfig> = {}): ModelConfig {
  const c = { ...NOTEBOOK_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  checkInteger('instances', c.instances, 1);
  checkInteger('epochs', c.epochs, 1);
  checkInteger('hidden', c.hidden, 1);
  checkInteger('embedding', c.embedding, 1);
  checkInteger('layers', c.layers, 1);
  checkNumber('lr', c.lr, Number.MIN_VALUE);
  checkInteger('seed', c.seed, 0, Number.MAX_SAFE_INTEGER);
  return c;
}
