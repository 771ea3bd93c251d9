/**
 * `save` and `load` in PyTorch's format: a file written by `save` is read by Python's `torch.load`, and a dict
 * of tensors written by `torch.save` is read by `load`.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { native } from './native.js';
import { Tensor } from './tensor.js';

/** Writes `{name: tensor}` to `path` atomically (tensors are saved from the CPU). */
export function save(state: Record<string, Tensor>, path: string): void {
  const entries = Object.entries(state);
  const bytes = native.pickleSave(
    entries.map(([name]) => name),
    entries.map(([, t]) => t.handle),
  );
  writeFileAtomic(path, bytes);
}

/** Reads a dict of tensors saved by `save` or by Python's `torch.save`. */
export function load(path: string): Record<string, Tensor> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return Object.fromEntries(native.pickleLoad(bytes).map(([name, h]) => [name, new Tensor(h)]));
  } catch (err) {
    throw new Error(`${path} is not a PyTorch file of tensors: ${(err as Error).message}`);
  }
}
