#include "kernels/row_product_cpu.h"

#include <cmath>

namespace seq2seq {

// std::fma is exact whatever the compiler makes of the loop: vector FMA instructions where the CPU has them (the
// clones: AVX-512, or AVX with FMA; cpu_dispatch.h's AVX2 clone lacks FMA), the C library's fmaf elsewhere.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "fma", "default")))
#endif
void RowProduct(const float* x, const float* wT, const float* bias, float* y, int64_t K,
                                   int64_t N) {
  for (int64_t n = 0; n < N; ++n) y[n] = 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    const float xk = x[k];
    const float* __restrict w = wT + k * N;
    float* __restrict out = y;
    for (int64_t n = 0; n < N; ++n) out[n] = std::fma(w[n], xk, out[n]);
  }
  if (bias) {
    for (int64_t n = 0; n < N; ++n) y[n] = bias[n] + y[n];
  }
}

}  // namespace seq2seq
