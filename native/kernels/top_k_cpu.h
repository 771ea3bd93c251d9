// The k largest entries of each row of x [rows, V], largest first, with their indices: torch.topk(k, 1)'s values,
// NaN ranking above every number as there, and ties (which torch.topk leaves in no stated order) lower index first.
// One pass per row over a sorted list of k, for the decoders' small k (beam search's 2 x beam, greedy's 1): spans of
// 16 entries none of which is above the list's last are passed over in a few vector comparisons. Unlike torch.topk on
// the CPU, a few rows never wake the intra-op threads (measured: that wake-up was 16% of beam 5 decoding one sentence
// at a time on 2 threads here).
#pragma once

#include <cstdint>

namespace seq2seq {

// values [rows, k], indices [rows, k]; 1 <= k <= V. Rows are split over ATen's threads when there are enough.
template <typename T>
void TopK(const T* x, int64_t rows, int64_t V, int64_t k, T* values, int64_t* indices);

// The k largest entries of each row's log-softmax (x - max - log sum exp(x - max)) with their indices, from the
// logits x [rows, V] without writing the [rows, V] log-softmax: TopK of the logits, then one pass for the sum
// (softmax_loss_cpu.h's RowLogSumExp). The values are within a few float ulps of at::log_softmax's, and where two
// logits round to one log-probability the higher logit ranks first: for decoders bound to no ATen bits (int8 models).
// A row holding NaN gives NaN values, as at::log_softmax does.
void LogSoftmaxTopK(const float* x, int64_t rows, int64_t V, int64_t k, float* values, int64_t* indices);

}  // namespace seq2seq
