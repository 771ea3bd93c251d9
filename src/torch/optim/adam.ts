import { checkBoolean, checkNumber, checkOptions, invalidParameterError } from '../../util/check.js';
import { native, type AdamHandle } from '../native.js';
import { Tensor } from '../tensor.js';

export interface AdamOptions {
  /** Learning rate; default 1e-3. */
  lr?: number;
  /** Decay rates of the first and second moment estimates; default [0.9, 0.999]. */
  betas?: [number, number];
  /** Added to the denominator for stability; default 1e-8. */
  eps?: number;
  /** L2 penalty added to the gradient (not AdamW's decoupled decay); default 0. */
  weightDecay?: number;
  /** Use the AMSGrad variant; default false. */
  amsgrad?: boolean;
}

/** `optim.Adam(params, { lr })`: libtorch's Adam, the same update as `torch.optim.Adam`. */
export class Adam {
  readonly #handle: AdamHandle;

  constructor(params: Iterable<Tensor>, options?: AdamOptions) {
    const opts = checkOptions('options', options);
    const list = [...params];
    if (list.length === 0) throw new TypeError('Adam received an empty parameter list');
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw invalidParameterError(`params[${i}]`, 'a Tensor', p);
    });
    const lr = checkNumber('lr', opts.lr ?? 1e-3, 0);
    const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
    checkNumber('betas[0]', beta1, 0, 0.999999999);
    checkNumber('betas[1]', beta2, 0, 0.999999999);
    const eps = checkNumber('eps', opts.eps ?? 1e-8, 0);
    const weightDecay = checkNumber('weightDecay', opts.weightDecay ?? 0, 0);
    const amsgrad = checkBoolean('amsgrad', opts.amsgrad ?? false);
    this.#handle = new native.Adam(
      list.map((p) => p.handle),
      { lr, beta1, beta2, eps, weightDecay, amsgrad },
    );
  }

  /** @internal The addon's optimizer, for fused native paths. */
  get handle(): AdamHandle {
    return this.#handle;
  }

  /** Clears the gradients: to none by default (PyTorch 2's default), or to zero with `setToNone: false`. */
  zeroGrad(setToNone = true): void {
    this.#handle.zeroGrad(checkBoolean('setToNone', setToNone));
  }

  /** Applies one update from the accumulated gradients. */
  step(): void {
    this.#handle.step();
  }

  get lr(): number {
    return this.#handle.getLr();
  }

  set lr(value: number) {
    this.#handle.setLr(checkNumber('lr', value, 0));
  }
}
