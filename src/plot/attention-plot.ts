/**
 * Attention heat maps, as the attention tutorials draw them with matplotlib's `matshow`: source words along the
 * top, produced words down the side, one cell per (target, source) pair shaded by its weight. A Vega-Lite `rect`
 * chart compiled by Vega to SVG and rendered to PNG by resvg, like the loss plot; plus a plain-text table for
 * terminals.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../util/atomic.js';

/** One translation's attention: weights[t][s] is how much target word t looked at source word s. */
export interface AttentionMap {
  /** Source words in the order the user wrote them (x axis, left to right). */
  source: readonly string[];
  /** Produced target words (y axis, top to bottom), e.g. ending with '<eos>'. */
  target: readonly string[];
  /** [target.length][source.length], each in [0, 1]. */
  weights: readonly (readonly number[])[];
}

/** Side of one cell in CSS pixels: the image grows with the sentence instead of squeezing long ones. */
const CELL_PX = 32;
/** Softmax outputs can overshoot [0, 1] by rounding; anything further out is a bug upstream. */
const SLACK = 1e-6;
/** Source words longer than this are drawn at -45° so neighbouring labels do not overlap. */
const LONG_LABEL_CHARS = 3;

/** Throws one clear Error when `map` is not a well-formed attention matrix. */
function checkAttentionMap(map: AttentionMap): void {
  const { source, target, weights } = map;
  if (source.length === 0) throw new Error('attention map: expected at least one source word but received none');
  if (target.length === 0) throw new Error('attention map: expected at least one target word but received none');
  if (weights.length !== target.length) {
    throw new Error(
      `attention map: expected ${target.length} weight rows (one per target word) but received ${weights.length}`,
    );
  }
  weights.forEach((row, t) => {
    if (row.length !== source.length) {
      throw new Error(
        `attention map: expected ${source.length} weights (one per source word) in row ${t} ` +
          `(target "${target[t]}") but received ${row.length}`,
      );
    }
    row.forEach((w, s) => {
      if (!Number.isFinite(w) || w < -SLACK || w > 1 + SLACK) {
        throw new Error(
          `attention map: expected a finite weight in [0, 1] at [${t}][${s}] ` +
            `(target "${target[t]}", source "${source[s]}") but received ${w}`,
        );
      }
    });
  });
}

/** An SVG heat map of `map`: x = source word, y = target word, darker = more attention. */
export async function attentionHeatmapSvg(map: AttentionMap, title = 'Attention'): Promise<string> {
  checkAttentionMap(map);
  const { source, target, weights } = map;
  // Cells are keyed by position, not by word: "the ... the" must give two columns, not one merged one.
  const values = weights.flatMap((row, t) => row.map((w, s) => ({ s, t, w: Math.min(1, Math.max(0, w)) })));
  const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  // The axes show the words by looking the position up in a literal array; JSON is valid Vega expression syntax.
  const label = (words: readonly string[]): string => `${JSON.stringify(words)}[datum.value]`;
  const longLabels = source.some((w) => w.length > LONG_LABEL_CHARS);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: { step: CELL_PX },
    height: { step: CELL_PX },
    background: 'white',
    data: { values },
    mark: { type: 'rect' },
    encoding: {
      x: {
        field: 's',
        type: 'ordinal',
        title: 'Source',
        scale: { domain: indices(source.length) },
        axis: { orient: 'top', labelExpr: label(source), labelAngle: longLabels ? -45 : 0, labelLimit: 200 },
      },
      y: {
        field: 't',
        type: 'ordinal',
        title: 'Target',
        scale: { domain: indices(target.length) },
        axis: { labelExpr: label(target), labelLimit: 200 },
      },
      color: {
        field: 'w',
        type: 'quantitative',
        title: 'Weight',
        // A fixed domain keeps shades comparable between sentences; a peaky map stays dark, a flat one pale.
        scale: { scheme: 'blues', domain: [0, 1] },
      },
    },
    config: { font: 'DejaVu Sans', view: { stroke: null } },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Writes the PNG of `attentionHeatmapSvg` to `path` atomically. */
export async function writeAttentionPng(path: string, map: AttentionMap, title?: string): Promise<void> {
  const svg = await attentionHeatmapSvg(map, title);
  const png = new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 } }).render().asPng();
  writeFileAtomic(path, png);
}

/**
 * A plain-text table of `map` for terminals: the first row holds the source words, then one row per target word
 * with its weights to `digits` decimals, every column padded to its widest entry.
 */
export function formatAttention(map: AttentionMap, digits = 2): string {
  checkAttentionMap(map);
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new Error(`formatAttention: expected an integer between 0 and 20 for digits but received ${digits}`);
  }
  const { source, target, weights } = map;
  const cells = weights.map((row) => row.map((w) => w.toFixed(digits)));
  const rowLabelWidth = Math.max(...target.map((w) => w.length));
  const colWidths = source.map((word, s) => Math.max(word.length, ...cells.map((row) => row[s]!.length)));
  // Row labels left-aligned like words, numbers right-aligned so their decimal points line up.
  const line = (head: string, items: readonly string[]): string =>
    [head.padEnd(rowLabelWidth), ...items.map((x, s) => x.padStart(colWidths[s]!))].join('  ').trimEnd();
  return [line('', source), ...cells.map((row, t) => line(target[t]!, row))].join('\n');
}
