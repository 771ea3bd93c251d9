/**
 * The loss curve as the notebook draws it with matplotlib (`plt.plot(range(1, NUM_EPOCHS+1), current_loss,
 * 'r-')`, Epoch / Loss axes): a Vega-Lite line chart, compiled by Vega to SVG and rendered to PNG by resvg.
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

/** An SVG line chart of losses per epoch. */
export async function lossChartSvg(series: readonly LossSeries[], title = 'Training loss'): Promise<string> {
  const values = series.flatMap((s) => s.values.map((loss, i) => ({ epoch: i + 1, loss, series: s.label })));
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 560,
    height: 360,
    background: 'white',
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
    config: { font: 'DejaVu Sans' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes the PNG of `lossChartSvg` to `path` atomically. */
export async function writeLossPlot(path: string, series: readonly LossSeries[], title?: string): Promise<void> {
  const svg = await lossChartSvg(series, title);
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  writeFileAtomic(path, png);
}
