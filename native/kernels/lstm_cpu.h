// A multi-layer LSTM's forward for the training and decoding jobs. On the CPU each layer runs as one autograd
// node whose step is one matrix product and one fused pass over the gates (ATen's LSTM records a dozen
// elementwise kernels per step and layer, and as many backward nodes); its backward is written by hand
// and takes the weights' gradients as single products over all steps. Elsewhere (CUDA: cuDNN) it is the
// module's own forward. Results equal torch.nn.LSTM's within rounding: the products are ATen's, in the same
// order; float32 exp and tanh are our own vectorised ones (native/lstm_cell_cpu.cc), float64's the C library's.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/modules/rnn.h>

#include <vector>

#include "seq2seq/dropout.h"

namespace seq2seq {

struct LstmOutput {
  at::Tensor output;  // [T, B, directions x H], zero past each sequence's length
  at::Tensor h, c;    // [layers x directions, B, H]: each sequence's state after its last step
};

// input [T, B, I] (sequence first); h0, c0 [layers x directions, B, H]; lengths: each sequence's length (<= T),
// empty when all are T. Like a packed sequence, steps past a sequence's length do not touch its state.
// `dropout` (training only) drops each layer's output but the last, as nn.LSTM's dropout does, with the mask drawn
// over the padded [T, B, directions x H] output (the PyTorch reference pads between layers alike).
LstmOutput RunLstm(torch::nn::LSTM& lstm, const at::Tensor& input, const at::Tensor& h0, const at::Tensor& c0,
                   const std::vector<int64_t>& lengths = {}, const Dropout* dropout = nullptr);

// What RunLstm runs with dropout for inputs its kernel does not take (CUDA): the module's own kernels (cuDNN) one
// layer at a time, `dropout` on each layer's padded output but the last; the same masks, drawn in the same order.
LstmOutput RunLstmLayerwise(torch::nn::LSTM& lstm, const at::Tensor& input, const at::Tensor& h0, const at::Tensor& c0,
                            const std::vector<int64_t>& lengths, const Dropout& dropout);

}  // namespace seq2seq
