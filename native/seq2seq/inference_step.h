// The decoder's step for decoding (greedy, beam): DecoderStep's values without autograd's bookkeeping. On the CPU the
// decoder LSTM runs forward only on the project's cell kernel (native/kernels/lstm_cell_cpu.h), its weights looked up
// once per job and its buffers allocated once per job (the rows of a step are a prefix of them); elsewhere, or for
// other dtypes, it is DecoderStep's own. The encoder's outputs can be shared by groups of rows (a sentence's beams):
// row i attends to memory row i / group, so beams need no copies of them.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "seq2seq/batched_step.h"
#include "seq2seq/parts.h"

namespace seq2seq {

class InferenceDecoder {
 public:
  // `maxRows`: the most rows any step will have (the buffers' size).
  InferenceDecoder(Seq2SeqParts& parts, int64_t maxRows);

  // DecoderStep for x [R] (R = encoded rows x group): the log-probabilities [R, V]; `weights`, when given, receives
  // the attention weights [R, S]. state.h and state.c are replaced by views of the job's buffers.
  at::Tensor Step(const Encoded& encoded, const at::Tensor& x, DecoderState& state, int64_t group = 1,
                  at::Tensor* weights = nullptr);

 private:
  struct Layer {
    at::Tensor wIh, bIh, wIhT, wHhT, bHh;
  };

  at::Tensor Lstm(const at::Tensor& input, DecoderState& state);

  Seq2SeqParts& parts_;
  bool fused_ = false;
  std::vector<Layer> layers_;
  at::Tensor gx_, gates_, tanhC_, out_;  // [maxRows, 4H] twice, [maxRows, H] twice: one layer's scratch
  at::Tensor h_[2], c_[2];               // [layers, maxRows, H]: the state, alternating between steps
  int parity_ = 0;
};

// Attend for rows that share the encoder's outputs in groups of `group` consecutive rows: query [A x group, H],
// memory, keys [A, S, H], mask [A, S] -> context [A x group, H] and weights [A x group, S]; the same values as Attend
// with memory, keys and mask repeated per row (Luong concat repeats them: its product runs over [query; memory]).
std::pair<at::Tensor, at::Tensor> AttendGrouped(AttentionParts& attention, const at::Tensor& query,
                                                const at::Tensor& memory, const at::Tensor& keys,
                                                const at::Tensor& mask, int64_t group);

}  // namespace seq2seq
