#include "kernels/top_k_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "kernels/softmax_loss_cpu.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#include <immintrin.h>
#define SEQ2SEQ_TOPK_X86 1
#define SEQ2SEQ_TARGET_AVX512 __attribute__((target("avx512f")))
#define SEQ2SEQ_TARGET_AVX2 __attribute__((target("avx2")))
#endif

namespace seq2seq {

namespace {

constexpr int64_t kSpan = 16;  // entries Skip passes over at once

// The first entry from `begin` that may enter a full list whose last is t (not NaN), one above t or NaN, or the
// start of a span of kSpan entries holding one, or of the tail shorter than a span; entries before it cannot.
// Most of a row's spans hold none: one vector comparison each (not (x <= t), true for NaN too).
#ifdef SEQ2SEQ_TOPK_X86
SEQ2SEQ_TARGET_AVX512 int64_t SkipAvx512(const float* x, int64_t i, int64_t end, float t) {
  const __m512 limit = _mm512_set1_ps(t);
  for (; i + kSpan <= end; i += kSpan) {
    if (_mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), limit, _CMP_NLE_UQ)) return i;
  }
  return i;
}

SEQ2SEQ_TARGET_AVX512 int64_t SkipAvx512(const double* x, int64_t i, int64_t end, double t) {
  const __m512d limit = _mm512_set1_pd(t);
  for (; i + kSpan <= end; i += kSpan) {
    if (_mm512_cmp_pd_mask(_mm512_loadu_pd(x + i), limit, _CMP_NLE_UQ) |
        _mm512_cmp_pd_mask(_mm512_loadu_pd(x + i + 8), limit, _CMP_NLE_UQ))
      return i;
  }
  return i;
}

SEQ2SEQ_TARGET_AVX2 int64_t SkipAvx2(const float* x, int64_t i, int64_t end, float t) {
  const __m256 limit = _mm256_set1_ps(t);
  for (; i + kSpan <= end; i += kSpan) {
    const __m256 a = _mm256_cmp_ps(_mm256_loadu_ps(x + i), limit, _CMP_NLE_UQ);
    const __m256 b = _mm256_cmp_ps(_mm256_loadu_ps(x + i + 8), limit, _CMP_NLE_UQ);
    if (_mm256_movemask_ps(_mm256_or_ps(a, b))) return i;
  }
  return i;
}
#endif

template <typename T>
int64_t SkipPortable(const T* x, int64_t i, int64_t end, T t) {
  while (i < end && x[i] <= t) ++i;
  return i;
}

int64_t Skip(const float* x, int64_t i, int64_t end, float t) {
#ifdef SEQ2SEQ_TOPK_X86
  static const int isa = __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
  if (isa == 2) return SkipAvx512(x, i, end, t);
  if (isa == 1) return SkipAvx2(x, i, end, t);
#endif
  return SkipPortable(x, i, end, t);
}

int64_t Skip(const double* x, int64_t i, int64_t end, double t) {
#ifdef SEQ2SEQ_TOPK_X86
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512) return SkipAvx512(x, i, end, t);
#endif
  return SkipPortable(x, i, end, t);
}

// Whether a ranks before b (a at a lower index than b where they tie).
template <typename T>
bool Above(T a, T b) {
  return (std::isnan(a) && !std::isnan(b)) || a > b;
}

template <typename T>
void RowTopK(const T* x, int64_t V, int64_t k, T* values, int64_t* indices) {
  int64_t size = 0;
  const auto offer = [&](int64_t i) {
    const T v = x[i];
    // Later entries rank below earlier equal ones: only a strictly higher value enters a full list.
    if (size == k && !Above(v, values[k - 1])) return;
    int64_t j = size < k ? size++ : k - 1;
    for (; j > 0 && Above(v, values[j - 1]); --j) {
      values[j] = values[j - 1];
      indices[j] = indices[j - 1];
    }
    values[j] = v;
    indices[j] = i;
  };
  int64_t i = 0;
  for (; i < V && size < k; ++i) offer(i);
  // The list's last only rises, so a span with no entry above it (nor NaN) holds none that would enter later.
  while (i < V && !std::isnan(values[k - 1])) {
    i = Skip(x, i, V, values[k - 1]);
    for (const int64_t stop = std::min(i + kSpan, V); i < stop; ++i) offer(i);
  }
}

}  // namespace

template <typename T>
void TopK(const T* x, int64_t rows, int64_t V, int64_t k, T* values, int64_t* indices) {
  // About a quarter of a million entries per chunk: a step's few rows stay on the calling thread.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 18) / std::max<int64_t>(1, V));
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) RowTopK(x + r * V, V, k, values + r * k, indices + r * k);
  });
}

void LogSoftmaxTopK(const float* x, int64_t rows, int64_t V, int64_t k, float* values, int64_t* indices) {
  // A row is a top-k pass and an exp pass: about 2^16 entries per chunk.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, V));
  at::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* z = x + r * V;
      float* v = values + r * k;
      RowTopK(z, V, k, v, indices + r * k);
      const float max = v[0];  // NaN where the row holds one
      const float logSum = std::isnan(max) ? max : RowLogSumExp(z, V, max);
      for (int64_t j = 0; j < k; ++j) v[j] = std::isnan(max) ? max : (v[j] - max) - logSum;
    }
  });
}

template void TopK<float>(const float*, int64_t, int64_t, int64_t, float*, int64_t*);
template void TopK<double>(const double*, int64_t, int64_t, int64_t, double*, int64_t*);

}  // namespace seq2seq
