// What the CPU offers beyond what the build assumed, read once with cpuid: which mixed-precision paths a run may
// take (bf16 products run on AVX-512 BF16 or AMX tiles through oneDNN; without either, oneDNN emulates them more
// slowly than float32).
#pragma once

#include <string>

namespace seq2seq {

struct CpuBf16 {
  bool avx512Bf16 = false;  // AVX512_BF16: bf16 dot products in AVX-512 registers (Cooper Lake, Zen 4 on)
  bool amxBf16 = false;     // AMX-BF16: bf16 tile products (Sapphire Rapids on)
  bool Any() const { return avx512Bf16 || amxBf16; }
  // "amx-bf16, avx512-bf16", or "none".
  std::string Describe() const;
};

const CpuBf16& CpuBf16Support();

}  // namespace seq2seq
