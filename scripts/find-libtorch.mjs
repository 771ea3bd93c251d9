// Finds the libtorch the addon is built against, in the documented order:
//   1. LIBTORCH (an unzipped libtorch folder) or Torch_DIR (a folder holding TorchConfig.cmake)
//   2. the torch of a python3 on the PATH, then of /usr/bin/python3 (a pip CUDA wheel is used as is)
//   3. a system install (Debian's libtorch-dev)
// Each candidate is checked for TorchConfig.cmake before it is accepted, so a Python torch without
// CMake files (Debian's python3-torch) falls through to the next one.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

const SYSTEM_DIRS = [
  '/usr/lib/x86_64-linux-gnu/cmake/Torch',
  '/usr/lib/aarch64-linux-gnu/cmake/Torch',
  '/usr/lib/cmake/Torch',
  '/usr/local/lib/cmake/Torch',
  '/usr/share/cmake/Torch',
];

const hasConfig = (dir) => existsSync(join(dir, 'TorchConfig.cmake'));

function pythonTorch(python) {
  try {
    const out = execFileSync(
      python,
      ['-c', 'import torch, torch.utils; print(torch.utils.cmake_prefix_path); print(torch.__version__)'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
    );
    const [prefix, version] = out.trim().split('\n');
    return { dir: join(prefix, 'Torch'), version };
  } catch {
    return undefined;
  }
}

/** Reads the version Torch's CMake package announces (TorchConfigVersion.cmake). */
export function torchConfigVersion(dir) {
  try {
    const text = readFileSync(join(dir, 'TorchConfigVersion.cmake'), 'utf8');
    return /PACKAGE_VERSION "([^"]+)"/.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The install prefix of a libtorch whose CMake files lie in <prefix>/share/cmake/Torch (pip wheels, unzipped
 * libtorch), or undefined for other layouts (Debian's lib/<arch>/cmake/Torch).
 */
export function torchPrefix(dir) {
  const parts = resolve(dir).split(sep);
  if (parts.slice(-3).join('/') !== 'share/cmake/Torch') return undefined;
  const prefix = parts.slice(0, -3).join(sep) || sep;
  return existsSync(join(prefix, 'lib')) ? prefix : undefined;
}

/**
 * Returns { dir, source, searched } where dir holds TorchConfig.cmake, or { dir: undefined, searched }.
 * `searched` lists every place looked at, for the error message.
 */
export function findLibtorch(env = process.env) {
  const searched = [];
  if (env.LIBTORCH) {
    const dir = join(env.LIBTORCH, 'share', 'cmake', 'Torch');
    searched.push(`LIBTORCH=${env.LIBTORCH} (${dir})`);
    if (hasConfig(dir)) return { dir, source: 'LIBTORCH', searched };
    throw new Error(
      `LIBTORCH=${env.LIBTORCH} holds no share/cmake/Torch/TorchConfig.cmake: point it at an unzipped libtorch folder`,
    );
  }
  if (env.Torch_DIR) {
    searched.push(`Torch_DIR=${env.Torch_DIR}`);
    if (hasConfig(env.Torch_DIR)) return { dir: env.Torch_DIR, source: 'Torch_DIR', searched };
    throw new Error(`Torch_DIR=${env.Torch_DIR} holds no TorchConfig.cmake`);
  }
  for (const python of ['python3', '/usr/bin/python3']) {
    const found = pythonTorch(python);
    searched.push(`${python}: ${found ? `torch ${found.version}, ${found.dir}` : 'no torch module'}`);
    if (found && hasConfig(found.dir))
      return { dir: found.dir, source: `${python} (torch ${found.version})`, searched };
  }
  for (const dir of SYSTEM_DIRS) {
    searched.push(dir);
    if (hasConfig(dir)) return { dir, source: 'system', searched };
  }
  return { dir: undefined, searched };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const found = findLibtorch();
  if (!found.dir) {
    console.error(`libtorch not found. Searched:\n  ${found.searched.join('\n  ')}`);
    process.exit(1);
  }
  console.log(found.dir);
}
