// The int8 weights of one module of an int8 model (its LSTM's products, the output layer), by parameter name
// ("lstm.weight_ih_l0", "lstm.weight_hh_l1_reverse", "dense.weight"), each with its bias; and what runs on them:
// one product x W^T + b with x quantized per tensor (kernels/int8_linear_cpu.h), and the encoder's LSTM.
// The scheme is PyTorch's dynamically quantized nn.LSTM and nn.Linear (quantize_dynamic, FBGEMM): each product's
// input is quantized as one tensor: a decoder step's rows; in the encoder, a layer's whole input sequence for the
// input product (PyTorch's quantized LSTM computes it for all steps at once, over a packed sequence's data: the
// positions within each length) and a time step's rows that have not ended (the packed batch at that step) for the
// recurrent one. The LSTM's pointwise arithmetic stays float32.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/modules/rnn.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/int8_linear_cpu.h"
#include "kernels/lstm_cpu.h"

namespace seq2seq {

class Int8Weights {
 public:
  void Add(const std::string& name, std::shared_ptr<const Int8Matrix> matrix);
  // The weight called `name`, or null.
  const Int8Matrix* Find(const std::string& name) const;
  size_t Size() const { return matrices_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<const Int8Matrix>> matrices_;
};

// The quantized rows of one product's input; grows to the largest input seen, then allocates no more.
class Int8Scratch {
 public:
  uint8_t* Rows(int64_t rows, int64_t stride);

 private:
  std::vector<uint8_t> bytes_;
};

// y [R, N] (row stride ldy) = x [R, K] (contiguous float32) W^T + b, x quantized as one tensor; blocks of output
// columns in parallel when the product is large enough to pay for it.
void Int8Product(const Int8Matrix& w, const float* x, int64_t R, float* y, int64_t ldy, Int8Scratch& scratch);

// The same with x quantized by `quant` (rows outside the tensor it was chosen for are clamped to its range).
void Int8Product(const Int8Matrix& w, const float* x, int64_t R, const ActivationQuant& quant, float* y, int64_t ldy,
                 Int8Scratch& scratch);

// The encoder's LSTM on int8 weights (`weights` holds lstm.weight_ih_l{l}[_reverse] and weight_hh): input [T, B, I]
// float32, zero initial state; lengths as RunLstm's (empty: all T). RunLstm's outputs.
LstmOutput Int8LstmForward(const Int8Weights& weights, const torch::nn::LSTMOptions& options, const at::Tensor& input,
                           const std::vector<int64_t>& lengths);

}  // namespace seq2seq
