/**
 * Tensor: a typed JavaScript face on one libtorch tensor. Method names follow PyTorch (`view`, `unsqueeze`,
 * `topk`, `item`, `add_`), so PyTorch code reads across almost line for line. Its native memory is freed by
 * `dispose()`, by the `tidy()` scope it was created in, or by the garbage collector.
 */
import type { Device, DType, TensorHandle, TypedArray } from './addon-types.js';
import { track, type Releasable } from './scope.js';

/** A tensor or a plain number where PyTorch accepts a Python scalar. */
export type TensorLike = Tensor | number;

/** A number, a boolean, or arrays of them nested to any depth. */
export type NestedArray = number | boolean | NestedArray[];

/** Where a tensor lives and what it holds. */
export interface TensorOptions {
  /** Element type; default float32 (int64 for integer data given to `tensor()`). */
  dtype?: DType;
  /** Device; default cpu. */
  device?: Device;
  /** Whether autograd records operations on it; default false. */
  requiresGrad?: boolean;
}

const handleOf = (value: TensorLike): TensorHandle | number => (typeof value === 'number' ? value : value.handle);

export class Tensor implements Releasable {
  /** @internal */
  readonly handle: TensorHandle;

  /** @internal Tensors are made by the factories (`tensor`, `zeros`, ...) and by operations. */
  constructor(handle: TensorHandle, tracked = true) {
    this.handle = handle;
    if (tracked) track(this);
  }

  /** The sizes of each dimension, like PyTorch's `tensor.shape`. */
  get shape(): number[] {
    return this.handle.shape();
  }

  /** `size()` is the shape; `size(dim)` one size (negative dims count from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    const shape = this.shape;
    if (dim === undefined) return shape;
    const size = shape[dim < 0 ? shape.length + dim : dim];
    if (size === undefined)
      throw new RangeError(`Dimension ${dim} is out of range for a tensor of ${shape.length} dimensions`);
    return size;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get dtype(): DType {
    return this.handle.dtype();
  }

  get device(): Device {
    return this.handle.device() as Device;
  }

  /** The value of a one-element tensor. Reading a CUDA tensor waits for the device. */
  item(): number {
    return Number(this.handle.item());
  }

  /** The elements in row-major order, as a copy on the CPU. */
  toTypedArray(): TypedArray {
    return this.handle.toTypedArray();
  }

  /** The elements in row-major order as plain numbers (int64 values beyond 2^53 lose precision). */
  toArray(): number[] {
    return Array.from(this.handle.toTypedArray() as ArrayLike<number | bigint>, Number);
  }

  /** The elements as nested arrays shaped like the tensor, like PyTorch's `tolist()`. */
  tolist(): NestedArray {
    const flat = this.toArray();
    const isBool = this.dtype === 'bool';
    const shape = this.shape;
    let offset = 0;
    const build = (dim: number): NestedArray => {
      if (dim === shape.length) {
        const v = flat[offset++] ?? 0;
        return isBool ? v !== 0 : v;
      }
      return Array.from({ length: shape[dim] ?? 0 }, () => build(dim + 1));
    };
    return build(0);
  }

  // ---- shape ----

  /** A view with another shape; one size may be -1. `x.view(1, 1, -1)` */
  view(...shape: number[]): Tensor {
    return new Tensor(this.handle.view(shape));
  }

  reshape(...shape: number[]): Tensor {
    return new Tensor(this.handle.reshape(shape));
  }

  unsqueeze(dim: number): Tensor {
    return new Tensor(this.handle.unsqueeze(dim));
  }

  /** Removes every dimension of size 1, or only `dim`. */
  squeeze(dim?: number): Tensor {
    return new Tensor(this.handle.squeeze(dim));
  }

  /** `x.get(k)` is PyTorch's `x[k]`: the k-th slice along the first dimension. */
  get(index: number): Tensor {
    return new Tensor(this.handle.select(0, index));
  }

  select(dim: number, index: number): Tensor {
    return new Tensor(this.handle.select(dim, index));
  }

  narrow(dim: number, start: number, length: number): Tensor {
    return new Tensor(this.handle.narrow(dim, start, length));
  }

  transpose(dim0: number, dim1: number): Tensor {
    return new Tensor(this.handle.transpose(dim0, dim1));
  }

