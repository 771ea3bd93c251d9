// The modules and optimizers of one encoder-decoder model (owned by the binding's wrappers).
#pragma once

#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/optim/optimizer.h>

#include <memory>
#include <vector>

#include "seq2seq/attention.h"

namespace seq2seq {

class Int8Weights;

struct Seq2SeqParts {
  torch::nn::Embedding encoderEmbedding{nullptr};
  torch::nn::LSTM encoderLstm{nullptr};
  torch::nn::Embedding decoderEmbedding{nullptr};
  torch::nn::LSTM decoderLstm{nullptr};
  torch::nn::Linear decoderDense{nullptr};
  AttentionParts attention;  // kind None: the notebook's decoder
  // Owned by the JS optimizers (Adam or SGD); null when the parts were taken without optimizers.
  torch::optim::Optimizer* encoderOpt = nullptr;
  torch::optim::Optimizer* decoderOpt = nullptr;
  // An int8 model's weights (seq2seq/int8_weights.h), by the module's parameter names; null for a float model. The
  // modules then hold the dequantized weights, which only paths other than decoding (the teacher-forced loss) use.
  std::shared_ptr<const Int8Weights> encoderInt8, decoderInt8;

  // Every parameter, encoder first, in registration order (the order of PyTorch's parameters()).
  std::vector<at::Tensor> Parameters() const;
  int64_t Layers() const { return encoderLstm->options.num_layers(); }
  // The decoder's hidden size; a bidirectional encoder has half of it in each direction.
  int64_t Hidden() const { return decoderLstm->options.hidden_size(); }
  bool Bidirectional() const { return encoderLstm->options.bidirectional(); }
};

// Checks that encoder, attention and decoder fit together (throws TypeError): a wrong size would surface as a
// libtorch error deep in a step on another thread, or (on CUDA) as a device-side assert.
void CheckShapes(const Seq2SeqParts& parts);

}  // namespace seq2seq
