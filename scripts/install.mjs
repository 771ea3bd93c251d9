// `npm install` entry: finds libtorch (installing Debian's when allowed) and SentencePiece (likewise, optional), then
// builds the addon with cmake-js against them. Run with --rebuild to force a clean rebuild.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findLibtorch, torchConfigVersion, torchPrefix } from './find-libtorch.mjs';
import { findSentencePiece } from './find-sentencepiece.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const APT_PACKAGES = ['libtorch-dev', 'libopenblas0-pthread', 'libgloo-dev', 'python3-torch'];
const SPM_APT_PACKAGES = ['libsentencepiece-dev'];
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

/** apt-get install of `packages` (after an update when the first try fails); whether it succeeded. */
function aptGet(packages) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  return (
    run(['install', '-y', '-q', ...packages]) || (run(['update', '-q']) && run(['install', '-y', '-q', ...packages]))
  );
}

function aptInstall() {
  say(`no libtorch found; installing Debian's: apt-get install ${APT_PACKAGES.join(' ')}`);
  say('(set SEQ2SEQ_NO_APT=1 to forbid this, or LIBTORCH=/path/to/libtorch to use another one)');
  if (!aptGet(APT_PACKAGES)) fail(['apt-get install failed; see its output above.']);
}

/** SentencePiece, installed with apt when allowed; undefined (with one notice) when the addon goes without it. */
function sentencePiece() {
  let found;
  try {
    found = findSentencePiece();
    if (!found.includeDir && !found.disabled && canApt()) {
      say(`no SentencePiece found; installing Debian's: apt-get install ${SPM_APT_PACKAGES.join(' ')}`);
      say('(set SEQ2SEQ_NO_APT=1 to forbid this, or SENTENCEPIECE_ROOT=/prefix to use another one)');
      if (aptGet(SPM_APT_PACKAGES)) found = findSentencePiece();
    }
  } catch (err) {
    fail([err.message]);
  }
  if (found.includeDir) {
    say(`with SentencePiece ${found.version ?? '(unknown version)'} from ${found.source}: ${found.libDir}`);
    return found;
  }
  say(
    found.disabled
      ? 'SentencePiece disabled (SENTENCEPIECE_ROOT=none): subword vocabularies are disabled'
      : 'SentencePiece not found: subword vocabularies are disabled; enable them with ' +
          '`sudo apt-get install libsentencepiece-dev` (or SENTENCEPIECE_ROOT=/prefix), then `npm rebuild seq2seq-node`',
  );
  return undefined;
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
const spm = sentencePiece();

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
// Always passed, empty when absent, so that a rebuild without SentencePiece forgets an earlier one.
const spmDefs = {
  SEQ2SEQ_SENTENCEPIECE_INCLUDE_DIR: spm?.includeDir ?? '',
  SEQ2SEQ_SENTENCEPIECE_LIBRARY_DIR: spm?.libDir ?? '',
  SEQ2SEQ_SENTENCEPIECE_VERSION: spm?.version ?? '',
  SEQ2SEQ_SENTENCEPIECE_SOURCE: spm ? `${spm.source}: ${spm.libDir}` : '',
};
for (const [name, value] of Object.entries(spmDefs)) args.push(`--CD${name}=${value}`);
// `compile` reuses an existing build folder's cache without the definitions above: a SentencePiece installed (or
// removed) since then is written into that cache first, so that `npm rebuild` picks it up.
const cache = join(root, 'build', 'CMakeCache.txt');
if (action === 'compile' && existsSync(cache)) {
  const text = readFileSync(cache, 'utf8');
  const stale = Object.entries(spmDefs).filter(([name, value]) => {
    const cached = new RegExp(`^${name}:[A-Z]+=(.*)$`, 'm').exec(text)?.[1];
    return (cached ?? '') !== value;
  });
  if (stale.length > 0) {
    const defs = Object.entries(spmDefs).map(([name, value]) => `-D${name}:STRING=${value}`);
    if (spawnSync('cmake', [...defs, join(root, 'build')], { cwd: root, stdio: 'inherit' }).status !== 0) {
      fail(['cmake could not reconfigure build/ for SentencePiece; run `npm run build` for a clean build.']);
    }
  }
}
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
