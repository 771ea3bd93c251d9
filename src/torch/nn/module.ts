/**
 * nn.Module: a tree of modules whose parameters are named by their path (`lstm.weight_ih_l0`), exactly as
 * PyTorch names them, so state dicts mean the same in both. Child modules are found the way PyTorch finds
 * them: any own property holding a Module, in the order the properties were assigned.
 */
import { withGradEnabled } from '../autograd.js';
import type { Device, DType } from '../addon-types.js';
import type { Tensor } from '../tensor.js';

/** A state dict: parameter names to tensors, in registration order. */
export type StateDict = Record<string, Tensor>;

export abstract class Module {
  /** Whether the module is in training mode (affects dropout). */
  training = true;

  /** The direct child modules with their property names. */
  namedChildren(): [string, Module][] {
    return Object.entries(this).filter((entry): entry is [string, Module] => entry[1] instanceof Module);
  }

  /** @internal A leaf module's own parameters; composite modules have none. */
  protected ownParameters(): [string, Tensor][] {
    return [];
  }

  /** Every parameter with its dotted PyTorch name, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownParameters().map(([name, p]) => [prefix + name, p]);
    for (const [name, child] of this.namedChildren()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** The parameters, detached, keyed like PyTorch's `state_dict()`. They share storage with the module. */
  stateDict(): StateDict {
    return Object.fromEntries(this.namedParameters().map(([name, p]) => [name, p.detach()]));
  }

  /**
   * Copies `state` into the parameters. Every key and shape is checked first, and the first mismatch is
   * reported by name; with `strict` (the default) missing and unexpected keys are errors too.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const params = new Map(this.namedParameters());
    if (strict) {
      const missing = [...params.keys()].filter((k) => !(k in state));
      const unexpected = Object.keys(state).filter((k) => !params.has(k));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new Error(
          `Error loading state dict into ${this.constructor.name}: ` +
            [
              missing.length ? `missing keys: ${missing.join(', ')}` : '',
              unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
            ]
              .filter(Boolean)
              .join('; '),
        );
      }
    }
    for (const [name, value] of Object.entries(state)) {
      const param = params.get(name);
      if (!param) continue;
      const [want, got] = [param.shape, value.shape];
      if (want.length !== got.length || want.some((s, i) => s !== got[i])) {
        throw new Error(
          `Shape mismatch for ${name}: the model has [${want.join(', ')}], the state dict [${got.join(', ')}]`,
        );
      }
    }
    withGradEnabled(false, () => {
      for (const [name, value] of Object.entries(state)) params.get(name)?.copy_(value);
    });
  }

  /** Moves (or casts) every parameter in place: existing parameter tensors and optimizers follow. */
  to(target: Device | DType): this {
    for (const [, child] of this.namedChildren()) child.to(target);
    return this;
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    this.training = mode;
    for (const [, child] of this.namedChildren()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /**
   * Releases this module and its descendants: their native modules and parameter tensors. Using them afterwards
   * (forward, translate, train, ...) throws; so does disposing a module a background job is using.
   */
  dispose(): void {
    for (const [, child] of this.namedChildren()) child.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
