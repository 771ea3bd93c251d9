import { checkBoolean, checkInteger, checkNumber, checkOptions } from '../../util/check.js';
import { native } from '../addon.js';
import type { LSTMHandle } from '../addon-types.js';
import { Tensor } from '../tensor.js';
import { NativeModule } from './native-module.js';

export interface LSTMOptions {
  /** Stacked layers; default 1. */
  numLayers?: number;
  /** Whether the gates have biases; default true. */
  bias?: boolean;
  /** Inputs and outputs as [batch, seq, feature] instead of [seq, batch, feature]; default false. */
  batchFirst?: boolean;
  /** Dropout between layers, in training mode; default 0. */
  dropout?: number;
  /** Default false. */
  bidirectional?: boolean;
}

/** The hidden and cell states, each [numLayers * directions, batch, hiddenSize]. */
export type LSTMState = [h: Tensor, c: Tensor];

/**
 * `nn.LSTM(inputSize, hiddenSize, { numLayers })`, libtorch's multi-layer LSTM (cuDNN on CUDA). Parameters
 * are named as in PyTorch: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, ... `bias_hh_l{n-1}`.
 */
export class LSTM extends NativeModule<LSTMHandle> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;

  constructor(inputSize: number, hiddenSize: number, options?: LSTMOptions) {
    const opts = checkOptions('options', options);
    checkInteger('inputSize', inputSize, 1);
    checkInteger('hiddenSize', hiddenSize, 1);
    if (opts.numLayers !== undefined) checkInteger('numLayers', opts.numLayers, 1);
    if (opts.bias !== undefined) checkBoolean('bias', opts.bias);
    if (opts.batchFirst !== undefined) checkBoolean('batchFirst', opts.batchFirst);
    if (opts.dropout !== undefined) checkNumber('dropout', opts.dropout, 0, 1);
    if (opts.bidirectional !== undefined) checkBoolean('bidirectional', opts.bidirectional);
    super(new native.LSTM(inputSize, hiddenSize, opts));
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = opts.numLayers ?? 1;
    this.bidirectional = opts.bidirectional ?? false;
    this.batchFirst = opts.batchFirst ?? false;
  }

  /**
   * `const [out, [h, c]] = lstm.forward(x, [h0, c0])`, as PyTorch's `out, (h, c) = lstm(x, (h0, c0))`.
   * x: [seq, batch, inputSize]; out: [seq, batch, directions * hiddenSize]. Without `hx` the state starts at zero.
   */
  forward(input: Tensor, hx?: LSTMState): [output: Tensor, state: LSTMState] {
    const [out, h, c] = hx
      ? this.handle.forward(input.handle, hx[0].handle, hx[1].handle)
      : this.handle.forward(input.handle);
    return [new Tensor(out), [new Tensor(h), new Tensor(c)]];
  }
}
