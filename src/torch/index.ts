/**
 * The torch namespace: `torch.tensor`, `torch.zeros`, `torch.nn.LSTM`, `torch.optim.Adam`, `torch.noGrad`, ...
 * named like PyTorch's so that PyTorch code can be followed line for line.
 */
export { Tensor, type NestedArray, type TensorLike, type TensorOptions } from './tensor.js';
export { tensor, zeros, ones, full, randn, rand, arange } from './factories.js';
export { noGrad, withGradEnabled, isGradEnabled } from './autograd.js';
export { tidy, keep } from './scope.js';
export {
  manualSeed,
  setNumThreads,
  getNumThreads,
  getBlasThreads,
  setDefaultDtype,
  getDefaultDtype,
  memory,
  buildInfo,
  cuda,
} from './runtime.js';
export { save, load, loadTensors, disposeAll, PyTuple, type Loaded } from './serialize.js';
export type { DType, Device, TypedArray, BuildInfo } from './addon-types.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
