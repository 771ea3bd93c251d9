import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';

const addonPath = fileURLToPath(new URL('../../build/Release/seq2seq.node', import.meta.url));

describe('worker threads', () => {
  it('loads the addon in a worker with its own state, beside the main thread', async () => {
    const before = torch.memory().numTensors;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require(workerData);
      const t = addon.TensorHandle.full([3], 2, 'float32');
      parentPort.postMessage({ sum: t.sum().item(), live: addon.liveTensors() });
    `;
    const result = await new Promise<{ sum: number; live: number }>((resolve, reject) => {
      const worker = new Worker(code, { eval: true, workerData: addonPath });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(result.sum).toBe(6);
    expect(result.live).toBe(2);
    expect(torch.memory().numTensors).toBe(before);
  });
});
