// Mixed precision as torch.autocast runs it: within a guard's scope the products that autocast lowers (linear,
// matmul, mm, addmm, bmm, ...) run in bf16 (or fp16) on the tensors' device while the weights, their gradients and
// the optimizer state stay in float32. Only the forward runs in the scope; backward follows the dtypes the forward
// chose, as PyTorch advises.
#pragma once

#include <ATen/ATen.h>

namespace seq2seq {

class AutocastGuard {
 public:
  // dtype Undefined: the guard does nothing (every op in the tensors' own dtype).
  AutocastGuard(at::ScalarType dtype, const at::Device& device);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool wasEnabled_ = false;
  at::ScalarType wasDtype_ = at::ScalarType::Undefined;
};

// The dtype of the products autocast runs on `device` in this thread now, or Undefined when it is off there.
at::ScalarType AutocastDtype(const at::Device& device);

}  // namespace seq2seq
