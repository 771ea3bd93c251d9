/** Whether the device runs a run's precision natively (bf16 products: AVX-512 BF16 or AMX on the CPU, or CUDA). */
import * as torch from '../torch/index.js';
import type { Precision } from './run-options.js';

/** Throws, with the reason, when `precision` cannot run natively on `device` (oneDNN would emulate bf16 slowly). */
export function checkPrecision(precision: Precision, device: torch.Device): void {
  if (precision !== 'bf16' || !device.startsWith('cpu')) return;
  if (torch.buildInfo().cpuBf16 === 'none') {
    throw new Error(
      '--precision bf16 needs a CPU with AVX-512 BF16 or AMX (this one has neither: see `seq2seq doctor`), or ' +
        '--device cuda; train in fp32 here',
    );
  }
}
