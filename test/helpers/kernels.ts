/** The addon's test-only entry points (`addon.testing`), typed over the public classes. */
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/addon.js';
import type { Int8IsaName, RowsIsaName } from '../../src/torch/addon-types.js';

/**
 * The LSTM the training and decoding jobs run (native/kernels/lstm_cpu.h): on the CPU one fused pass per step and a
 * hand-written backward. `lengths`, when given, holds each sequence's length (<= seq), like a packed sequence:
 * later steps leave that sequence's state alone and its output there is zero.
 */
export function lstmForwardKernel(
  lstm: torch.nn.LSTM,
  input: torch.Tensor,
  hx: [torch.Tensor, torch.Tensor],
  lengths?: number[],
  dropout?: { p: number; seed: number; layerwise?: boolean },
): [output: torch.Tensor, state: [torch.Tensor, torch.Tensor]] {
  const [out, h, c] = native.testing.lstmForwardKernel(
    lstm.handle,
    input.handle,
    hx[0].handle,
    hx[1].handle,
    lengths ?? null,
    dropout,
  );
  return [new torch.Tensor(out), [new torch.Tensor(h), new torch.Tensor(c)]];
}

/** The training jobs' dropout (native/seq2seq/dropout.h): `input` times a mask from a generator seeded with `seed`. */
export function dropout(input: torch.Tensor, p: number, seed: number): torch.Tensor {
  return new torch.Tensor(native.testing.dropout(input.handle, p, seed));
}

/** The int8 kernel's results on one instruction set (kernels/int8_linear_cpu.h); null when the CPU lacks it. */
export interface Int8LinearResult {
  q: torch.Tensor;
  scales: torch.Tensor;
  xq: torch.Tensor;
  acc: torch.Tensor;
  y: torch.Tensor;
  scale: number;
  zeroPoint: number;
}

export function int8Linear(
  weight: torch.Tensor,
  x: torch.Tensor,
  bias: torch.Tensor | null,
  isa: Int8IsaName,
): Int8LinearResult | null {
  const r = native.testing.int8Linear(weight.handle, x.handle, bias?.handle ?? null, isa);
  if (!r) return null;
  const [q, scales, xq, acc, y, [scale, zeroPoint]] = r;
  return {
    q: new torch.Tensor(q),
    scales: new torch.Tensor(scales),
    xq: new torch.Tensor(xq),
    acc: new torch.Tensor(acc),
    y: new torch.Tensor(y),
    scale,
    zeroPoint,
  };
}

/** The decoders' few-row product (native/kernels/row_product_cpu.h) on one instruction set; null when the CPU lacks it. */
export function rowsProduct(
  weight: torch.Tensor,
  x: torch.Tensor,
  bias: torch.Tensor | null,
  isa: RowsIsaName,
): torch.Tensor | null {
  const y = native.testing.rowsProduct(weight.handle, x.handle, bias?.handle ?? null, isa);
  return y ? new torch.Tensor(y) : null;
}

/** The decoders' top-k of each row (native/kernels/top_k_cpu.h): x.topk(k, 1), ties lower index first. */
export function topK(x: torch.Tensor, k: number): [values: torch.Tensor, indices: torch.Tensor] {
  const [values, indices] = native.testing.topK(x.handle, k);
  return [new torch.Tensor(values), new torch.Tensor(indices)];
}

/** int8 models' top-k of the log-softmax (native/kernels/top_k_cpu.h), from the logits x. */
export function logSoftmaxTopK(x: torch.Tensor, k: number): [values: torch.Tensor, indices: torch.Tensor] {
  const [values, indices] = native.testing.logSoftmaxTopK(x.handle, k);
  return [new torch.Tensor(values), new torch.Tensor(indices)];
}

/** The one-pass Adam step the training jobs take (native/kernels/adam_fused.h). */
export function adamStepFused(optimizer: torch.optim.Adam): void {
  native.testing.adamStepFused(optimizer.handle);
}

/**
 * The training jobs' fused output layer and loss (native/kernels/output_loss.h): the summed, label-smoothed NLL of
 * linear(x, weight, bias) against `target`, as a tensor autograd can differentiate.
 */
export function outputLayerLoss(
  x: torch.Tensor,
  weight: torch.Tensor,
  bias: torch.Tensor | null,
  target: torch.Tensor,
  smoothing: number,
): torch.Tensor {
  return new torch.Tensor(
    native.testing.outputLayerLoss(x.handle, weight.handle, bias?.handle ?? null, target.handle, smoothing),
  );
}
