// `npm install` entry: finds libtorch (installing Debian's when allowed), then builds the addon with
// cmake-js against it. Run with --rebuild to force a clean rebuild.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch, torchConfigVersion, torchPrefix } from './find-libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const APT_PACKAGES = ['libtorch-dev', 'libopenblas0-pthread', 'libgloo-dev', 'python3-torch'];
const say = (line) => console.log(`seq2seq-node: ${line}`);

function fail(lines) {
  console.error(['', 'seq2seq-node: cannot build the native addon.', ...lines.map((l) => `  ${l}`), ''].join('\n'));
  process.exit(1);
}

function canApt() {
  if (process.env.SEQ2SEQ_NO_APT === '1') return false;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  if (!existsSync('/usr/bin/apt-get') || !existsSync('/etc/os-release')) return false;
  return /^(ID|ID_LIKE)=.*(debian|ubuntu)/m.test(execFileSync('cat', ['/etc/os-release'], { encoding: 'utf8' }));
}

function aptInstall() {
  say(`no libtorch found; installing Debian's: apt-get install ${APT_PACKAGES.join(' ')}`);
  say('(set SEQ2SEQ_NO_APT=1 to forbid this, or LIBTORCH=/path/to/libtorch to use another one)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (
    !run(['install', '-y', '-q', ...APT_PACKAGES]) &&
    !(run(['update', '-q']) && run(['install', '-y', '-q', ...APT_PACKAGES]))
  ) {
    fail(['apt-get install failed; see its output above.']);
  }
}

let found;
try {
  found = findLibtorch();
  if (!found.dir && canApt()) {
    aptInstall();
    found = findLibtorch();
  }
} catch (err) {
  fail([err.message]);
}
if (!found.dir) {
  fail([
    'No libtorch was found. Searched, in order:',
    ...found.searched.map((s) => `  - ${s}`),
    'Fix it with one of:',
    '  - Debian/Ubuntu: sudo apt-get install libtorch-dev libopenblas0-pthread && npm rebuild seq2seq-node',
    '  - a pip torch (CUDA included): pip install torch, then npm rebuild seq2seq-node',
    '  - an unzipped libtorch: LIBTORCH=/path/to/libtorch npm rebuild seq2seq-node',
  ]);
}

const version = torchConfigVersion(found.dir) ?? 'unknown version';
say(`building against libtorch ${version} from ${found.source}: ${found.dir}`);

const require = createRequire(import.meta.url);
let cmakeJs;
try {
  cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
} catch {
  fail(['cmake-js is missing from node_modules: run `npm install` in the package folder first.']);
}
const action = process.argv.includes('--rebuild') ? 'rebuild' : 'compile';
const jobs = String(Math.max(1, (await import('node:os')).availableParallelism()));
const args = [cmakeJs, action, '--out', 'build', `--CDTorch_DIR=${found.dir}`, '--parallel', jobs];
// TorchConfig.cmake looks for Caffe2's CMake files and the torch libraries by name, system folders first: with
// Debian's libtorch-dev also installed, a pip or unzipped libtorch would be mixed with it (its headers, Debian's
// libraries). Its own prefix on CMAKE_PREFIX_PATH is searched before the system's.
const prefix = torchPrefix(found.dir);
if (prefix) args.push(`--CDCMAKE_PREFIX_PATH=${prefix}`);
// Extra CMake definitions for unusual installs, e.g. a CUDA toolkit without some library that TorchConfig.cmake
// asks for: SEQ2SEQ_CMAKE_ARGS="-DCUDA_nvrtc_LIBRARY=/path/libnvrtc.so.13".
for (const arg of (process.env.SEQ2SEQ_CMAKE_ARGS ?? '').split(/\s+/).filter(Boolean)) {
  if (!arg.startsWith('-D')) fail([`SEQ2SEQ_CMAKE_ARGS: ${arg} is not a -DNAME=VALUE definition`]);
  args.push(`--CD${arg.slice(2)}`);
}
if (process.env.CMAKE_BUILD_TYPE === 'Debug') args.push('--debug');
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  fail([
    `cmake-js ${action} failed (exit ${result.status}); the compiler's message is above.`,
    'A libtorch built with another C++ ABI or a compiler older than GCC 9 are the usual causes.',
  ]);
}
say('native addon built: build/Release/seq2seq.node');
