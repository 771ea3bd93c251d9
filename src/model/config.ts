/** The sizes of a model and of its training, with the notebook's values as defaults (from the run option table). */
import type { Device } from '../torch/index.js';
import { checkRunOption, runOptionDefault } from '../train/run-options.js';
import { checkInteger } from '../util/check.js';

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

/** The notebook's values: src/train/run-options.ts holds them. */
export const NOTEBOOK_DEFAULTS: ModelConfig = {
  instances: runOptionDefault('instances') as number,
  epochs: runOptionDefault('epochs'),
  hidden: runOptionDefault('hidden'),
  embedding: runOptionDefault('embedding'),
  layers: runOptionDefault('layers'),
  lr: runOptionDefault('lr'),
  seed: runOptionDefault('seed'),
  device: runOptionDefault('device'),
};

/** The defaults overridden by `options`, each checked (by the run option table) and named when wrong. */
export function resolveConfig(options: Partial<ModelConfig> = {}): ModelConfig {
  const pick = <K extends keyof ModelConfig>(name: K): ModelConfig[K] => {
    const value = options[name];
    return value === undefined ? NOTEBOOK_DEFAULTS[name] : (checkRunOption(name, value) as ModelConfig[K]);
  };
  return {
    instances: checkInteger('instances', pick('instances'), 1),
    epochs: pick('epochs'),
    hidden: pick('hidden'),
    embedding: pick('embedding'),
    layers: pick('layers'),
    lr: pick('lr'),
    seed: pick('seed'),
    device: pick('device'),
  };
}
