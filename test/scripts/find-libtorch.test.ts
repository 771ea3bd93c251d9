import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { findLibtorch, torchPrefix } from '../../scripts/find-libtorch.mjs';

type Found = { dir?: string; source?: string; searched: string[] };
const find = findLibtorch as (env: Record<string, string | undefined>) => Found;
const prefixOf = torchPrefix as (dir: string) => string | undefined;

function fakeLibtorch(): string {
  const root = mkdtempSync(join(tmpdir(), 'libtorch-'));
  mkdirSync(join(root, 'share', 'cmake', 'Torch'), { recursive: true });
  writeFileSync(join(root, 'share', 'cmake', 'Torch', 'TorchConfig.cmake'), '');
  return root;
}

describe('find-libtorch', () => {
  it('takes LIBTORCH first, then Torch_DIR', () => {
    const root = fakeLibtorch();
    expect(find({ LIBTORCH: root, PATH: process.env.PATH })).toMatchObject({
      dir: join(root, 'share', 'cmake', 'Torch'),
      source: 'LIBTORCH',
    });
    const dir = join(root, 'share', 'cmake', 'Torch');
    expect(find({ Torch_DIR: dir, PATH: process.env.PATH })).toMatchObject({ dir, source: 'Torch_DIR' });
  });

  it('stops with a clear message when LIBTORCH points at no libtorch', () => {
    expect(() => find({ LIBTORCH: '/nonexistent', PATH: process.env.PATH })).toThrow(
      /LIBTORCH=\/nonexistent holds no share\/cmake\/Torch\/TorchConfig.cmake/,
    );
  });

  it('falls through python torches without CMake files to the system libtorch, listing what it searched', () => {
    const found = find({ PATH: process.env.PATH });
    expect(found.searched.some((s) => s.startsWith('python3'))).toBe(true);
    expect(found.searched.some((s) => s.startsWith('/usr/bin/python3'))).toBe(true);
    expect(found.dir).toBeDefined();
  });

  it("puts a pip or unzipped libtorch's own prefix first, so that a Debian libtorch-dev beside it is not mixed in", () => {
    const root = fakeLibtorch();
    expect(prefixOf(join(root, 'share', 'cmake', 'Torch'))).toBeUndefined(); // no lib/ folder: not a libtorch
    mkdirSync(join(root, 'lib'));
    expect(prefixOf(join(root, 'share', 'cmake', 'Torch'))).toBe(root);
    expect(prefixOf(join(root, 'share', 'cmake', 'Torch') + '/')).toBe(root);
    // Debian's layout: its prefix is /usr, which is searched anyway.
    expect(prefixOf('/usr/lib/x86_64-linux-gnu/cmake/Torch')).toBeUndefined();
  });
});
