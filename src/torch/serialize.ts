/**
 * `save` and `load` in PyTorch's format, both ways: what `save` writes, Python's `torch.load` reads (also with
 * `weights_only=True`), and what Python's `torch.save` wrote (state dicts, optimizer states, nested dicts
 * and lists of tensors and numbers), `load` reads.
 */
import { writeFileAtomic } from '../util/atomic.js';
import { readRegularFile } from '../util/files.js';
import { decodeTorchFile, torchFileChunks } from './pickle/torch-file.js';
import type { PickleValue } from './pickle/unpickle.js';
import { Tensor } from './tensor.js';

export { PyTuple } from './pickle/pickle.js';

/**
 * What `load` returns: tensors, numbers, strings, booleans, `null` (None), arrays (lists and tuples), objects
 * (dicts whose keys are all strings) and Maps (dicts with integer keys).
 */
export type Loaded = PickleValue;

/**
 * Writes `value` to `path` atomically, as `torch.save` does: tensors (saved from the CPU), numbers, strings,
 * booleans, `null`, arrays (as lists), `PyTuple`s, plain objects and Maps (dicts).
 */
export function save(value: unknown, path: string): void {
  writeFileAtomic(path, torchFileChunks(value));
}

/** Reads what `save` or Python's `torch.save` wrote; every failure names the file and what is wrong. */
export function load(path: string): Loaded {
  const bytes = readRegularFile(path, 'PyTorch file');
  try {
    return decodeTorchFile(bytes);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** Reads a dict of tensors (a state dict) from `path`, or throws naming the file and what it holds instead. */
export function loadTensors(path: string): Record<string, Tensor> {
  const value = load(path);
  const entries = isRecord(value) ? Object.entries(value) : undefined;
  if (!entries || !entries.every(([, t]) => t instanceof Tensor)) {
    disposeAll(value);
    throw new Error(`${path}: expected a dict of tensors keyed by name (a state dict)`);
  }
  return Object.fromEntries(entries) as Record<string, Tensor>;
}

/** Disposes every tensor inside a loaded value, visiting each shared value once. */
export function disposeAll(value: unknown, seen = new Set<unknown>()): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Tensor) value.dispose();
  else if (Array.isArray(value)) value.forEach((v) => disposeAll(v, seen));
  else if (value instanceof Map) value.forEach((v) => disposeAll(v, seen));
  else if (isRecord(value)) Object.values(value).forEach((v) => disposeAll(v, seen));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || v instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
