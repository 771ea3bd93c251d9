/**
 * Loads the compiled addon (build/Release/seq2seq.node) once, after tuning the process for libtorch
 * (process-tuning.ts). A failed load throws one Error that names the cause and the commands that fix it, in the
 * manner of sharp.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Addon } from './addon-types.js';
import { defaultThreads, tuneProcessForLibtorch } from './process-tuning.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const candidates = [join(root, 'build', 'Release', 'seq2seq.node'), join(root, 'build', 'Debug', 'seq2seq.node')];

/** Turns load failures into one message with the likely cause and its fix. */
function loadError(errors: string[]): Error {
  const all = errors.join('\n');
  const fixes: string[] = [];
  if (errors.every((e) => e.includes('not built'))) {
    fixes.push('Build it: `npm rebuild seq2seq-node` (in this repository: `npm install`).');
  }
  if (/lib(torch|c10)[^:]*\.so[^:]*: cannot open shared object file/.test(all)) {
    fixes.push('The libtorch the addon was built against is gone: reinstall it, or rebuild against another one');
    fixes.push('  (`npm rebuild seq2seq-node`, with LIBTORCH=/path/to/libtorch to choose it).');
  }
  if (
    /undefined symbol: .*(cxx11|__cxx11|St7__cxx11)/.test(all) ||
    /undefined symbol: _ZN(3c10|2at|5torch)/.test(all)
  ) {
    fixes.push('The addon and libtorch disagree on the C++ ABI or version (pytorch#17492): rebuild so that');
    fixes.push('  TORCH_CXX_FLAGS of the libtorch in use are honoured: `npm rebuild seq2seq-node`.');
  }
  if (/(GLIBCXX|CXXABI)_[0-9.]+' not found/.test(all)) {
    fixes.push(
      'The C++ runtime is older than the one libtorch needs: update libstdc++ (your OS) or use an older libtorch.',
    );
  }
  if (/libcuda\.so|libcudart|libcudnn|libnvrtc/.test(all)) {
    fixes.push('A CUDA libtorch needs the NVIDIA driver and its CUDA libraries: install them, or build against a');
    fixes.push('  CPU libtorch (`SEQ2SEQ_NO_APT=1 LIBTORCH=/path/to/cpu/libtorch npm rebuild seq2seq-node`).');
  }
  if (fixes.length === 0) fixes.push('Rebuild the addon: `npm rebuild seq2seq-node`, then run `npx seq2seq doctor`.');
  return new Error(
    ['Could not load the seq2seq-node native addon.', ...errors.map((e) => `  ${e}`), 'Possible solutions:']
      .concat(fixes.map((f) => (f.startsWith('  ') ? `  ${f}` : `- ${f}`)))
      .join('\n'),
  );
}

function load(): Addon {
  const require = createRequire(import.meta.url);
  tuneProcessForLibtorch();
  const errors: string[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) {
      errors.push(`${path}: not built`);
      continue;
    }
    try {
      return require(path) as Addon;
    } catch (err) {
      errors.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw loadError(errors);
}

/** @internal The loaded addon, shared by every module of this package. */
export const native: Addon = load();
native.setNumThreads(defaultThreads());
