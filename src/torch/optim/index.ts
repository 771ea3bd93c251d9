export { Adam, type AdamOptions } from './adam.js';
export { SGD, type SGDOptions } from './sgd.js';
export type { StateDictOptions } from './optimizer-base.js';
import type { Adam } from './adam.js';
import type { SGD } from './sgd.js';

/** The optimizers the training paths take. */
export type Optimizer = Adam | SGD;
