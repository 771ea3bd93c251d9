#include "kernels/cpu_features.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif

namespace seq2seq {

namespace {

CpuBf16 Detect() {
  CpuBf16 found;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    const unsigned leaves = eax;  // the highest sub-leaf of leaf 7
    found.amxBf16 = (edx >> 22) & 1U;
    if (leaves >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) found.avx512Bf16 = (eax >> 5) & 1U;
  }
#endif
  return found;
}

}  // namespace

std::string CpuBf16::Describe() const {
  std::string names;
  if (amxBf16) names = "amx-bf16";
  if (avx512Bf16) names += names.empty() ? "avx512-bf16" : ", avx512-bf16";
  return names.empty() ? "none" : names;
}

const CpuBf16& CpuBf16Support() {
  static const CpuBf16 support = Detect();
  return support;
}

}  // namespace seq2seq
