#include "kernels/row_product_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#define SEQ2SEQ_ROWS_X86 1
#define SEQ2SEQ_TARGET_AVX512 __attribute__((target("avx512f")))
#define SEQ2SEQ_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace seq2seq {

namespace {

// Columns per block: two AVX-512 registers per row.
constexpr int64_t kColumns = 32;
// Rows per pass over W^T: 2 x 12 accumulators, 2 weight registers and a broadcast fit AVX-512's 32 registers.
constexpr int kPassRows = 12;

// Columns [n0, n1) of every row. std::fma is exact whatever the compiler makes of the loop: vector FMA instructions
// where the CPU has them (the clones: AVX-512, or AVX with FMA; cpu_dispatch.h's AVX2 clone lacks FMA), the C
// library's fmaf elsewhere.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "fma", "default")))
#endif
void PortableColumns(const float* x, int64_t M, const float* wT, const float* bias, float* y, int64_t K, int64_t N,
                     int64_t n0, int64_t n1) {
  for (int64_t r = 0; r < M; ++r) {
    float* __restrict out = y + r * N;
    for (int64_t n = n0; n < n1; ++n) out[n] = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      const float xk = x[r * K + k];
      const float* __restrict w = wT + k * N;
      for (int64_t n = n0; n < n1; ++n) out[n] = std::fma(w[n], xk, out[n]);
    }
    if (bias) {
      for (int64_t n = n0; n < n1; ++n) out[n] = bias[n] + out[n];
    }
  }
}

#ifdef SEQ2SEQ_ROWS_X86
// Runs pass(r0, R) over rows [0, M) in as few passes of at most `most` rows as will do, balanced (at most 12: 10 rows
// in one pass, 13 in 7 and 6), since each pass reads all of W^T's columns at hand.
template <typename Pass>
void BalancedPasses(int64_t M, int64_t most, const Pass& pass) {
  for (int64_t passes = (M + most - 1) / most, r0 = 0; r0 < M; --passes) {
    const int64_t R = (M - r0 + passes - 1) / passes;
    pass(r0, R);
    r0 += R;
  }
}

