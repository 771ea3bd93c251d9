import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { doctor, formatDoctor } from '../../src/cli/doctor.js';

describe('doctor', () => {
  it('reports libtorch, ABI, BLAS, threads, devices and SentencePiece, and passes its self-test on every device', () => {
    const report = doctor();
    console.log(formatDoctor(report));
    expect(report.torchVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.cxxAbi).toMatch(/cxx11/);
    expect(report.threads).toBeGreaterThan(0);
    expect(report.devices[0]).toBe('cpu');
    expect(report.selfTest.every((t) => t.ok)).toBe(true);
    // NCCL comes only with a CUDA libtorch.
    if (report.processGroups.includes('nccl')) expect(report.cudaBuild).toBe(true);
    // SentencePiece: its version and where the build found it, or how to get it.
    const line = formatDoctor(report)
      .split('\n')
      .find((l) => l.trim().startsWith('SentencePiece'));
    if (report.sentencepiece) {
      expect(report.sentencepiece.version).toMatch(/^\d+\.\d+/);
      expect(line).toContain(report.sentencepiece.source);
    } else {
      expect(line).toMatch(/not built in: install libsentencepiece-dev and npm rebuild/);
    }
    // CI installs libsentencepiece-dev (pkg-config finds it).
    if (existsSync('/usr/include/sentencepiece_trainer.h')) expect(report.sentencepiece?.source).toMatch(/pkg-config/);
    if (process.platform === 'linux' && report.torchDir.startsWith('/usr/lib')) {
      // CI installs libgloo-dev: data-parallel training on the CPU is built in.
      expect(report.processGroups).toContain('gloo');
      // Debian's libtorch uses whichever libblas.so.3 is selected; CI installs OpenBLAS.
      expect(report.blas.join(' ')).toMatch(/openblas/);
      // OpenBLAS runs kernels for this CPU's vector units, not its SSE3 fallback for CPUs it does not know.
      expect(report.openblas).toMatch(/^OpenBLAS .*; kernels: \w+$/);
      if (/^flags\s*:.*\bavx2\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'))) {
        expect(report.openblas).not.toMatch(/kernels: (Prescott|Core2|Nehalem|Katmai|Northwood)$/);
      }
    }
  });
});
