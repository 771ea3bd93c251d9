#include "kernels/top_k_cpu.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace seq2seq {

namespace {

// Whether a ranks before b (a at a lower index than b where they tie).
template <typename T>
bool Above(T a, T b) {
  return (std::isnan(a) && !std::isnan(b)) || a > b;
}

template <typename T>
void RowTopK(const T* x, int64_t V, int64_t k, T* values, int64_t* indices) {
  int64_t size = 0;
  for (int64_t i = 0; i < V; ++i) {
    const T v = x[i];
    // Later entries rank below earlier equal ones: only a strictly higher value enters a full list.
    if (size == k && !Above(v, values[k - 1])) continue;
    int64_t j = size < k ? size++ : k - 1;
    for (; j > 0 && Above(v, values[j - 1]); --j) {
      values[j] = values[j - 1];
      indices[j] = indices[j - 1];
    }
    values[j] = v;
    indices[j] = i;
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

template void TopK<float>(const float*, int64_t, int64_t, int64_t, float*, int64_t*);
template void TopK<double>(const double*, int64_t, int64_t, int64_t, double*, int64_t*);

}  // namespace seq2seq
