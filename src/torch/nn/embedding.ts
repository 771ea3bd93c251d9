import { checkInteger, checkOptions } from '../../util/check.js';
import { native } from '../addon.js';
import type { EmbeddingHandle } from '../addon-types.js';
import { Tensor } from '../tensor.js';
import type { Linear } from './linear.js';
import { NativeModule } from './native-module.js';

export interface EmbeddingOptions {
  /** Row whose embedding gets no gradient (PyTorch's `padding_idx`). */
  paddingIdx?: number;
}

/** `nn.Embedding(numEmbeddings, embeddingDim)`: a lookup table; its parameter is `weight`. */
export class Embedding extends NativeModule<EmbeddingHandle> {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;

  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingOptions) {
    const opts = checkOptions('options', options);
    checkInteger('numEmbeddings', numEmbeddings, 1);
    checkInteger('embeddingDim', embeddingDim, 1);
    if (opts.paddingIdx !== undefined) checkInteger('paddingIdx', opts.paddingIdx, -numEmbeddings, numEmbeddings - 1);
    super(new native.Embedding(numEmbeddings, embeddingDim, opts));
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
  }

  /**
   * Ties the weight to `linear`'s, as `embedding.weight = linear.weight` does in PyTorch: one tensor, one
   * gradient; `linear` must map embeddingDim features to numEmbeddings outputs. Both state dicts list it.
   */
  tieWeight(linear: Linear): void {
    this.handle.tieWeight(linear.handle);
    const weight = linear.namedParameters().find(([name]) => name === 'weight')![1];
    this.replaceOwnParameter('weight', weight);
  }

  /** [*] int64 indices -> [*, embeddingDim]. Indices outside [0, numEmbeddings) throw a RangeError. */
  forward(input: Tensor): Tensor {
    return new Tensor(this.handle.forward(input.handle));
  }
}
