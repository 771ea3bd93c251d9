/** The base of modules backed by one libtorch module (Embedding, LSTM, Linear). */
import type { Device, DType, ModuleHandle } from '../addon-types.js';
import { untracked, type Tensor } from '../tensor.js';
import { Module } from './module.js';

const isDevice = (target: string): target is Device => target === 'cpu' || target.startsWith('cuda');

export abstract class NativeModule<H extends ModuleHandle> extends Module {
  /** @internal The addon's module, for fused native paths. */
  readonly handle: H;
  #parameters?: [string, Tensor][];

  protected constructor(handle: H) {
    super();
    this.handle = handle;
  }

  /** @internal Cached: the handles share the module's parameter tensors, which moves update in place. */
  protected override ownParameters(): [string, Tensor][] {
    this.#parameters ??= this.handle.namedParameters().map(([name, h]) => [name, untracked(h)]);
    return this.#parameters;
  }

  /**
   * @internal Lists `tensor` as this module's parameter `name` from now on (after the native module was made to
   * hold it: a tied weight), releasing the tensor it replaces.
   */
  protected replaceOwnParameter(name: string, tensor: Tensor): void {
    const params = this.ownParameters();
    const i = params.findIndex(([n]) => n === name);
    if (i < 0) throw new Error(`${this.constructor.name} has no parameter ${name}`);
    const old = params[i]![1];
    params[i] = [name, tensor];
    if (old !== tensor) old.dispose();
  }

  override to(target: Device | DType): this {
    if (isDevice(target)) this.handle.to(target);
    else this.handle.to(undefined, target);
    return this;
  }

  override dispose(): void {
    this.handle.dispose();
    // A tied weight is released by the first of its modules; disposing a tensor twice is harmless.
    for (const [, p] of this.#parameters ?? []) p.dispose();
    this.#parameters = undefined;
  }

  override train(mode = true): this {
    this.handle.train(mode);
    return super.train(mode);
  }
}
