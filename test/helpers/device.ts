/** The device the suite runs on: SEQ2SEQ_TEST_DEVICE (scripts/gpu-check.sh sets `cuda`), else cpu. */
import type { Device } from '../../src/torch/index.js';

export const DEVICE = (process.env.SEQ2SEQ_TEST_DEVICE ?? 'cpu') as Device;
export const ON_CUDA = DEVICE.startsWith('cuda');
