/**
 * int8 weights of a model's modules: which weights an int8 model holds as int8 (each LSTM's input and recurrent
 * weights, the output layer's weight), and how a module's int8 state dict loads: each int8 weight `name` with its
 * row scales `name_scale`, dequantized (`q x scale`) into the module's float32 parameter, and packed for the int8
 * kernel (native/kernels/int8_linear_cpu.h), which decoding runs.
 */
import { native } from '../torch/addon.js';
import type { Int8WeightEntry, Int8WeightsHandle } from '../torch/addon-types.js';
import * as torch from '../torch/index.js';
import type { Decoder } from './decoder.js';
import type { Encoder } from './encoder.js';

/** A module's int8 weights, packed once; decoding takes them through the module's `int8` field. */
export class Int8Weights {
  readonly handle: Int8WeightsHandle;

  /** Packs each weight: `q` int8 [N, K], `scales` float32 [N], `bias` float32 [N] (the product's). */
  constructor(entries: readonly { name: string; q: torch.Tensor; scales: torch.Tensor; bias?: torch.Tensor }[]) {
    const handles: Int8WeightEntry[] = entries.map((e) => ({
      name: e.name,
      q: e.q.handle,
      scales: e.scales.handle,
      ...(e.bias ? { bias: e.bias.handle } : {}),
    }));
    this.handle = new native.Int8Weights(handles);
  }

  /** How many weights. */
  get size(): number {
    return this.handle.size();
  }

  dispose(): void {
    this.handle.dispose();
  }
}

/** The suffix of the key holding an int8 weight's row scales. */
export const SCALE_SUFFIX = '_scale';

/**
 * The weights of `module` an int8 model holds as int8: its LSTM's `weight_ih` and `weight_hh` of every layer and
 * direction, and a decoder's output layer `dense.weight` (unless it is the tied embedding, which stays float32).
 */
export function int8WeightNames(module: Encoder | Decoder, tiedOutput = false): string[] {
  const names = torch
    .tidy(() => Object.keys(module.stateDict()))
    .filter((k) => /^lstm\.weight_(ih|hh)_l\d+(_reverse)?$/.test(k));
  if ('dense' in module && !tiedOutput) names.push('dense.weight');
  return names;
}

/** The bias that goes with an int8 weight: `lstm.bias_ih_l0` for `lstm.weight_ih_l0`, `dense.bias`. */
export function biasName(weight: string): string {
  return weight.replace(/(^|\.)weight/, '$1bias');
}

/** PyTorch's per-row symmetric int8 quantization of a float32 [N, K] weight (PerChannelMinMaxObserver). */
export function quantizeRows(weight: torch.Tensor): { q: torch.Tensor; scales: torch.Tensor } {
  const [q, scales] = native.quantizeInt8Rows(weight.to('float32').contiguous().handle);
  return { q: new torch.Tensor(q), scales: new torch.Tensor(scales) };
}

/**
 * Loads an int8 state dict into `module`: the weights `names` from int8 [N, K] and `name_scale` [N], dequantized,
 * the rest as they are; returns the packed int8 weights. Errors say what is missing or malformed.
 */
export function loadInt8State(
  module: Encoder | Decoder,
  state: Record<string, torch.Tensor>,
  names: readonly string[],
): Int8Weights {
  const float: Record<string, torch.Tensor> = {};
  const made: torch.Tensor[] = [];
  const entries: { name: string; q: torch.Tensor; scales: torch.Tensor; bias?: torch.Tensor }[] = [];
  try {
    for (const [key, t] of Object.entries(state)) {
      if (key.endsWith(SCALE_SUFFIX) && names.includes(key.slice(0, -SCALE_SUFFIX.length))) continue;
      if (!names.includes(key)) {
        if (t.dtype === 'int8') throw new Error(`${key} is int8, but an int8 model keeps it float32`);
        float[key] = t;
      }
    }
    for (const name of names) {
      const q = state[name];
      const scales = state[`${name}${SCALE_SUFFIX}`];
      if (!q || !scales)
        throw new Error(
          `an int8 model holds ${name} and ${name}${SCALE_SUFFIX}; ${q ? 'the scales are' : 'it is'} missing`,
        );
      if (q.dtype !== 'int8' || q.shape.length !== 2)
        throw new Error(`${name} must be an int8 matrix, not ${q.dtype} [${q.shape.join(', ')}]`);
      if (scales.dtype !== 'float32' || scales.shape.join() !== String(q.shape[0])) {
        throw new Error(
          `${name}${SCALE_SUFFIX} must be float32 [${q.shape[0]}], not ${scales.dtype} [${scales.shape.join(', ')}]`,
        );
      }
      const values = scales.toTypedArray();
      if (!values.every((s) => Number.isFinite(s) && s > 0))
        throw new Error(`${name}${SCALE_SUFFIX}: scales must be finite and positive`);
      const dequantized = q.to('float32').mul(scales.unsqueeze(1));
      made.push(dequantized);
      float[name] = dequantized;
      const bias = state[biasName(name)];
      entries.push({ name, q, scales, ...(bias ? { bias } : {}) });
    }
    module.loadStateDict(float);
    return new Int8Weights(entries);
  } finally {
    for (const t of made) t.dispose();
  }
}
