import { checkBoolean, checkNumber, checkOptions } from '../../util/check.js';
import { native } from '../addon.js';
import type { AdamHandle, AdamParamState } from '../addon-types.js';
import { PyTuple } from '../pickle/pickle.js';
import type { Loaded } from '../serialize.js';
import { Tensor } from '../tensor.js';
import { OptimizerBase, type StateDictOptions } from './optimizer-base.js';

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
export class Adam extends OptimizerBase<AdamParamState, AdamHandle> {
  readonly #options: { betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean };

  constructor(params: Iterable<Tensor>, options?: AdamOptions) {
    const opts = checkOptions('options', options);
    const lr = checkNumber('lr', opts.lr ?? 1e-3, 0);
    const [beta1, beta2] = opts.betas ?? [0.9, 0.999];
    checkNumber('betas[0]', beta1, 0, 0.999999999);
    checkNumber('betas[1]', beta2, 0, 0.999999999);
    const eps = checkNumber('eps', opts.eps ?? 1e-8, 0);
    const weightDecay = checkNumber('weightDecay', opts.weightDecay ?? 0, 0);
    const amsgrad = checkBoolean('amsgrad', opts.amsgrad ?? false);
    super('Adam', params, (handles) => new native.Adam(handles, { lr, beta1, beta2, eps, weightDecay, amsgrad }));
    this.#options = { betas: [beta1, beta2], eps, weightDecay, amsgrad };
  }

  /**
   * The optimizer's state as `torch.optim.Adam.state_dict()` gives it, so that `torch.save` of it is loaded by
   * Python's `load_state_dict`: `{state: Map(index -> {step, exp_avg, exp_avg_sq}), param_groups: [...]}`.
   */
  stateDict(options: StateDictOptions = {}): {
    state: Map<number, Record<string, Tensor>>;
    param_groups: Record<string, unknown>[];
  } {
    const state = new Map<number, Record<string, Tensor>>();
    this.handle.getState(options.copy ?? true).forEach((s, i) => {
      if (!s) return;
      const entry: Record<string, Tensor> = {
        step: new Tensor(native.TensorHandle.full([], s.step, 'float32', 'cpu')),
        exp_avg: new Tensor(s.expAvg),
        exp_avg_sq: new Tensor(s.expAvgSq),
      };
      if (s.maxExpAvgSq) entry.max_exp_avg_sq = new Tensor(s.maxExpAvgSq);
      state.set(i, entry);
    });
    const o = this.#options;
    const group = {
      lr: this.lr,
      betas: new PyTuple(o.betas),
      eps: o.eps,
      weight_decay: o.weightDecay,
      amsgrad: o.amsgrad,
      maximize: false,
      foreach: null,
      capturable: false,
      differentiable: false,
      fused: null,
      params: this.paramIndices(),
    };
    return { state, param_groups: [group] };
  }

  /**
   * Restores a state from {@link stateDict} or from Python's `optimizer.state_dict()` (read with `torch.load`):
   * the moments, the step counts and the learning rate. Throws, changing nothing, when the state belongs to
   * other parameters or other betas, eps, weight decay or AMSGrad setting.
   */
  loadStateDict(stateDict: Loaded): void {
    const bad = (what: string): Error => new Error(`not an Adam state for these parameters: ${what}`);
    const saved = this.savedGroup(stateDict, bad);
    const { group } = saved;
    const o = this.#options;
    const betas = group.betas instanceof PyTuple ? group.betas.items : group.betas;
    const same = (a: unknown, b: number): boolean => typeof a === 'number' && Math.abs(a - b) <= 1e-12 * Math.abs(b);
    if (!Array.isArray(betas) || !same(betas[0], o.betas[0]) || !same(betas[1], o.betas[1])) {
      throw bad(`saved with betas ${JSON.stringify(betas)}, this optimizer has ${JSON.stringify(o.betas)}`);
    }
    if (!same(group.eps, o.eps) || !same(group.weight_decay, o.weightDecay) || group.amsgrad !== o.amsgrad) {
      throw bad('saved with another eps, weight_decay or amsgrad');
    }
    if (typeof group.lr !== 'number' || !(group.lr > 0)) throw bad('no learning rate');
    const states: (AdamParamState | null)[] = new Array<AdamParamState | null>(this.size).fill(null);
    for (const [key, value] of saved.entries) {
      const slot = this.slotOf(saved, key, bad);
      const s = value as Record<string, unknown>;
      const step = s.step instanceof Tensor ? s.step.item() : s.step;
      if (typeof step !== 'number' || !(s.exp_avg instanceof Tensor) || !(s.exp_avg_sq instanceof Tensor)) {
        throw bad(`parameter ${String(key)} lacks step, exp_avg or exp_avg_sq`);
      }
      states[slot] = {
        step,
        expAvg: s.exp_avg.handle,
        expAvgSq: s.exp_avg_sq.handle,
        ...(s.max_exp_avg_sq instanceof Tensor ? { maxExpAvgSq: s.max_exp_avg_sq.handle } : {}),
      };
    }
    this.restore(states, group.lr, bad);
  }
}
