#include "seq2seq/dropout.h"

#include <ATen/Context.h>

#include <mutex>

namespace seq2seq {

at::Generator NewGenerator(const c10::Device& device, uint64_t seed) {
  // A clone of the device's default generator is a new generator of its kind: no CUDA header needed here.
  at::Generator defaults = at::globalContext().defaultGenerator(device);  // a handle on the default
  at::Generator generator;
  {
    std::lock_guard<std::mutex> lock(defaults.mutex());
    generator = defaults.clone();
  }
  generator.set_current_seed(seed);
  return generator;
}

at::Tensor ApplyDropout(const at::Tensor& x, const Dropout& dropout) {
  if (!dropout.On()) return x;
  // ATen's _dropout_impl, with the generator given: the same draws, in the same order, as PyTorch's.
  at::Tensor noise = at::empty_like(x, at::MemoryFormat::Contiguous);
  noise.bernoulli_(1.0 - dropout.p, dropout.generator);
  noise.div_(1.0 - dropout.p);
  return x * noise;
}

}  // namespace seq2seq
