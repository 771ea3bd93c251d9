import { checkNumber, checkOptions, checkBoolean, invalidParameterError } from '../../util/check.js';
import { native } from '../addon.js';
import type { SGDHandle } from '../addon-types.js';
import type { Loaded } from '../serialize.js';
import { Tensor } from '../tensor.js';

export interface SGDOptions {
  /** Learning rate (required, as in PyTorch). */
  lr: number;
  /** Momentum factor; default 0 (plain SGD). */
  momentum?: number;
  /** L2 penalty added to the gradient; default 0. */
  weightDecay?: number;
}

/**
 * `optim.SGD(params, { lr, momentum })`: libtorch's SGD, the update of `torch.optim.SGD` without dampening or
 * Nesterov momentum: `buf = momentum * buf + grad` (buf = grad at the first step), `p -= lr * buf`.
 */
export class SGD {
  readonly #handle: SGDHandle;
  readonly #size: number;
  readonly #options: { momentum: number; weightDecay: number };

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    const opts = checkOptions('options', options);
    const list = [...params];
    if (list.length === 0) throw new TypeError('SGD received an empty parameter list');
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw invalidParameterError(`params[${i}]`, 'a Tensor', p);
    });
    const lr = checkNumber('lr', opts.lr, 0);
    const momentum = checkNumber('momentum', opts.momentum ?? 0, 0);
    const weightDecay = checkNumber('weightDecay', opts.weightDecay ?? 0, 0);
    this.#size = list.length;
    this.#options = { momentum, weightDecay };
    this.#handle = new native.SGD(
      list.map((p) => p.handle),
      { lr, momentum, weightDecay },
    );
  }

  /** @internal The addon's optimizer, for fused native paths. */
  get handle(): SGDHandle {
    return this.#handle;
  }

  /** Releases the optimizer and its state; refused while a background job (training) uses it. */
  dispose(): void {
    this.#handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
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

  /**
   * The optimizer's state as `torch.optim.SGD.state_dict()` gives it, so that Python's `load_state_dict` reads
   * a `torch.save` of it: `{state: Map(index -> {momentum_buffer}), param_groups: [...]}`.
   */
  stateDict(): { state: Map<number, Record<string, Tensor>>; param_groups: Record<string, unknown>[] } {
    const state = new Map<number, Record<string, Tensor>>();
    this.#handle.getState().forEach((s, i) => {
      if (s) state.set(i, { momentum_buffer: new Tensor(s.momentumBuffer) });
    });
    const group = {
      lr: this.lr,
      momentum: this.#options.momentum,
      dampening: 0,
      weight_decay: this.#options.weightDecay,
      nesterov: false,
      maximize: false,
      foreach: null,
      differentiable: false,
      params: Array.from({ length: this.#size }, (_, i) => i),
    };
    return { state, param_groups: [group] };
  }

  /**
   * Restores a state from {@link stateDict} or Python's `optimizer.state_dict()`: the momentum buffers and the
   * learning rate. Throws, changing nothing, when the state belongs to other parameters or another momentum or
   * weight decay.
   */
  loadStateDict(stateDict: Loaded): void {
    const bad = (what: string): Error => new Error(`not an SGD state for these parameters: ${what}`);
    if (typeof stateDict !== 'object' || stateDict === null || stateDict instanceof Map) throw bad('not a dict');
    const { state, param_groups: groups } = stateDict as { state?: unknown; param_groups?: unknown };
    if (!Array.isArray(groups) || groups.length !== 1) throw bad('expected one parameter group');
    const group = groups[0] as Record<string, unknown>;
    const params = group.params;
    if (!Array.isArray(params) || params.length !== this.#size) {
      throw bad(`expected ${this.#size} parameters, the state has ${Array.isArray(params) ? params.length : 'none'}`);
    }
    const o = this.#options;
    if (group.momentum !== o.momentum || group.weight_decay !== o.weightDecay) {
      throw bad(
        `saved with momentum ${String(group.momentum)} and weight decay ${String(group.weight_decay)}, ` +
          `this optimizer has ${o.momentum} and ${o.weightDecay}`,
      );
    }
    if ((group.dampening ?? 0) !== 0 || (group.nesterov ?? false) !== false) throw bad('dampening or nesterov');
    if (typeof group.lr !== 'number' || !(group.lr >= 0)) throw bad('no learning rate');
    const entries: [unknown, unknown][] =
      state instanceof Map ? [...state.entries()] : typeof state === 'object' && state ? Object.entries(state) : [];
    const states: ({ momentumBuffer: Tensor['handle'] } | null)[] = new Array(this.#size).fill(null);
    for (const [key, value] of entries) {
      const slot = params.indexOf(Number(key));
      if (slot < 0) throw bad(`state for parameter ${String(key)}, which is not in the group`);
      const buffer = (value as Record<string, unknown> | null)?.momentum_buffer;
      // PyTorch keeps `momentum_buffer: None` without momentum.
      if (buffer === null || buffer === undefined) continue;
      if (!(buffer instanceof Tensor)) throw bad(`parameter ${String(key)}: momentum_buffer is not a tensor`);
      states[slot] = { momentumBuffer: buffer.handle };
    }
    try {
      this.#handle.setState(states);
    } catch (err) {
      throw bad((err as Error).message);
    }
    this.#handle.setLr(group.lr);
  }
}
