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

function sameValues(a: Tensor, b: Tensor): boolean {
  const [x, y] = [a.toArray(), b.toArray()];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

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

  /**
   * @internal Every parameter under every name it has: a tied weight (one tensor in two modules) under each, as
   * PyTorch's `state_dict()` lists it.
   */
  protected allNamedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownParameters().map(([name, p]) => [prefix + name, p]);
    for (const [name, child] of this.namedChildren()) out.push(...child.allNamedParameters(`${prefix}${name}.`));
    return out;
  }

  /**
   * Every parameter with its dotted PyTorch name, in registration order; a tied weight once, under its first
   * name, as PyTorch's `named_parameters()` does (so an optimizer keeps one state for it).
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    return this.allNamedParameters(prefix).filter(([, p]) => {
      if (seen.has(p)) return false;
      seen.add(p);
      return true;
    });
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * The parameters, detached, keyed like PyTorch's `state_dict()` (a tied weight under each of its names). They
   * share storage with the module.
   */
  stateDict(): StateDict {
    return Object.fromEntries(this.allNamedParameters().map(([name, p]) => [name, p.detach()]));
  }

  /**
   * Copies `state` into the parameters. Every key and shape is checked first, and the first mismatch is
   * reported by name; with `strict` (the default) missing and unexpected keys are errors too.
   */
  loadStateDict(state: StateDict, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const params = new Map(this.allNamedParameters());
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
    // A tied weight is one tensor: its names must not bring two different values.
    const firstName = new Map<Tensor, string>();
    for (const [name, param] of params) {
      const other = firstName.get(param);
      if (other === undefined) firstName.set(param, name);
      else if (state[other] && state[name] && !sameValues(state[other], state[name])) {
        throw new Error(`${other} and ${name} are one tied weight, but the state dict gives them different values`);
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
