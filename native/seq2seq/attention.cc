#include "seq2seq/attention.h"

#include <limits>

namespace seq2seq {

bool ParseAttentionKind(const std::string& name, AttentionKind* kind) {
  if (name == "none")
    *kind = AttentionKind::None;
  else if (name == "bahdanau")
    *kind = AttentionKind::Bahdanau;
  else if (name == "luong-dot")
    *kind = AttentionKind::LuongDot;
  else if (name == "luong-general")
    *kind = AttentionKind::LuongGeneral;
  else if (name == "luong-concat")
    *kind = AttentionKind::LuongConcat;
  else
    return false;
  return true;
}

std::vector<at::Tensor> AttentionParts::Parameters() const {
  std::vector<at::Tensor> params;
  for (const auto* linear : {&query, &key, &v, &W, &combine}) {
    if (!linear->is_empty()) {
      for (const auto& p : (*linear)->parameters()) params.push_back(p);
    }
  }
  return params;
}

at::Tensor AttentionKeys(AttentionParts& attention, const at::Tensor& memory) {
  switch (attention.kind) {
    case AttentionKind::Bahdanau:
      return attention.key->forward(memory);
    case AttentionKind::LuongGeneral:
      return attention.W->forward(memory);
    default:
      return memory;
  }
}

std::pair<at::Tensor, at::Tensor> Attend(AttentionParts& attention, const at::Tensor& query, const at::Tensor& memory,
                                         const at::Tensor& keys, const at::Tensor& mask) {
  at::Tensor scores;
  switch (attention.kind) {
    case AttentionKind::Bahdanau:
      scores = attention.v->forward(at::tanh(attention.query->forward(query).unsqueeze(1) + keys)).squeeze(2);
      break;
    case AttentionKind::LuongConcat: {
      // W over [query; output] as one product, as the reference computes it: splitting W into the query's and
      // the outputs' halves would save work per step but round differently (4e-6 relative in the gradients).
      const at::Tensor both = at::cat({query.unsqueeze(1).expand({-1, memory.size(1), -1}), memory}, 2);
      scores = attention.v->forward(at::tanh(attention.W->forward(both))).squeeze(2);
      break;
    }
    default:  // dot, general: h_t . keys_j
      scores = at::bmm(keys, query.unsqueeze(2)).squeeze(2);
  }
  const at::Tensor weights =
      at::softmax(scores.masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity()), 1);
  return {at::bmm(weights.unsqueeze(1), memory).squeeze(1), weights};
}

}  // namespace seq2seq
