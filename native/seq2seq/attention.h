// Attention over the encoder's outputs (Bahdanau et al. 2015; Luong et al. 2015), in plain libtorch: what
// scripts/reference/attention_model.py computes in PyTorch. No layer has a bias, as in the papers.
#pragma once

#include <ATen/ATen.h>
#include <torch/nn/modules/linear.h>

#include <string>
#include <utility>
#include <vector>

namespace seq2seq {

enum class AttentionKind { None, Bahdanau, LuongDot, LuongGeneral, LuongConcat };

// "none", "bahdanau", "luong-dot", "luong-general", "luong-concat"; false when `name` is none of them.
bool ParseAttentionKind(const std::string& name, AttentionKind* kind);

struct AttentionParts {
  AttentionKind kind = AttentionKind::None;
  // Luong: the previous attentional state joins the LSTM's input (the paper's input feeding).
  bool inputFeed = false;
  torch::nn::Linear query{nullptr};    // bahdanau: W, applied to the previous decoder state
  torch::nn::Linear key{nullptr};      // bahdanau: U, applied to the encoder outputs
  torch::nn::Linear v{nullptr};        // bahdanau, luong-concat: scores from the tanh layer
  torch::nn::Linear W{nullptr};        // luong-general: [H, H]; luong-concat: [H, 2H] over [query; output]
  torch::nn::Linear combine{nullptr};  // Luong: W_c, the attentional state tanh(W_c [context; h])

  bool On() const { return kind != AttentionKind::None; }
  bool Luong() const {
    return kind == AttentionKind::LuongDot || kind == AttentionKind::LuongGeneral || kind == AttentionKind::LuongConcat;
  }
  // Whether the decoder LSTM's input is the embedding plus a hidden-sized vector (context or feed).
  bool WideInput() const { return kind == AttentionKind::Bahdanau || (Luong() && inputFeed); }
  std::vector<at::Tensor> Parameters() const;
};

// The encoder's outputs [B, S, H] projected once for every step's scores (U h for bahdanau, W h for general;
// the outputs themselves for dot and concat).
at::Tensor AttentionKeys(AttentionParts& attention, const at::Tensor& memory);

// query [B, H], memory and keys [B, S, H], mask [B, S] (true at source words) -> context [B, H] and the
// attention weights [B, S] (zero at padding).
std::pair<at::Tensor, at::Tensor> Attend(AttentionParts& attention, const at::Tensor& query, const at::Tensor& memory,
                                         const at::Tensor& keys, const at::Tensor& mask);

}  // namespace seq2seq
