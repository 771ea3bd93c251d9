import { checkInteger } from '../../util/check.js';
import { native } from '../addon.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** `nn.LogSoftmax(dim)`: log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkInteger('dim', dim);
  }

  forward(input: Tensor): Tensor {
    return new Tensor(native.logSoftmax(input.handle, this.dim));
  }
}
