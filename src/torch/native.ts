/**
 * The addon in one import, for code outside src/torch: its types (addon-types.ts), the loaded addon (addon.ts) and
 * what the load set in the environment (process-tuning.ts). Importing this loads libtorch.
 */
export type * from './addon-types.js';
export { native } from './addon.js';
export { packageEnvironment } from './process-tuning.js';
