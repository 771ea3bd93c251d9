/**
 * `seq2seq doctor`: what this installation runs on (libtorch, CUDA, C++ ABI, BLAS, threads, devices, SentencePiece) and a
 * one-step self-test on every visible device.
 */
import { readFileSync } from 'node:fs';
import * as torch from '../torch/index.js';
import { native } from '../torch/addon.js';

/** The facts `doctor` reports. */
export interface DoctorReport {
  node: string;
  napiVersion: string;
  torchVersion: string;
  torchDir: string;
  cudaBuild: boolean;
  cudnn: boolean;
  cxxAbi: string;
  blas: string[];
  /** OpenBLAS's build and the kernels it picked for this CPU ('' for another BLAS). */
  openblas: string;
  threads: number;
  /** The CPU's native bf16 instructions, or 'none' (`--precision bf16` is refused then). */
  cpuBf16: string;
  /** How the addon tuned malloc for tensors. */
  malloc: string;
  parallelBackend: string;
  devices: string[];
  cudaNote: string;
  /** c10d backends for data-parallel training in this build ('gloo', 'nccl'). */
  processGroups: string[];
  /** SentencePiece's version and where the build found it, or undefined when the addon was built without it. */
  sentencepiece?: { version: string; source: string };
  selfTest: { device: string; ok: boolean; ms: number; error?: string }[];
}

/** The BLAS and LAPACK libraries mapped into this process (the one libblas.so.3 resolves to, on Debian). */
function loadedBlas(): string[] {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const libs = new Set<string>();
    for (const line of maps.split('\n')) {
      const path = line.slice(line.indexOf('/'));
      // cuBLAS is the GPU's: a pip CUDA torch maps it too.
      if (line.includes('/') && /(blas|mkl|lapack|accelerate)[^/]*\.so/i.test(path) && !/cublas/i.test(path)) {
        libs.add(path);
      }
    }
    return [...libs];
  } catch {
    return [];
  }
}

/** One forward, backward and Adam step of a small LSTM on `device`. */
function selfTest(device: torch.Device): DoctorReport['selfTest'][number] {
  const start = performance.now();
  try {
    torch.tidy(() => {
      const lstm = new torch.nn.LSTM(4, 8, { numLayers: 2 }).to(device);
      const opt = new torch.optim.Adam(lstm.parameters(), { lr: 0.01 });
      const [out] = lstm.forward(torch.randn([3, 1, 4], { device }));
      out.sum().backward();
      opt.step();
      if (!Number.isFinite(out.sum().item())) throw new Error('non-finite output');
    });
    return { device, ok: true, ms: Math.round(performance.now() - start) };
  } catch (err) {
    return { device, ok: false, ms: Math.round(performance.now() - start), error: (err as Error).message };
  }
}

export function doctor(): DoctorReport {
  const info = torch.buildInfo();
  const cudaCount = torch.cuda.deviceCount();
  const devices: torch.Device[] = ['cpu', ...Array.from({ length: cudaCount }, (_, i) => `cuda:${i}` as const)];
  const cudaNote = info.cudaBuild
    ? cudaCount > 0
      ? `${cudaCount} CUDA device(s)`
      : 'CUDA build, but no device visible (driver? CUDA_VISIBLE_DEVICES?)'
    : 'none: this libtorch was built without CUDA';
  return {
    node: process.version,
    napiVersion: process.versions.napi ?? 'unknown',
    torchVersion: info.torchVersion,
    torchDir: info.torchDir,
    cudaBuild: info.cudaBuild,
    cudnn: info.cudnn,
    cxxAbi:
      info.cxx11Abi === undefined
        ? 'unknown'
        : `${info.cxx11Abi ? 'cxx11' : 'pre-cxx11'} (_GLIBCXX_USE_CXX11_ABI=${info.cxx11Abi ? 1 : 0})`,
    blas: loadedBlas(),
    openblas: info.openblas,
    threads: torch.getNumThreads(),
    cpuBf16: info.cpuBf16,
    malloc: info.malloc,
    parallelBackend: /ATen parallel backend: (.*)/.exec(info.parallelInfo)?.[1]?.trim() ?? 'unknown',
    devices,
    cudaNote,
    processGroups: native.processGroupBackends(),
    ...(info.sentencepiece !== null
      ? { sentencepiece: { version: info.sentencepiece, source: info.sentencepieceSource ?? 'unknown' } }
      : {}),
    selfTest: devices.map(selfTest),
  };
}

export function formatDoctor(r: DoctorReport): string {
  const rows: [string, string][] = [
    ['node', `${r.node} (Node-API ${r.napiVersion})`],
    ['libtorch', `${r.torchVersion} (${r.torchDir})`],
    ['CUDA build', r.cudaBuild ? 'yes' : 'no'],
    ['cuDNN', r.cudnn ? 'yes' : 'no'],
    ['C++ ABI', r.cxxAbi],
    ['BLAS', r.blas.length > 0 ? r.blas.join(', ') : 'none loaded (libtorch may link MKL statically)'],
    ...(r.openblas ? [['OpenBLAS', r.openblas] as [string, string]] : []),
    ['threads', `${r.threads} intra-op (${r.parallelBackend})`],
    ['malloc', r.malloc],
    [
      'CPU bf16',
      r.cpuBf16 === 'none'
        ? 'none: --precision bf16 is refused on this CPU (needs AVX-512 BF16 or AMX)'
        : `${r.cpuBf16} (--precision bf16 trains with bf16 products)`,
    ],
    ['devices', `${r.devices.join(', ')}; CUDA: ${r.cudaNote}`],
    [
      'data-parallel',
      r.processGroups.length > 0
        ? `c10d ${r.processGroups.join(', ')}`
        : 'none: built without Gloo headers (libgloo-dev) and without a CUDA libtorch with NCCL',
    ],
    [
      'SentencePiece',
      r.sentencepiece
        ? `${r.sentencepiece.version} (${r.sentencepiece.source})`
        : 'not built in: install libsentencepiece-dev and npm rebuild seq2seq-node',
    ],
    ...r.selfTest.map((t): [string, string] => [
      `self-test ${t.device}`,
      t.ok ? `ok (LSTM forward, backward, Adam step: ${t.ms} ms)` : `FAILED: ${t.error}`,
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ['seq2seq-node doctor', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}
