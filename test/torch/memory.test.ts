import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import { DEVICE } from '../helpers/device.js';

const MB = 1024 * 1024;

// Node-API finalizers run when the event loop turns, not inside a synchronous loop; a training loop yields
// now and then (as the package's own loops do), so this one does too, every 100 steps.
async function trainSteps(
  steps: number,
  model: { lstm: torch.nn.LSTM; dense: torch.nn.Linear },
  opt: torch.optim.Adam,
  scoped: boolean,
): Promise<void> {
  const criterion = new torch.nn.NLLLoss();
  const logSoftmax = new torch.nn.LogSoftmax(1);
  const step = (): void => {
    opt.zeroGrad();
    const x = torch.randn([6, 1, 8], { device: DEVICE });
    const [out] = model.lstm.forward(x, [
      torch.zeros([2, 1, 16], { device: DEVICE }),
      torch.zeros([2, 1, 16], { device: DEVICE }),
    ]);
    const logits = logSoftmax.forward(model.dense.forward(out.squeeze(1)));
    const loss = criterion.forward(logits, torch.tensor([1, 2, 3, 4, 5, 0], { device: DEVICE }));
    loss.backward();
    opt.step();
  };
  for (let i = 0; i < steps; i++) {
    if (scoped) torch.tidy(step);
    else step();
    if (i % 100 === 99) await new Promise(setImmediate);
  }
}

describe('memory', () => {
  it('stays flat over 20,000 forward+backward+Adam steps of a small LSTM (tidy scopes)', async () => {
    const model = {
      lstm: new torch.nn.LSTM(8, 16, { numLayers: 2 }).to(DEVICE),
      dense: new torch.nn.Linear(16, 6).to(DEVICE),
    };
    const opt = new torch.optim.Adam([...model.lstm.parameters(), ...model.dense.parameters()], { lr: 0.01 });
    await trainSteps(1000, model, opt, true); // warm-up: allocator pools, Adam state, JIT
    const tensorsBefore = torch.memory().numTensors;
    const rssBefore = process.memoryUsage().rss;
    await trainSteps(20_000, model, opt, true);
    const growth = (process.memoryUsage().rss - rssBefore) / MB;
    console.log(
      `memory: RSS grew ${growth.toFixed(1)} MB over 20,000 steps (limit 50 MB); live tensors ${tensorsBefore} -> ${torch.memory().numTensors}`,
    );
    expect(torch.memory().numTensors).toBe(tensorsBefore);
    expect(growth).toBeLessThan(50);
  });

  it('is reclaimed by the garbage collector when tensors are never disposed', async () => {
    const model = {
      lstm: new torch.nn.LSTM(8, 16, { numLayers: 2 }).to(DEVICE),
      dense: new torch.nn.Linear(16, 6).to(DEVICE),
    };
    const opt = new torch.optim.Adam([...model.lstm.parameters(), ...model.dense.parameters()], { lr: 0.01 });
    // Warm-up: the heap grows to its working size, which takes longer when the machine is busy (V8 sizes its
    // heap by how much time collection takes), so two rounds before measuring the third.
    await trainSteps(3000, model, opt, false);
    await trainSteps(5000, model, opt, false);
    const rssBefore = process.memoryUsage().rss;
    await trainSteps(5000, model, opt, false);
    const growth = (process.memoryUsage().rss - rssBefore) / MB;
    console.log(
      `memory: RSS grew ${growth.toFixed(1)} MB over 5,000 unscoped steps (limit 50 MB); live tensors ${torch.memory().numTensors}`,
    );
    expect(growth).toBeLessThan(50);
    // 5,000 steps make about 150,000 tensors; the collector must have released most of them.
    expect(torch.memory().numTensors).toBeLessThan(30_000);
  });
});
