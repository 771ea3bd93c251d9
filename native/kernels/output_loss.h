// The output layer and its loss as one autograd node on the CPU (float32): logits = x W^T + b, their log-softmax
// and the (label-smoothed) negative log-likelihood summed over rows, as
// F.cross_entropy(F.linear(x, W, b), target, ignore_index=-100, reduction='sum', label_smoothing=e).
// ATen's graph for the same holds four [rows x vocabulary] arrays (logits, log-probabilities, their gradient, the
// logits' gradient) and passes over them about ten times; here the logits are the only such array: one fused pass
// per row (kernels/softmax_loss_cpu.h) turns them into the loss and, when a gradient is wanted, in place into
// d loss / d logits, from which the layer's gradients are taken right away (dx = G W, dW = G^T x, db = sum G, the
// products ATen's linear backward runs) and the array freed. Backward scales them by the loss's gradient.
#pragma once

#include <ATen/ATen.h>

namespace seq2seq {

// Whether OutputLayerLoss runs for these tensors: CPU float32 [rows, features]. Its products run in float32: under
// autocast (mixed precision) and on other devices callers compose ATen's ops instead.
bool OutputLayerLossApplies(const at::Tensor& features, const at::Tensor& weight);

// features [rows, F], weight [V, F], bias [V] or undefined, target [rows] (int64; `ignoreIndex` rows add nothing).
at::Tensor OutputLayerLoss(const at::Tensor& features, const at::Tensor& weight, const at::Tensor& bias,
                           const at::Tensor& target, double smoothing, int64_t ignoreIndex = -100);

}  // namespace seq2seq