  contiguous(): Tensor {
    return new Tensor(this.handle.contiguous());
  }

  clone(): Tensor {
    return new Tensor(this.handle.clone());
  }

  /** A copy on another device and/or of another dtype: `x.to('cuda')`, `x.to('float64')`, `x.to({ device, dtype })`. */
  to(target: Device | DType | { device?: Device; dtype?: DType }): Tensor {
    if (typeof target === 'string') {
      const isDevice = target === 'cpu' || target.startsWith('cuda');
      return new Tensor(isDevice ? this.handle.to(target) : this.handle.to(undefined, target));
    }
    return new Tensor(this.handle.to(target.device, target.dtype));
  }

  /** Copies `source` into this tensor in place (PyTorch's `copy_`); returns this. */
  copy_(source: Tensor): this {
    this.handle.copyFrom(source.handle);
    return this;
  }

  // ---- arithmetic ----

  /** `this + alpha * other` */
  add(other: TensorLike, alpha?: number): Tensor {
    return new Tensor(this.handle.add(handleOf(other), alpha));
  }

  /** In-place `this += alpha * other` (PyTorch's `add_`); returns this. */
  add_(other: TensorLike, alpha?: number): this {
    this.handle.addInPlace(handleOf(other), alpha);
    return this;
  }

  sub(other: TensorLike): Tensor {
    return new Tensor(this.handle.sub(handleOf(other)));
  }

  mul(other: TensorLike): Tensor {
    return new Tensor(this.handle.mul(handleOf(other)));
  }

  div(other: TensorLike): Tensor {
    return new Tensor(this.handle.div(handleOf(other)));
  }

  neg(): Tensor {
    return new Tensor(this.handle.neg());
  }

  exp(): Tensor {
    return new Tensor(this.handle.exp());
  }

  log(): Tensor {
    return new Tensor(this.handle.log());
  }

  matmul(other: Tensor): Tensor {
    return new Tensor(this.handle.matmul(other.handle));
  }

  eq(other: TensorLike): Tensor {
    return new Tensor(this.handle.eq(handleOf(other)));
  }

  // ---- reductions ----

  sum(dim?: number, keepdim?: boolean): Tensor {
    return new Tensor(this.handle.sum(dim, keepdim));
  }

  mean(dim?: number, keepdim?: boolean): Tensor {
    return new Tensor(this.handle.mean(dim, keepdim));
  }

  argmax(dim?: number, keepdim?: boolean): Tensor {
    return new Tensor(this.handle.argmax(dim, keepdim));
  }

  /** The k largest (or smallest) values along `dim` (default: the last) and their indices. */
  topk(k: number, dim = -1, largest = true, sorted = true): [values: Tensor, indices: Tensor] {
    const [values, indices] = this.handle.topk(k, dim, largest, sorted);
    return [new Tensor(values), new Tensor(indices)];
  }

  // ---- autograd ----

  /** Accumulates gradients of this (scalar) tensor into the leaves' `.grad`. */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    this.handle.backward(gradient?.handle, options.retainGraph);
  }

  /** The accumulated gradient, or undefined before any backward pass. */
  get grad(): Tensor | undefined {
    const grad = this.handle.grad();
    return grad && new Tensor(grad);
  }

  get requiresGrad(): boolean {
    return this.handle.requiresGrad();
  }

  /** Sets whether autograd records operations on this tensor (PyTorch's `requires_grad_`); returns this. */
  requiresGrad_(requiresGrad = true): this {
    this.handle.setRequiresGrad(requiresGrad);
    return this;
  }

  /** A tensor sharing this one's data, cut from the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.handle.detach());
  }

  // ---- lifetime ----

  /** Frees the native memory now. Using the tensor afterwards throws. Safe to call twice. */
  dispose(): void {
    this.handle.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  get isDisposed(): boolean {
    return this.handle.isDisposed();
  }

  toString(): string {
    if (this.isDisposed) return 'tensor(<disposed>)';
    const values = this.numel() <= 20 ? JSON.stringify(this.tolist()) : `[${this.shape.join(', ')}]`;
    return `tensor(${values}, dtype=${this.dtype}, device=${this.device})`;
  }
}

/** @internal A Tensor that no tidy() scope will dispose (module parameters). */
export const untracked = (handle: TensorHandle): Tensor => new Tensor(handle, false);
