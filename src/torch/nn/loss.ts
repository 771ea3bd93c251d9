import { checkInteger, checkOneOf, checkOptions } from '../../util/check.js';
import { native } from '../addon.js';
import { Tensor } from '../tensor.js';
import { Module } from './module.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface NLLLossOptions {
  /** Default 'mean', as in PyTorch. */
  reduction?: Reduction;
  /** Target value that contributes no loss; default -100. */
  ignoreIndex?: number;
}

/**
 * `nn.NLLLoss()`: the negative log-likelihood of log-probabilities. input [N, C] (or [C]), target [N] (or [])
 * of int64 class indices; a class outside [0, C) throws a RangeError.
 */
export class NLLLoss extends Module {
  readonly reduction: Reduction;
  readonly ignoreIndex: number;

  constructor(options?: NLLLossOptions) {
    super();
    const opts = checkOptions('options', options);
    this.reduction =
      opts.reduction === undefined ? 'mean' : checkOneOf('reduction', opts.reduction, ['mean', 'sum', 'none']);
    this.ignoreIndex = opts.ignoreIndex === undefined ? -100 : checkInteger('ignoreIndex', opts.ignoreIndex);
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return new Tensor(
      native.nllLoss(input.handle, target.handle, { reduction: this.reduction, ignoreIndex: this.ignoreIndex }),
    );
  }
}
