#include "kernels/softmax_loss_cpu.h"

#include <cmath>
#include <limits>

#include "kernels/cpu_dispatch.h"
#include "kernels/fast_math.h"

namespace seq2seq {

namespace {

// Reductions in lanes, so that the compiler vectorises them without reassociating (no fast-math): lane l sums
// elements l, l + kLanes, ... and the lanes are summed at the end.
constexpr int64_t kLanes = 16;

struct RowSums {
  float max;
  double sum;  // of the logits, for label smoothing
};

SEQ2SEQ_INLINE RowSums MaxAndSum(const float* __restrict z, int64_t n) {
  float m[kLanes], s[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) {
    m[l] = -std::numeric_limits<float>::infinity();
    s[l] = 0.0f;
  }
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) {
      const float v = z[i + l];
      m[l] = v > m[l] ? v : m[l];
      s[l] += v;
    }
  }
  for (; i < n; ++i) {
    m[0] = z[i] > m[0] ? z[i] : m[0];
    s[0] += z[i];
  }
  RowSums r{m[0], 0.0};
  for (int64_t l = 0; l < kLanes; ++l) {
    r.max = m[l] > r.max ? m[l] : r.max;
    r.sum += s[l];
  }
  return r;
}

// sum exp(z - max); with `store`, z becomes exp(z - max) (z is only read without).
template <bool store>
SEQ2SEQ_INLINE float SumExp(float* __restrict z, int64_t n, float max) {
  float s[kLanes];
  for (int64_t l = 0; l < kLanes; ++l) s[l] = 0.0f;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int64_t l = 0; l < kLanes; ++l) {
      const float e = ExpF(z[i + l] - max);
      if (store) z[i + l] = e;
      s[l] += e;
    }
  }
  for (; i < n; ++i) {
    const float e = ExpF(z[i] - max);
    if (store) z[i] = e;
    s[0] += e;
  }
  float total = 0.0f;
  for (int64_t l = 0; l < kLanes; ++l) total += s[l];
  return total;
}

SEQ2SEQ_INLINE void Rows(const SoftmaxLossRows& r, int64_t begin, int64_t end) {
  const int64_t V = r.vocab;
  const auto e = static_cast<float>(r.smoothing);
  const float spread = e / static_cast<float>(V);
  for (int64_t b = begin; b < end; ++b) {
    float* __restrict z = r.logits + b * V;
    const int64_t t = r.target[b];
    if (t == r.ignore) {
      r.loss[b] = 0.0;
      if (r.gradient) {
        for (int64_t j = 0; j < V; ++j) z[j] = 0.0f;
      }
      continue;
    }
    const RowSums sums = MaxAndSum(z, V);
    const float zt = z[t];
    const float s = r.gradient ? SumExp<true>(z, V, sums.max) : SumExp<false>(z, V, sums.max);
    const double lse = static_cast<double>(sums.max) + std::log(static_cast<double>(s));
    r.loss[b] = lse - (1.0 - r.smoothing) * zt - r.smoothing / static_cast<double>(V) * sums.sum;
    if (!r.gradient) continue;
    const float inv = 1.0f / s;
    for (int64_t j = 0; j < V; ++j) z[j] = z[j] * inv - spread;
    z[t] -= 1.0f - e;
  }
}

}  // namespace

// The loops are vectorised by the compiler, exp included, once per instruction set (cpu_dispatch.h).
SEQ2SEQ_CPU_CLONES void SoftmaxLoss(const SoftmaxLossRows& rows, int64_t begin, int64_t end) { Rows(rows, begin, end); }

SEQ2SEQ_CPU_CLONES float RowLogSumExp(const float* z, int64_t n, float max) {
  return std::log(SumExp<false>(const_cast<float*>(z), n, max));
}

}  // namespace seq2seq
