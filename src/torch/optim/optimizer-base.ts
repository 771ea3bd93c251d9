import { checkBoolean, checkNumber, invalidParameterError } from '../../util/check.js';
import type { TensorHandle } from '../addon-types.js';
import type { Loaded } from '../serialize.js';
import { Tensor } from '../tensor.js';

/** @internal What every native optimizer offers; `State` is one parameter's state as the addon gives it. */
export interface OptimizerHandle<State> {
  step(): void;
  zeroGrad(setToNone: boolean): void;
  getLr(): number;
  setLr(lr: number): void;
  /** Copies of the state; with `copy` false the optimizer's own tensors, which its next step changes. */
  getState(copy?: boolean): (State | null)[];
  setState(states: (State | null)[]): void;
  dispose(): void;
  isDisposed(): boolean;
}

/** Options of an optimizer's `stateDict`. */
export interface StateDictOptions {
  /**
   * Copy the per-parameter state (default true): the state dict does not change with later steps. False gives the
   * optimizer's own tensors, for a file written before the next step without copying the moments first.
   */
  copy?: boolean;
}

/** A saved optimizer's one parameter group and its per-parameter states, as `state_dict()` lays them out. */
export interface SavedGroup {
  group: Record<string, unknown>;
  /** The group's parameter indices. */
  params: unknown[];
  /** (parameter index, its state) pairs, whether the state was a Map (torch.load) or an object (JSON). */
  entries: [unknown, unknown][];
}

/**
 * What the optimizers share (torch.optim.Optimizer's part): the parameters' check, the native handle's life,
 * `zeroGrad`, `step`, the learning rate, and reading a saved `state_dict()`'s layout. Each optimizer adds its own
 * hyperparameters and per-parameter state.
 */
export abstract class OptimizerBase<State, Handle extends OptimizerHandle<State> = OptimizerHandle<State>> {
  readonly #handle: Handle;
  /** How many parameters the optimizer updates. */
  protected readonly size: number;

  protected constructor(name: string, params: Iterable<Tensor>, create: (params: TensorHandle[]) => Handle) {
    const list = [...params];
    if (list.length === 0) throw new TypeError(`${name} received an empty parameter list`);
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw invalidParameterError(`params[${i}]`, 'a Tensor', p);
    });
    this.size = list.length;
    this.#handle = create(list.map((p) => p.handle));
  }

  /** @internal The addon's optimizer, for fused native paths. */
  get handle(): Handle {
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

  /** The parameter indices of the one group `state_dict()` writes. */
  protected paramIndices(): number[] {
    return Array.from({ length: this.size }, (_, i) => i);
  }

  /**
   * The group and states of a saved `state_dict()`, checked to be one group over as many parameters as this
   * optimizer's; `bad` makes the error to throw.
   */
  protected savedGroup(stateDict: Loaded, bad: (what: string) => Error): SavedGroup {
    if (typeof stateDict !== 'object' || stateDict === null || stateDict instanceof Map) throw bad('not a dict');
    const { state, param_groups: groups } = stateDict as { state?: unknown; param_groups?: unknown };
    if (!Array.isArray(groups) || groups.length !== 1) throw bad('expected one parameter group');
    const group = groups[0] as Record<string, unknown>;
    const params = group.params;
    if (!Array.isArray(params) || params.length !== this.size) {
      throw bad(`expected ${this.size} parameters, the state has ${Array.isArray(params) ? params.length : 'none'}`);
    }
    const entries: [unknown, unknown][] =
      state instanceof Map ? [...state.entries()] : typeof state === 'object' && state ? Object.entries(state) : [];
    return { group, params: params as unknown[], entries };
  }

  /** The slot of a saved state's parameter index in this optimizer's parameters. */
  protected slotOf(saved: SavedGroup, key: unknown, bad: (what: string) => Error): number {
    const slot = saved.params.indexOf(Number(key));
    if (slot < 0) throw bad(`state for parameter ${String(key)}, which is not in the group`);
    return slot;
  }

  /** Hands the states and the rate to the addon, which checks the states' shapes (changing nothing on error). */
  protected restore(states: (State | null)[], lr: number, bad: (what: string) => Error): void {
    try {
      this.#handle.setState(states);
    } catch (err) {
      throw bad((err as Error).message);
    }
    this.#handle.setLr(lr);
  }
}
