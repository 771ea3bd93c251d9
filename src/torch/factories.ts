/** Tensor factories named like PyTorch's: `tensor`, `zeros`, `ones`, `full`, `randn`, `rand`, `arange`. */
import { checkBoolean, checkInteger, checkOptions, invalidParameterError } from '../util/check.js';
import { native } from './addon.js';
import type { DType, TensorHandle, TypedArray } from './addon-types.js';
import { Tensor, type NestedArray, type TensorOptions } from './tensor.js';

const TYPED_DTYPES: [new (...args: never[]) => TypedArray, DType][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
  [Uint8Array, 'uint8'],
  [Uint8ClampedArray, 'uint8'],
  [Int16Array, 'int32'],
  [Int8Array, 'int32'],
];

function finish(handle: TensorHandle, options: TensorOptions): Tensor {
  if (options.requiresGrad !== undefined && checkBoolean('requiresGrad', options.requiresGrad)) {
    handle.setRequiresGrad(true);
  }
  return new Tensor(handle);
}

function checkShape(shape: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw invalidParameterError('shape', 'an array of sizes', shape);
  return shape.map((size, i) => checkInteger(`shape[${i}]`, size, 0));
}

/** Flattens rectangular nested arrays, returning their shape and the values in row-major order. */
function flatten(data: NestedArray): { shape: number[]; values: (number | boolean)[] } {
  const shape: number[] = [];
  for (let level: NestedArray = data; Array.isArray(level); level = level[0] ?? 0) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const values: (number | boolean)[] = [];
  const walk = (value: NestedArray, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (typeof value !== 'number' && typeof value !== 'boolean') {
        throw invalidParameterError(`data${path}`, 'a number or boolean', value);
      }
      values.push(value);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[dim]) {
      throw new TypeError(
        `Expected data${path} to be an array of length ${shape[dim]}: nested arrays must be rectangular`,
      );
    }
    value.forEach((item, i) => walk(item, dim + 1, `${path}[${i}]`));
  };
  walk(data, 0, '');
  return { shape, values };
}

/**
 * A tensor from a number, nested arrays or a typed array (one dimension), like `torch.tensor`. The dtype is
 * inferred as PyTorch does (booleans: bool; integers only: int64; otherwise the default dtype, float32) unless given.
 * `tensor([[1, 2], [3, 4]], { dtype: 'float32', device: 'cuda' })`
 */
export function tensor(data: NestedArray | TypedArray, options?: TensorOptions): Tensor {
  const opts = checkOptions('options', options);
  if (ArrayBuffer.isView(data)) {
    const inferred = TYPED_DTYPES.find(([type]) => data instanceof type)?.[1];
    if (!inferred) throw invalidParameterError('data', 'a numeric typed array', data);
    return finish(native.TensorHandle.fromData(data, [data.length], opts.dtype ?? inferred, opts.device), opts);
  }
  const { shape, values } = flatten(data);
  const allBool = values.length > 0 && values.every((v) => typeof v === 'boolean');
  if (!allBool && values.some((v) => typeof v === 'boolean')) {
    throw new TypeError('Expected data to hold only numbers or only booleans');
  }
  const dtype =
    opts.dtype ??
    (allBool
      ? 'bool'
      : values.every((v) => Number.isInteger(v)) && values.length > 0
        ? 'int64'
        : native.getDefaultDtype());
  const buffer = allBool ? Uint8Array.from(values, (v) => (v ? 1 : 0)) : Float64Array.from(values as number[]);
  return finish(native.TensorHandle.fromData(buffer, shape, dtype, opts.device), opts);
}

/** A tensor of zeros: `zeros([numLayers, 1, hiddenSize], { device })`. */
export function zeros(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

export function full(shape: readonly number[], value: number, options?: TensorOptions): Tensor {
  const opts = checkOptions('options', options);
  if (typeof value !== 'number') throw invalidParameterError('value', 'a number', value);
  return finish(native.TensorHandle.full(checkShape(shape), value, opts.dtype, opts.device), opts);
}

/** Standard normal samples from libtorch's generator (seeded by `manualSeed`). */
export function randn(shape: readonly number[], options?: TensorOptions): Tensor {
  const opts = checkOptions('options', options);
  return finish(native.TensorHandle.randn(checkShape(shape), opts.dtype, opts.device), opts);
}

/** Uniform samples in [0, 1) from libtorch's generator. */
export function rand(shape: readonly number[], options?: TensorOptions): Tensor {
  const opts = checkOptions('options', options);
  return finish(native.TensorHandle.rand(checkShape(shape), opts.dtype, opts.device), opts);
}

/** 0, 1, ..., end - 1 (int64 unless a dtype is given). */
export function arange(end: number, options?: TensorOptions): Tensor {
  const opts = checkOptions('options', options);
  return finish(native.TensorHandle.arange(checkInteger('end', end, 0), opts.dtype, opts.device), opts);
}
