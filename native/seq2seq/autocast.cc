#include "seq2seq/autocast.h"

#include <ATen/autocast_mode.h>

namespace seq2seq {

AutocastGuard::AutocastGuard(at::ScalarType dtype, const at::Device& device) {
  if (dtype == at::ScalarType::Undefined) return;
  active_ = true;
  cuda_ = device.is_cuda();
  if (cuda_) {
    wasEnabled_ = at::autocast::is_enabled();
    wasDtype_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(dtype);
    at::autocast::set_enabled(true);
  } else {
    wasEnabled_ = at::autocast::is_cpu_enabled();
    wasDtype_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_autocast_cpu_dtype(dtype);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
  if (!active_) return;
  // The weights' casts are cached while any autocast scope is open (torch.autocast's __exit__ clears them): a
  // later step must cast the updated weights anew.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_) {
    at::autocast::set_enabled(wasEnabled_);
    at::autocast::set_autocast_gpu_dtype(wasDtype_);
  } else {
    at::autocast::set_cpu_enabled(wasEnabled_);
    at::autocast::set_autocast_cpu_dtype(wasDtype_);
  }
}

at::ScalarType AutocastDtype(const at::Device& device) {
  if (device.is_cuda()) {
    return at::autocast::is_enabled() ? at::autocast::get_autocast_gpu_dtype() : at::ScalarType::Undefined;
  }
  return at::autocast::is_cpu_enabled() ? at::autocast::get_autocast_cpu_dtype() : at::ScalarType::Undefined;
}

}  // namespace seq2seq
