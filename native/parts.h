// The modules and optimizers of one encoder-decoder model, taken from the JS objects that own them.
#pragma once

#include <napi.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/rnn.h>
#include <torch/optim/adam.h>

#include <vector>

#include "attention.h"

namespace seq2seq {

struct Seq2SeqParts {
  torch::nn::Embedding encoderEmbedding{nullptr};
  torch::nn::LSTM encoderLstm{nullptr};
  torch::nn::Embedding decoderEmbedding{nullptr};
  torch::nn::LSTM decoderLstm{nullptr};
  torch::nn::Linear decoderDense{nullptr};
  AttentionParts attention;  // kind None: the notebook's decoder
  // Owned by the JS Adam objects; null when the parts were taken without optimizers.
  torch::optim::Adam* encoderOpt = nullptr;
  torch::optim::Adam* decoderOpt = nullptr;

  // Every parameter, encoder first, in registration order (the order of PyTorch's parameters()).
  std::vector<at::Tensor> Parameters() const;
  int64_t Layers() const { return encoderLstm->options.num_layers(); }
  // The decoder's hidden size; a bidirectional encoder has half of it in each direction.
  int64_t Hidden() const { return decoderLstm->options.hidden_size(); }
  bool Bidirectional() const { return encoderLstm->options.bidirectional(); }
};

// parts: { encoderEmbedding, encoderLstm, decoderEmbedding, decoderLstm, decoderDense, attention?, encoderOpt?,
// decoderOpt? }, attention: { kind, inputFeed, query?, key?, v?, W?, combine? } (the Linears its kind has).
// Checks that encoder and decoder fit together. When `keepAlive` is given, it receives a reference to every
// JS object used, so that work on another thread can rely on them until it ends.
Seq2SeqParts PartsFrom(const Napi::Value& value, bool withOptimizers,
                       std::vector<Napi::ObjectReference>* keepAlive = nullptr);

}  // namespace seq2seq
