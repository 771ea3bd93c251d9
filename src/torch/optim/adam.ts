import { checkBoolean, checkNumber, checkOptions, invalidParameterError } from '../../util/check.js';
import { native } from '../addon.js';
import type { AdamHandle, AdamParamState } from '../addon-types.js';
import { PyTuple } from '../pickle/pickle.js';
import type { Loaded } from '../serialize.js';
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
  readonly #size: number;
  readonly #options: { betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean };

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
    this.#size = list.length;
    this.#options = { betas: [beta1, beta2], eps, weightDecay, amsgrad };
    this.#handle = new native.Adam(
      list.map((p) => p.handle),
      { lr, beta1, beta2, eps, weightDecay, amsgrad },
    );
  }

  /** @internal The addon's optimizer, for fused native paths. */
  get handle(): AdamHandle {
    return this.#handle;
  }

  /**
   * Releases the optimizer and its state. Using it afterwards throws; so does disposing it while a background job
   * (training) uses it.
   */
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
   * The optimizer's state as `torch.optim.Adam.state_dict()` gives it, so that `torch.save` of it is loaded by
   * Python's `load_state_dict`: `{state: Map(index -> {step, exp_avg, exp_avg_sq}), param_groups: [...]}`.
   */
  stateDict(): { state: Map<number, Record<string, Tensor>>; param_groups: Record<string, unknown>[] } {
    const state = new Map<number, Record<string, Tensor>>();
    this.#handle.getState().forEach((s, i) => {
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
      params: Array.from({ length: this.#size }, (_, i) => i),
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
    if (typeof stateDict !== 'object' || stateDict === null || stateDict instanceof Map) throw bad('not a dict');
    const { state, param_groups: groups } = stateDict as { state?: unknown; param_groups?: unknown };
    if (!Array.isArray(groups) || groups.length !== 1) throw bad('expected one parameter group');
    const group = groups[0] as Record<string, unknown>;
    const params = group.params;
    if (!Array.isArray(params) || params.length !== this.#size) {
      throw bad(`expected ${this.#size} parameters, the state has ${Array.isArray(params) ? params.length : 'none'}`);
    }
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
    const entries: [unknown, unknown][] =
      state instanceof Map ? [...state.entries()] : typeof state === 'object' && state ? Object.entries(state) : [];
    const states: (AdamParamState | null)[] = new Array<AdamParamState | null>(this.#size).fill(null);
    for (const [key, value] of entries) {
      const slot = params.indexOf(Number(key));
      if (slot < 0) throw bad(`state for parameter ${String(key)}, which is not in the group`);
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
    try {
      this.#handle.setState(states);
    } catch (err) {
      throw bad((err as Error).message);
    }
    this.#handle.setLr(group.lr);
  }
}
