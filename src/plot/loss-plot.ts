/**
 * The loss curve as the notebook draws it with matplotlib (`plt.plot(range(1, NUM_EPOCHS+1), current_loss,
 * 'r-')`, Epoch / Loss axes): a Vega-Lite line chart, compiled by Vega to SVG and rendered to PNG by resvg.
 * Batched runs add the learning rate per update in a panel below.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../util/atomic.js';

export interface LossSeries {
  /** One value per epoch. */
  values: readonly number[];
  /** Legend label. */
  label: string;
  /** CSS colour; the notebook's curve is red. */
  color: string;
}

/** The learning rate at some updates of the run (metrics.jsonl's lines), for a panel under the losses. */
export interface RatePoint {
  /** Updates done. */
  step: number;
  lr: number;
}

/** An SVG line chart of losses per epoch; with `rates`, the learning rate per update in a panel below. */
export async function lossChartSvg(
  series: readonly LossSeries[],
  title = 'Training loss',
  rates?: readonly RatePoint[],
): Promise<string> {
  const values = series.flatMap((s) => s.values.map((loss, i) => ({ epoch: i + 1, loss, series: s.label })));
  const losses = {
    width: 560,
    height: 360,
    data: { values },
    mark: { type: 'line', point: series.length === 1 || values.length <= 60 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1 } },
      y: { field: 'loss', type: 'quantitative', title: 'Loss', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: series.map((s) => s.label), range: series.map((s) => s.color) },
        legend: { orient: 'top-right', labelLimit: 400 },
      },
    },
  } as const;
  const base = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, background: 'white' } as const;
  const config = { font: 'DejaVu Sans' };
  const spec: TopLevelSpec =
    rates && rates.length > 0
      ? {
          ...base,
          config,
          vconcat: [
            losses,
            {
              width: 560,
              height: 120,
              data: { values: rates.map((r) => ({ step: r.step, lr: r.lr })) },
              mark: {
                type: 'line',
                color: '#2ca02c',
                interpolate: 'step-before',
                point: rates.length <= 60 ? { color: '#2ca02c' } : false,
              },
              encoding: {
                x: { field: 'step', type: 'quantitative', title: 'Update', axis: { tickMinStep: 1 } },
                y: { field: 'lr', type: 'quantitative', title: 'Learning rate', scale: { zero: false } },
              },
            },
          ],
        }
      : { ...base, ...losses, config };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes the PNG of `lossChartSvg` to `path` atomically. */
export async function writeLossPlot(
  path: string,
  series: readonly LossSeries[],
  title?: string,
  rates?: readonly RatePoint[],
): Promise<void> {
  const svg = await lossChartSvg(series, title, rates);
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  writeFileAtomic(path, png);
}
