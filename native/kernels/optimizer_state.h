// What libtorch's optimizers do differently between versions, written out once: clearing gradients and the key
// of a parameter's state.
#pragma once

#include <torch/optim/optimizer.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace seq2seq {

// Clears gradients to none (PyTorch 2's default) or to zero, the same under libtorch 1.13 and 2.x.
inline void ClearGrads(torch::optim::Optimizer& optimizer, bool setToNone) {
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) {
      if (!p.mutable_grad().defined()) continue;
      if (setToNone) {
        p.mutable_grad().reset();
      } else {
        p.mutable_grad().detach_();
        p.mutable_grad().zero_();
      }
    }
  }
}

// The key of a parameter in Optimizer::state(): its TensorImpl's address, printed in libtorch 1.x and raw in 2.x.
template <typename Map>
auto OptimizerStateKey(const at::Tensor& p) {
  using Key = typename std::decay_t<Map>::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;  // what c10::guts::to_string does
    key << p.unsafeGetTensorImpl();
    return key.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

}  // namespace seq2seq
