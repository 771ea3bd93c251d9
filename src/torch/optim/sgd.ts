import { checkNumber, checkOptions } from '../../util/check.js';
import { native } from '../addon.js';
import type { SGDHandle, TensorHandle } from '../addon-types.js';
import type { Loaded } from '../serialize.js';
import { Tensor } from '../tensor.js';
import { OptimizerBase, type StateDictOptions } from './optimizer-base.js';

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
export class SGD extends OptimizerBase<{ momentumBuffer: TensorHandle }, SGDHandle> {
  readonly #options: { momentum: number; weightDecay: number };

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    const opts = checkOptions('options', options);
    const lr = checkNumber('lr', opts.lr, 0);
    const momentum = checkNumber('momentum', opts.momentum ?? 0, 0);
    const weightDecay = checkNumber('weightDecay', opts.weightDecay ?? 0, 0);
    super('SGD', params, (handles) => new native.SGD(handles, { lr, momentum, weightDecay }));
    this.#options = { momentum, weightDecay };
  }

  /**
   * The optimizer's state as `torch.optim.SGD.state_dict()` gives it, so that Python's `load_state_dict` reads
   * a `torch.save` of it: `{state: Map(index -> {momentum_buffer}), param_groups: [...]}`.
   */
  stateDict(options: StateDictOptions = {}): {
    state: Map<number, Record<string, Tensor>>;
    param_groups: Record<string, unknown>[];
  } {
    const state = new Map<number, Record<string, Tensor>>();
    this.handle.getState(options.copy ?? true).forEach((s, i) => {
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
      params: this.paramIndices(),
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
    const saved = this.savedGroup(stateDict, bad);
    const { group } = saved;
    const o = this.#options;
    if (group.momentum !== o.momentum || group.weight_decay !== o.weightDecay) {
      throw bad(
        `saved with momentum ${String(group.momentum)} and weight decay ${String(group.weight_decay)}, ` +
          `this optimizer has ${o.momentum} and ${o.weightDecay}`,
      );
    }
    if ((group.dampening ?? 0) !== 0 || (group.nesterov ?? false) !== false) throw bad('dampening or nesterov');
    if (typeof group.lr !== 'number' || !(group.lr >= 0)) throw bad('no learning rate');
    const states: ({ momentumBuffer: TensorHandle } | null)[] = new Array(this.size).fill(null);
    for (const [key, value] of saved.entries) {
      const slot = this.slotOf(saved, key, bad);
      const buffer = (value as Record<string, unknown> | null)?.momentum_buffer;
      // PyTorch keeps `momentum_buffer: None` without momentum.
      if (buffer === null || buffer === undefined) continue;
      if (!(buffer instanceof Tensor)) throw bad(`parameter ${String(key)}: momentum_buffer is not a tensor`);
      states[slot] = { momentumBuffer: buffer.handle };
    }
    this.restore(states, group.lr, bad);
  }
}
