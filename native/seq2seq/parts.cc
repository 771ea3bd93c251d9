#include "seq2seq/parts.h"

#include <initializer_list>
#include <unordered_set>

#include "seq2seq/errors.h"

namespace seq2seq {

std::vector<at::Tensor> Seq2SeqParts::Parameters() const {
  std::vector<at::Tensor> params;
  // A tied weight (the decoder's embedding and output layer) is one tensor: listed once, as PyTorch's
  // parameters() does, so that clipping and the all-reduce count it once.
  std::unordered_set<const c10::TensorImpl*> seen;
  const auto add = [&](const at::Tensor& p) {
    if (seen.insert(p.unsafeGetTensorImpl()).second) params.push_back(p);
  };
  const std::initializer_list<const torch::nn::Module*> modules = {
      encoderEmbedding.get(), encoderLstm.get(), decoderEmbedding.get(), decoderLstm.get(), decoderDense.get()};
  for (const torch::nn::Module* m : modules) {
    for (const auto& p : m->parameters()) add(p);
  }
  for (const auto& p : attention.Parameters()) add(p);
  return params;
}

namespace {

bool Fits(const torch::nn::Linear& linear, int64_t in, int64_t out) {
  return !linear.is_empty() && linear->options.in_features() == in && linear->options.out_features() == out &&
         !linear->options.bias();
}

}  // namespace

void CheckShapes(const Seq2SeqParts& p) {
  const auto& enc = p.encoderLstm->options;
  const auto& dec = p.decoderLstm->options;
  const int64_t H = dec.hidden_size();
  const int64_t E = p.decoderEmbedding->options.embedding_dim();
  if (enc.num_layers() != dec.num_layers() || enc.hidden_size() * (enc.bidirectional() ? 2 : 1) != H ||
      dec.bidirectional() || enc.batch_first() || dec.batch_first()) {
    throw TypeError(
        "Expected encoder and decoder LSTMs with the same layers and hidden size (half of it in each "
        "direction of a bidirectional encoder), sequence-first, the decoder's unidirectional");
  }
  const AttentionParts& a = p.attention;
  if (p.decoderDense->options.in_features() != (a.kind == AttentionKind::Bahdanau ? 2 * H : H) ||
      p.decoderDense->options.out_features() != p.decoderEmbedding->options.num_embeddings()) {
    throw TypeError(
        "Expected the decoder's Linear to map its output (hidden size; twice it with Bahdanau "
        "attention) to the target vocabulary");
  }
  if (p.encoderEmbedding->options.embedding_dim() != enc.input_size() ||
      E + (a.WideInput() ? H : 0) != dec.input_size()) {
    throw TypeError(
        "Expected each Embedding's size to be its LSTM's input size (plus the hidden size for a "
        "decoder with Bahdanau attention or Luong input feeding)");
  }
  bool ok = true;
  switch (a.kind) {
    case AttentionKind::None:
      ok = a.query.is_empty() && a.key.is_empty() && a.v.is_empty() && a.W.is_empty() && a.combine.is_empty();
      break;
    case AttentionKind::Bahdanau:
      ok = Fits(a.query, H, H) && Fits(a.key, H, H) && Fits(a.v, H, 1) && a.W.is_empty() && a.combine.is_empty();
      break;
    case AttentionKind::LuongDot:
      ok = a.query.is_empty() && a.key.is_empty() && a.v.is_empty() && a.W.is_empty();
      break;
    case AttentionKind::LuongGeneral:
      ok = a.query.is_empty() && a.key.is_empty() && a.v.is_empty() && Fits(a.W, H, H);
      break;
    case AttentionKind::LuongConcat:
      ok = a.query.is_empty() && a.key.is_empty() && Fits(a.v, H, 1) && Fits(a.W, 2 * H, H);
      break;
  }
  if (a.Luong()) ok = ok && Fits(a.combine, 2 * H, H);
  if (!ok) throw TypeError("Expected the attention's Linears of its kind, without biases, of the hidden size");
}

}  // namespace seq2seq
