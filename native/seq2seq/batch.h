// A mini-batch of sentence pairs as tensors: padded sources (with lengths, so packing keeps padding out of the
// encoder state), scored target tokens padded with kIgnoreIndex, and the teacher-forcing coin of each step.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace seq2seq {

// nll_loss's default ignore_index: padded target positions carry it and are never scored.
constexpr int64_t kIgnoreIndex = -100;

struct Batch {
  at::Tensor source;                // [S, B] int64 on the device; padding is index 0 and never enters the encoder
  at::Tensor sourceLengths;         // [B] int64 on the CPU (what packing wants)
  bool sameSourceLength;            // every source has length S: no packing needed
  at::Tensor target;                // [T, B] int64 on the device: the tokens scored at each step, else kIgnoreIndex
  at::Tensor input;                 // [T, B] int64: the teacher-forced inputs (<sos>, then target shifted by one)
  std::vector<bool> teacher;        // teacher[t]: step t > 0 is fed the reference token instead of the model's guess
  at::Tensor scored;                // [tokens] int64 on the device: flat positions (t * B + b) of the scored tokens
  std::vector<int64_t> maxLengths;  // for decoding: the most words to produce for each sentence
  int64_t size = 0;                 // B
  int64_t tokens = 0;               // scored target tokens
};

struct Vocabularies {
  int64_t source;
  int64_t target;
  int64_t sos;
};

}  // namespace seq2seq
