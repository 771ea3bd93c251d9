/** The addon's test-only entry points (`addon.testing`), typed over the public classes. */
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/addon.js';

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

/** The one-pass Adam step the training jobs take (native/kernels/adam_fused.h). */
export function adamStepFused(optimizer: torch.optim.Adam): void {
  native.testing.adamStepFused(optimizer.handle);
}
