import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  attentionHeatmapSvg,
  formatAttention,
  writeAttentionPng,
  type AttentionMap,
} from '../../src/plot/attention-plot.js';

/** A map whose rows each sum to 1, peaked on the diagonal as a well-trained model's would be. */
function diagonalMap(source: string[], target: string[]): AttentionMap {
  const weights = target.map((_, t) =>
    source.map((_, s) => (source.length === 1 ? 1 : s === t % source.length ? 0.6 : 0.4 / (source.length - 1))),
  );
  return { source, target, weights };
}

/** Width and height from the IHDR chunk, after checking the 8-byte PNG signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The heat map's own cells: the paths inside the rect mark group (legend and axes live in other groups). */
function cellPaths(svg: string): string[] {
  const group = /<g class="mark-rect role-mark[^>]*>(.*?)<\/g>/.exec(svg);
  expect(group).not.toBeNull();
  return group![1]!.match(/<path [^>]*>/g) ?? [];
}

describe('attention heat map', () => {
  it('writes a valid PNG that widens with the source and grows taller with the target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attention-plot-'));
    const sizeOf = async (name: string, map: AttentionMap): Promise<{ width: number; height: number }> => {
      const path = join(dir, name);
      await writeAttentionPng(path, map, 'je suis content');
      return pngSize(readFileSync(path));
    };
    const small = await sizeOf('small.png', diagonalMap(['i', 'am', 'happy'], ['je', 'suis', '<eos>']));
    const wider = await sizeOf(
      'wider.png',
      diagonalMap(['i', 'am', 'very', 'happy', 'today', 'indeed'], ['je', 'suis', '<eos>']),
    );
    const taller = await sizeOf(
      'taller.png',
      diagonalMap(['i', 'am', 'happy'], ['je', 'suis', 'très', 'content', 'aujourd’hui', '<eos>']),
    );
    expect(wider.width).toBeGreaterThan(small.width);
    expect(taller.height).toBeGreaterThan(small.height);
    // The write is atomic: only the finished files remain, no temporary file beside them.
    expect(readdirSync(dir).sort()).toEqual(['small.png', 'taller.png', 'wider.png']);
  });

  it('gives repeated words their own columns and rows, one cell per (target, source) pair', async () => {
    const source = ['the', 'cat', 'saw', 'the', 'dog'];
    const target = ['le', 'chat', 'a', 'vu', 'le', 'chien', '<eos>'];
    const svg = await attentionHeatmapSvg(diagonalMap(source, target));
    const cells = cellPaths(svg);
    expect(cells).toHaveLength(source.length * target.length);
    const origins = new Set(cells.map((p) => /d="M([\d.]+),([\d.]+)h/.exec(p)![0]));
    expect(origins.size).toBe(source.length * target.length);
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels.filter((l) => l === 'the')).toHaveLength(2);
    expect(labels.filter((l) => l === 'le')).toHaveLength(2);
    expect(labels).toContain('&lt;eos&gt;');
  });

  it('shows words with quotes and backslashes as written', async () => {
    const svg = await attentionHeatmapSvg(diagonalMap(['"hi"', 'a\\b', "it's"], ['salut', '<eos>']));
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(['"hi"', 'a\\b', "it's"]));
  });

  it('shades by a fixed [0, 1] scale, so a weight of 1 is darker than a weight of 0.5', async () => {
    const svg = await attentionHeatmapSvg({ source: ['a', 'b', 'c'], target: ['x'], weights: [[1, 0.5, 0]] });
    const brightness = cellPaths(svg).map((p) => {
      const [r, g, b] = /fill="rgb\((\d+), (\d+), (\d+)\)"/.exec(p)!.slice(1).map(Number);
      return r! + g! + b!;
    });
    expect(brightness[0]).toBeLessThan(brightness[1]!);
    expect(brightness[1]).toBeLessThan(brightness[2]!);
  });
});

describe('attention map validation', () => {
  const good = (): AttentionMap => diagonalMap(['a', 'b'], ['x', 'y']);
  const cases: [string, AttentionMap, RegExp][] = [
    ['an empty source', { source: [], target: ['x'], weights: [[]] }, /at least one source word/],
    ['an empty target', { source: ['a'], target: [], weights: [] }, /at least one target word/],
    ['a missing row', { ...good(), weights: [[0.5, 0.5]] }, /expected 2 weight rows .* received 1/],
    [
      'a short row',
      { ...good(), weights: [[0.5, 0.5], [1]] },
      /expected 2 weights .* row 1 \(target "y"\) .* received 1/,
    ],
    [
      'a NaN',
      {
        ...good(),
        weights: [
          [0.5, NaN],
          [0.5, 0.5],
        ],
      },
      /\[0\]\[1\] .* received NaN/,
    ],
    [
      'an infinity',
      {
        ...good(),
        weights: [
          [0.5, 0.5],
          [Infinity, 0],
        ],
      },
      /\[1\]\[0\] .* received Infinity/,
    ],
    [
      'a weight above 1',
      {
        ...good(),
        weights: [
          [1.01, 0],
          [0.5, 0.5],
        ],
      },
      /in \[0, 1\] .* received 1.01/,
    ],
    [
      'a negative weight',
      {
        ...good(),
        weights: [
          [0.5, 0.5],
          [-0.2, 1],
        ],
      },
      /in \[0, 1\] .* received -0.2/,
    ],
  ];
  for (const [what, map, message] of cases) {
    it(`rejects ${what} in both the plot and the table`, async () => {
      await expect(attentionHeatmapSvg(map)).rejects.toThrow(message);
      expect(() => formatAttention(map)).toThrow(message);
    });
  }

  it('accepts rounding slack just outside [0, 1]', async () => {
    const map = { source: ['a', 'b'], target: ['x'], weights: [[1 + 5e-7, -5e-7]] };
    await expect(attentionHeatmapSvg(map)).resolves.toContain('<svg');
    expect(formatAttention(map)).toContain('1.00');
  });
});

describe('attention table', () => {
  it('lists the source words, then one row per target word, with aligned columns', () => {
    const map: AttentionMap = {
      source: ['the', 'enormous', 'cat'],
      target: ['le', 'chat', '<eos>'],
      weights: [
        [0.9, 0.05, 0.05],
        [0.1, 0.2, 0.7],
        [0.125, 0.5, 0.375],
      ],
    };
    const lines = formatAttention(map).split('\n');
    expect(lines).toEqual([
      '        the  enormous   cat',
      'le     0.90      0.05  0.05',
      'chat   0.10      0.20  0.70',
      '<eos>  0.13      0.50  0.38',
    ]);
    // Every column ends at the same offset in every line.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('uses the requested number of decimals and rejects a bad one', () => {
    const map: AttentionMap = { source: ['a'], target: ['x'], weights: [[1 / 3]] };
    expect(formatAttention(map, 4)).toBe('        a\nx  0.3333');
    expect(() => formatAttention(map, -1)).toThrow(/digits .* received -1/);
    expect(() => formatAttention(map, 1.5)).toThrow(/digits .* received 1.5/);
  });
});
