// The per-row part of the output layer's loss on the CPU, fused into passes over one row at a time (in cache):
// log-sum-exp, the row's (label-smoothed) negative log-likelihood and, when asked, the row turned in place into the
// gradient of that loss with respect to its logits. The products around it (the logits, and the gradients of the
// layer's input and weights) are BLAS calls made by the caller (kernels/output_loss.h).
#pragma once

#include <cstdint>

namespace seq2seq {

struct SoftmaxLossRows {
  int64_t vocab = 0;
  float* logits = nullptr;          // [rows, vocab]; with `gradient`, overwritten with d loss / d logits
  const int64_t* target = nullptr;  // [rows]; a row whose target is `ignore` adds nothing (its gradient is zero)
  int64_t ignore = -100;
  double smoothing = 0.0;  // F.cross_entropy's label_smoothing: the target gets 1 - e, every word e / vocab
  bool gradient = false;
  double* loss = nullptr;  // [rows] out: each row's loss (0 for ignored rows)
};

// Rows [begin, end). The loss of a row z with target t is lse(z) - (1 - e) z_t - (e / V) sum z, where
// lse(z) = max z + log sum exp(z - max z): F.cross_entropy's, term for term; its gradient softmax(z) - (1 - e) [t] - e
// / V.
void SoftmaxLoss(const SoftmaxLossRows& rows, int64_t begin, int64_t end);

// log sum exp(z - max) over a row z of n entries whose largest is `max`: the log-softmax's z - max - this, with the
// loss's vectorised exp and summation (not ATen's order: within a few float ulps of at::log_softmax's constant).
float RowLogSumExp(const float* z, int64_t n, float max);

}  // namespace seq2seq
