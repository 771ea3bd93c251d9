// What the benchmarks that compare with PyTorch share (scripts/bench.mjs, scripts/bench-decode.mjs): the pip torch
// 2.x venv beside Debian's torch 1.13, the version of a python's torch, and the environment both sides run with.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The venv's python with pip's newest torch 2.x CPU wheel (made once, under runs/bench-decode/ where the decoding
 * benchmark first made it, from the wheel folders scripts/check-pip-torch.sh reads: SEQ2SEQ_WHEELS, default
 * /opt/wheels /opt/pypi-more/files /opt/pypi/files), or undefined, said on stderr, when there is no such wheel or
 * the venv cannot be made.
 */
export function pipTorchPython() {
  const venv = join(root, 'runs', 'bench-decode', 'pip-torch-venv');
  const python = join(venv, 'bin', 'python3');
  if (existsSync(python)) return python;
  const dirs = (process.env.SEQ2SEQ_WHEELS ?? '/opt/wheels /opt/pypi-more/files /opt/pypi/files').split(' ');
  const wheels = dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).map((f) => join(d, f)) : []));
  const torchWheels = wheels.filter((f) => /\/torch-2[^/]*\+cpu[^/]*\.whl$/.test(f)).sort();
  const wheel = torchWheels.at(-1);
  if (!wheel) {
    console.error('no pip torch 2.x CPU wheel found: PyTorch 2 is left out');
    return undefined;
  }
  console.error(`making ${venv} with ${wheel} ...`);
  // Debian's python3 has venv (python3-venv); the wheel's dependencies come from the same folders.
  const make = spawnSync('/usr/bin/python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  const links = dirs.filter(existsSync).flatMap((d) => ['--find-links', d]);
  const pip =
    make.status === 0 &&
    spawnSync(python, ['-m', 'pip', 'install', '-q', '--no-index', ...links, wheel, 'numpy'], { stdio: 'inherit' });
  if (!pip || pip.status !== 0) {
    console.error('could not make the pip torch venv: PyTorch 2 is left out');
    return undefined;
  }
  return python;
}

/** `torch.__version__` of that python's torch (e.g. `1.13.1`, `2.13.0+cpu`). */
export function torchVersion(python) {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${python} cannot import torch:\n${r.stderr}`);
  return r.stdout.trim();
}

/** The BLAS that python's torch was built with (its build configuration's BLAS_INFO: mkl, open, ...). */
export function torchBlas(python) {
  const script =
    "import re, torch; m = re.search(r'BLAS_INFO=(\\w+)', torch.__config__.show()); print(m.group(1) if m else '?')";
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

/**
 * `base` with the same thread settings for every side: OpenMP's and OpenBLAS's pools and this package's intra-op
 * threads at `threads` (libtorch's intra-op pool is OpenMP in both builds; MKL follows OMP_NUM_THREADS).
 */
export function withThreads(base, threads) {
  return {
    ...base,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    SEQ2SEQ_NUM_THREADS: String(threads),
  };
}

/**
 * The dtype of nn.LSTM's output under torch.autocast(bfloat16) on `device` (cpu or cuda) in that python's torch,
 * on a padded input and,
 * where it differs, on a packed one (PackedSequence): `bfloat16` where autocast runs the LSTM in bf16 (torch 2.x,
 * through oneDNN, padded inputs), `float32` where it leaves it alone (torch 1.13; torch 2.x's packed inputs); '?'
 * when the probe fails.
 */
export function autocastLstmDtype(python, device = 'cpu') {
  const kind = device.startsWith('cuda') ? 'cuda' : 'cpu';
  const script = [
    'import torch',
    'from torch.nn.utils.rnn import pack_padded_sequence as pack',
    `lstm, x = torch.nn.LSTM(8, 8).to("${device}"), torch.randn(3, 2, 8, device="${device}")`,
    `with torch.autocast("${kind}", dtype=torch.bfloat16):`,
    '    padded, packed = lstm(x)[0].dtype, lstm(pack(x, torch.tensor([3, 2])))[0].data.dtype',
    'name = lambda t: str(t).replace("torch.", "")',
    'print(name(padded) if padded == packed else f"{name(padded)}, packed input {name(packed)}")',
  ].join('\n');
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}