// R rows by (up to) 32 columns from n0, the accumulators in registers for the whole pass over k.
template <int R>
SEQ2SEQ_TARGET_AVX512 void Avx512Block(const float* x, const float* wT, const float* bias, float* y, int64_t K,
                                       int64_t N, int64_t n0, __mmask16 m0, __mmask16 m1) {
  __m512 acc[R][2];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  const float* w = wT + n0;
  for (int64_t k = 0; k < K; ++k, w += N) {
    const __m512 w0 = _mm512_maskz_loadu_ps(m0, w), w1 = _mm512_maskz_loadu_ps(m1, w + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512 xk = _mm512_set1_ps(x[r * K + k]);
      acc[r][0] = _mm512_fmadd_ps(w0, xk, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(w1, xk, acc[r][1]);
    }
  }
  if (bias) {
    const __m512 b0 = _mm512_maskz_loadu_ps(m0, bias + n0), b1 = _mm512_maskz_loadu_ps(m1, bias + n0 + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      acc[r][0] = _mm512_add_ps(b0, acc[r][0]);
      acc[r][1] = _mm512_add_ps(b1, acc[r][1]);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    _mm512_mask_storeu_ps(y + r * N + n0, m0, acc[r][0]);
    _mm512_mask_storeu_ps(y + r * N + n0 + 16, m1, acc[r][1]);
  }
}

using BlockFn = void (*)(const float*, const float*, const float*, float*, int64_t, int64_t, int64_t, __mmask16,
                         __mmask16);

template <int... R>
constexpr BlockFn kBlocks[] = {nullptr, &Avx512Block<R>...};

// Columns [n0, n1), n0 a multiple of kColumns; the rows in balanced passes of at most kPassRows.
void Avx512Columns(const float* x, int64_t M, const float* wT, const float* bias, float* y, int64_t K, int64_t N,
                   int64_t n0, int64_t n1) {
  static constexpr auto& blocks = kBlocks<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>;
  BalancedPasses(M, kPassRows, [&](int64_t r0, int64_t R) {
    for (int64_t n = n0; n < n1; n += kColumns) {
      const int64_t left = std::min<int64_t>(n1 - n, kColumns);
      const auto m0 = static_cast<__mmask16>(left >= 16 ? 0xffff : (1u << left) - 1);
      const auto m1 = static_cast<__mmask16>(left >= 32 ? 0xffff : left > 16 ? (1u << (left - 16)) - 1 : 0);
      blocks[R](x + r0 * K, wT, bias, y + r0 * N, K, N, n, m0, m1);
    }
  });
}

// AVX2 with FMA: R rows by 16 columns from n0 (whole blocks only), the accumulators in registers.
template <int R>
SEQ2SEQ_TARGET_AVX2 void Avx2Block(const float* x, const float* wT, const float* bias, float* y, int64_t K, int64_t N,
                                   int64_t n0) {
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  const float* w = wT + n0;
  for (int64_t k = 0; k < K; ++k, w += N) {
    const __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 xk = _mm256_set1_ps(x[r * K + k]);
      acc[r][0] = _mm256_fmadd_ps(w0, xk, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(w1, xk, acc[r][1]);
    }
  }
  if (bias) {
    const __m256 b0 = _mm256_loadu_ps(bias + n0), b1 = _mm256_loadu_ps(bias + n0 + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      acc[r][0] = _mm256_add_ps(b0, acc[r][0]);
      acc[r][1] = _mm256_add_ps(b1, acc[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(y + r * N + n0, acc[r][0]);
    _mm256_storeu_ps(y + r * N + n0 + 8, acc[r][1]);
  }
}

using Avx2BlockFn = void (*)(const float*, const float*, const float*, float*, int64_t, int64_t, int64_t);

template <int... R>
constexpr Avx2BlockFn kAvx2Blocks[] = {nullptr, &Avx2Block<R>...};

// Columns [n0, n1): whole blocks of 16 on AVX2 (AVX's 16 registers: 2 x 6 accumulators), the rest portable; rows in
// balanced passes of at most 6.
void Avx2Columns(const float* x, int64_t M, const float* wT, const float* bias, float* y, int64_t K, int64_t N,
                 int64_t n0, int64_t n1) {
  static constexpr auto& blocks = kAvx2Blocks<1, 2, 3, 4, 5, 6>;
  constexpr int64_t kPass = 6, kWidth = 16;
  const int64_t whole = n0 + (n1 - n0) / kWidth * kWidth;
  BalancedPasses(M, kPass, [&](int64_t r0, int64_t R) {
    for (int64_t n = n0; n < whole; n += kWidth) blocks[R](x + r0 * K, wT, bias, y + r0 * N, K, N, n);
  });
  if (whole < n1) PortableColumns(x, M, wT, bias, y, K, N, whole, n1);
}
#endif

}  // namespace

bool RowsProductPays(int64_t M, int64_t N, int64_t K, RowsIsa isa) {
  // Any weight up to 24 rows; up to kMaxProductRows where W (64k floats, 256 KB) stays in a core's L2 cache.
  constexpr int64_t kAnyWeightRows = 24, kCachedWeight = 65536;
  if (isa == RowsIsa::Portable) return M == 1;
  return M <= kAnyWeightRows || (N * K <= kCachedWeight && M <= kMaxProductRows);
}

bool RowsIsaAvailable(RowsIsa isa) {
  switch (isa) {
    case RowsIsa::Portable:
      return true;
    case RowsIsa::Avx2:
#ifdef SEQ2SEQ_ROWS_X86
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return false;
#endif
    case RowsIsa::Avx512:
#ifdef SEQ2SEQ_ROWS_X86
      return __builtin_cpu_supports("avx512f");
#else
      return false;
#endif
  }
  return false;
}

RowsIsa BestRowsIsa() {
  static const RowsIsa best = RowsIsaAvailable(RowsIsa::Avx512) ? RowsIsa::Avx512
                              : RowsIsaAvailable(RowsIsa::Avx2) ? RowsIsa::Avx2
                                                                : RowsIsa::Portable;
  return best;
}

void RowsProduct(const float* x, int64_t M, const float* wT, const float* bias, float* y, int64_t K, int64_t N,
                 RowsIsa isa) {
  if (M <= 0 || N <= 0) return;
  const int64_t blocks = (N + kColumns - 1) / kColumns;
  // About half a million multiply-adds per chunk (some 20 microseconds): smaller products stay on one thread.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 19) / std::max<int64_t>(1, M * K * kColumns));
  at::parallel_for(0, blocks, grain, [&](int64_t begin, int64_t end) {
    const int64_t n0 = begin * kColumns, n1 = std::min(N, end * kColumns);
#ifdef SEQ2SEQ_ROWS_X86
    if (isa == RowsIsa::Avx512) return Avx512Columns(x, M, wT, bias, y, K, N, n0, n1);
    if (isa == RowsIsa::Avx2) return Avx2Columns(x, M, wT, bias, y, K, N, n0, n1);
#endif
    PortableColumns(x, M, wT, bias, y, K, N, n0, n1);
  });
}

}  // namespace seq2seq
