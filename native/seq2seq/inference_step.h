// The decoder's step for decoding (greedy, beam): DecoderStep's values without autograd's bookkeeping. On the CPU the
// decoder LSTM runs forward only on the project's cell kernel (native/kernels/lstm_cell_cpu.h), its weights looked up
// once per job and its buffers allocated once per job (the rows of a step are a prefix of them); elsewhere, or for
// other dtypes, it is DecoderStep's own. The encoder's outputs can be shared by groups of rows (a sentence's beams):
// row i attends to memory row i / group, so beams need no copies of them. An int8 model (parts.encoderInt8 and
// decoderInt8) runs its LSTMs' products and its output layer on the int8 kernel (seq2seq/int8_weights.h), the rest
// as a float model does.
#pragma once

#include <ATen/ATen.h>

#include <array>
#include <cstdint>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "kernels/lstm_cpu.h"
#include "kernels/row_product_cpu.h"
#include "seq2seq/batched_step.h"
#include "seq2seq/int8_weights.h"
#include "seq2seq/parts.h"

namespace seq2seq {

// A weight of x W^T + b. A product of a few rows on the CPU (greedy decoding of one sentence, a sentence's beams,
// the last rows of a batch, the encoder of a one-sentence batch; up to 96 rows where W is small) runs on RowsProduct
// (native/kernels/row_product_cpu.h) where that pays (RowsProductPays) instead of the BLAS, which packs W on every
// call, once a check has shown that RowsProduct gives the BLAS's bits for this weight and this many rows (then W^T is
// kept): checked on the first product of each row count, on fixed probe rows. The BLAS may sum in another order at
// another row count (OpenBLAS: its small-matrix kernels, its Haswell kernel from 4 rows on one thread).
struct RowWeight {
  at::Tensor weight, bias;  // [N, K], [N] or undefined
  at::Tensor wT;            // [K, N], while RowsProduct matches the BLAS at some row count
  // By row count: 0 not yet checked; 1 RowsProduct matches; -1 it does not (the BLAS it is).
  std::array<int8_t, kMaxProductRows + 1> checked{};
};

// The row weights of a model, checked and transposed once for a whole decoding job (its weights cannot change
// while it runs: binding/job_use.h), shared by the InferenceDecoders of its batches.
class RowWeights {
 public:
  RowWeight& Of(const at::Tensor& weight, const at::Tensor& bias);

 private:
  std::unordered_map<const void*, RowWeight> weights_;  // by the weight's TensorImpl
};

class InferenceDecoder {
 public:
  // `maxRows`: the most rows any step will have (the buffers' size). `rowWeights`: the job's (else its own).
  InferenceDecoder(Seq2SeqParts& parts, int64_t maxRows, RowWeights* rowWeights = nullptr);

  // DecoderStep for x [R] (R = encoded rows x group): the log-probabilities [R, V]; `weights`, when given, receives
  // the attention weights [R, S]. state.h and state.c are replaced by views of the job's buffers.
  at::Tensor Step(const Encoded& encoded, const at::Tensor& x, DecoderState& state, int64_t group = 1,
                  at::Tensor* weights = nullptr);

  // Step's k best log-probabilities of each row with their words, k at most V: values [R, k] (float), words [R, k].
  // A float model's are TopRows of Step's (its values and order exactly). An int8 model's come from its logits
  // without the [R, V] log-softmax (LogSoftmaxTopK, native/kernels/top_k_cpu.h: values within a few float ulps of
  // Step's), for k <= 64.
  std::tuple<at::Tensor, at::Tensor> StepTop(const Encoded& encoded, const at::Tensor& x, DecoderState& state,
                                             int64_t k, int64_t group = 1, at::Tensor* weights = nullptr);

  // Encode's values. A one-sentence batch on the CPU runs the encoder's LSTM forward only, its recurrent products
  // on RowsProduct where it matches the BLAS (see RowWeight).
  Encoded Encode(const Batch& batch);

 private:
  struct Layer {
    RowWeight* ih;
    RowWeight* hh;
    const Int8Matrix* ih8 = nullptr;  // an int8 model's
    const Int8Matrix* hh8 = nullptr;
  };

  // x [R, K] W^T + b into `out` [R, N] (allocated when undefined): at::linear's product (addmm, or mm without bias).
  at::Tensor Product(RowWeight& w, const at::Tensor& x, at::Tensor out = at::Tensor());
  // Step up to the output layer: the features [R, F] it reads.
  at::Tensor Features(const Encoded& encoded, const at::Tensor& x, DecoderState& state, int64_t group,
                      at::Tensor* weights);
  // An int8 model's output layer: logits [R, V] in logits_ (rows beyond its size in a new tensor).
  at::Tensor Logits8(const at::Tensor& features);
  at::Tensor Lstm(const at::Tensor& input, DecoderState& state);
  LstmOutput EncodeOne(const at::Tensor& input, const at::Tensor& h0, const at::Tensor& c0);
  // Encode for an int8 encoder: its LSTM on Int8LstmForward, any batch.
  Encoded EncodeInt8(const Batch& batch);

  Seq2SeqParts& parts_;
  bool fused_ = false;
  std::vector<Layer> layers_;
  RowWeights own_;       // when the caller keeps none
  RowWeights* weights_;  // the job's, or own_
  RowWeight* dense_ = nullptr;
  RowWeight* combine_ = nullptr;
  std::vector<RowWeight*> encoderHh_;    // per layer and direction, in state order; empty: RunLstm encodes
  at::Tensor gx_, gates_, tanhC_, out_;  // [maxRows, 4H] twice, [maxRows, H] twice: one layer's scratch
  at::Tensor h_[2], c_[2];               // [layers, maxRows, H]: the state, alternating between steps
  int parity_ = 0;
  const Int8Matrix* dense8_ = nullptr;  // an int8 model's output layer
  Int8Scratch scratch_;                 // the quantized input of the int8 products
  at::Tensor logits_;                   // [maxRows, V]: the int8 output layer's result
};

// x.topk(k, 1) for the decoders' scores x [rows, V] (same values; ties lower index first): on the CPU in float32 or
// float64 with k <= 64 on TopK (native/kernels/top_k_cpu.h), which leaves a step's few rows on the calling thread.
std::tuple<at::Tensor, at::Tensor> TopRows(const at::Tensor& x, int64_t k);

// Attend for rows that share the encoder's outputs in groups of `group` consecutive rows: query [A x group, H],
// memory, keys [A, S, H], mask [A, S] -> context [A x group, H] and weights [A x group, S]; the same values as Attend
// with memory, keys and mask repeated per row (Luong concat repeats them: its product runs over [query; memory]).
std::pair<at::Tensor, at::Tensor> AttendGrouped(AttentionParts& attention, const at::Tensor& query,
                                                const at::Tensor& memory, const at::Tensor& keys,
                                                const at::Tensor& mask, int64_t group);

}  // namespace seq2seq
