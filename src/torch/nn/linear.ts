import { checkBoolean, checkInteger, checkOptions } from '../../util/check.js';
import { native } from '../addon.js';
import type { ForwardHandle } from '../addon-types.js';
import { Tensor } from '../tensor.js';
import { NativeModule } from './native-module.js';

export interface LinearOptions {
  /** Whether to learn an additive bias; default true. */
  bias?: boolean;
}

/** `nn.Linear(inFeatures, outFeatures)`: y = x Wᵀ + b; parameters `weight` [out, in] and `bias` [out]. */
export class Linear extends NativeModule<ForwardHandle> {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions) {
    const opts = checkOptions('options', options);
    checkInteger('inFeatures', inFeatures, 1);
    checkInteger('outFeatures', outFeatures, 1);
    if (opts.bias !== undefined) checkBoolean('bias', opts.bias);
    super(new native.Linear(inFeatures, outFeatures, opts));
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
  }

  /** [*, inFeatures] -> [*, outFeatures] */
  forward(input: Tensor): Tensor {
    return new Tensor(this.handle.forward(input.handle));
  }
}
