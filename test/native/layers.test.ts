/**
 * native/ by layer: only native/binding/ touches Node-API. The core (native/seq2seq, native/kernels,
 * native/distributed) is plain libtorch, built as a static library that never gets Node-API's include folders, and a
 * Node-API include below the binding stops the build at configure time.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const NAPI_INCLUDE = /^\s*#\s*include\s*[<"](napi|node_api|js_native_api)[^>"]*[>"]/m;
const CORE_LAYERS = ['seq2seq', 'kernels', 'distributed', 'subword'];

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(cc|h)$/.test(f))
    .map((f) => join(dir, f));
}

describe('native/ layers', () => {
  it('keeps every C++ file in a layer folder, none loose in native/', () => {
    const loose = readdirSync('native').filter((f) => /\.(cc|h)$/.test(f));
    expect(loose).toEqual([]);
    expect(readdirSync('native').sort()).toEqual(['binding', 'distributed', 'kernels', 'seq2seq', 'subword']);
  });

  it('has no Node-API include, and no include of the binding, outside native/binding/', () => {
    const offenders = CORE_LAYERS.flatMap((layer) => sources(join('native', layer))).filter((f) => {
      const text = readFileSync(f, 'utf8');
      return NAPI_INCLUDE.test(text) || /#\s*include\s*"binding\//.test(text);
    });
    expect(offenders).toEqual([]);
    // The binding does include it: the pattern finds what it is meant to find.
    expect(sources('native/binding').some((f) => NAPI_INCLUDE.test(readFileSync(f, 'utf8')))).toBe(true);
  });

  it("builds the core as a static library that never sees Node-API's include folders", () => {
    const cmake = readFileSync('CMakeLists.txt', 'utf8');
    expect(cmake).toMatch(/add_library\(seq2seq_core STATIC/);
    expect(cmake).toMatch(/target_link_libraries\(\$\{PROJECT_NAME\} PRIVATE seq2seq_core/);
    const coreSettings = cmake.match(/^\s*target_[a-z_]+\(seq2seq_core[^)]*\)/gm) ?? [];
    expect(coreSettings.length).toBeGreaterThan(0);
    for (const setting of coreSettings) expect(setting).not.toMatch(/CMAKE_JS|NODE_ADDON_API|NAPI/);
    // Node-API's folders go to the addon target only.
    const napiDirs = cmake.match(/^.*\$\{(CMAKE_JS_INC|NODE_ADDON_API_DIR)\}.*$/gm) ?? [];
    for (const line of napiDirs) expect(line).toMatch(/target_include_directories\(\$\{PROJECT_NAME\} PRIVATE/);
  });

  it('fails to configure, naming the file, when a core file includes a Node-API header', () => {
    const root = mkdtempSync(join(tmpdir(), 'seq2seq-layers-'));
    try {
      cpSync('CMakeLists.txt', join(root, 'CMakeLists.txt'));
      cpSync('native', join(root, 'native'), { recursive: true });
      // A system-wide header name (Node's own headers, e.g. /usr/include/node), not only node-addon-api's.
      writeFileSync(join(root, 'native', 'kernels', 'leak.h'), '#pragma once\n#include <node_api.h>\n');
      const run = spawnSync('cmake', ['-S', root, '-B', join(root, 'build'), '-G', 'Ninja'], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stderr.replace(/\s+/g, ' ')).toMatch(/kernels\/leak\.h includes Node-API or the binding/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});
