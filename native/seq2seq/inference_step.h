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
  // A weight of x W^T + b. A one-row product on the CPU (greedy decoding of one sentence, the last rows of a batch)
  // runs on RowProduct (native/kernels/row_product_cpu.h) instead of the BLAS, which packs W on every call, once a
  // check has shown that RowProduct gives the BLAS's bits for this weight (then W^T is kept): checked on the first
  // one-row step of the job, on a fixed probe row.
  struct Weight {
    at::Tensor weight, bias;  // [N, K], [N] or undefined
    at::Tensor wT;            // [K, N], when RowProduct matches the BLAS
    int checked = 0;          // 0: not yet; 1: RowProduct matches; -1: it does not (the BLAS it is)
  };
  struct Layer {
    Weight ih, hh;
  };

  // x [R, K] W^T + b into `out` [R, N] (allocated when undefined): at::linear's product (addmm, or mm without bias).
  at::Tensor Product(Weight& w, const at::Tensor& x, at::Tensor out = at::Tensor());
  at::Tensor Lstm(const at::Tensor& input, DecoderState& state);

  Seq2SeqParts& parts_;
  bool fused_ = false;
  std::vector<Layer> layers_;
  Weight dense_, combine_;
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
