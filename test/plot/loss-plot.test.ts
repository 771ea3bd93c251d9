import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lossChartSvg, writeLossPlot } from '../../src/plot/loss-plot.js';

describe('loss plot', () => {
  it('draws the notebook’s red curve on Epoch / Loss axes', async () => {
    const svg = await lossChartSvg([{ values: [5, 4, 2, 1], label: 'current_loss', color: 'red' }]);
    expect(svg).toContain('Epoch');
    expect(svg).toContain('Loss');
    expect(svg).toMatch(/stroke="(red|#ff0000)"/i);
  });

  it('draws the learning rate per update in a panel under the losses, only when given', async () => {
    const series = [{ values: [5, 4, 2, 1], label: 'training loss', color: 'red' }];
    const rates = [
      { step: 10, lr: 0.7 },
      { step: 20, lr: 0.35 },
      { step: 30, lr: 0.175 },
    ];
    const svg = await lossChartSvg(series, undefined, rates);
    expect(svg).toContain('Learning rate');
    expect(svg).toContain('Update');
    expect(svg).toMatch(/stroke="#2ca02c"/i);
    expect(await lossChartSvg(series)).not.toContain('Learning rate');
  });

  it('writes a PNG', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'plot-')), 'loss.png');
    await writeLossPlot(path, [
      {
        values: [5.1, 4.8, 4.6, 4.1, 2.0, 1.5, 1.2, 1.1, 0.9, 0.8],
        label: 'current_loss (last sentence)',
        color: 'red',
      },
      { values: [5.5, 4.9, 4.2, 3.6, 2.9, 2.2, 1.8, 1.5, 1.3, 1.2], label: 'mean loss of the epoch', color: '#1f77b4' },
    ]);
    const png = readFileSync(path);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});
