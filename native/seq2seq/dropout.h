// Dropout for the batched training step, from a generator of the job's own: torch.nn.functional.dropout's
// arithmetic on the CPU (a bernoulli_(1 - p) mask divided by 1 - p, times the input), so that the PyTorch reference
// seeding a torch.Generator alike draws the same masks (scripts/reference/batched.py). A generator of its own keeps
// the masks independent of whatever else draws from libtorch's default one, so a resumed run draws what it would
// have drawn.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace seq2seq {

struct Dropout {
  double p = 0.0;           // the probability of zeroing an element; 0: off
  at::Generator generator;  // undefined: off (validation, decoding)

  bool On() const { return p > 0.0 && generator.defined(); }
};

// A generator of `device`'s kind (CPU or CUDA) seeded with `seed`, shared by nothing else.
at::Generator NewGenerator(const c10::Device& device, uint64_t seed);

// x itself when `dropout` is off, else x times a fresh mask scaled by 1 / (1 - p).
at::Tensor ApplyDropout(const at::Tensor& x, const Dropout& dropout);
// The same for an optional dropout (a null pointer is off).
inline at::Tensor ApplyDropout(const at::Tensor& x, const Dropout* dropout) {
  return dropout ? ApplyDropout(x, *dropout) : x;
}

}  // namespace seq2seq
