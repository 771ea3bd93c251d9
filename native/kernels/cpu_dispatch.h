// Function multi-versioning for the CPU loops the compiler vectorises (LSTM cell, Adam): each marked function is
// compiled for AVX-512, AVX2 and plain x86-64, and the loader picks the best the CPU runs (GCC's target_clones,
// resolved once when the addon loads). Elsewhere (other compilers, other architectures) it marks nothing.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SEQ2SEQ_CPU_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SEQ2SEQ_CPU_CLONES
#endif
