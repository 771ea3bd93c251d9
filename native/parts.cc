#include "parts.h"

#include <initializer_list>
#include <string>

#include "adam.h"
#include "addon.h"
#include "embedding.h"
#include "linear.h"
#include "lstm.h"

namespace seq2seq {

std::vector<at::Tensor> Seq2SeqParts::Parameters() const {
  std::vector<at::Tensor> params;
  const std::initializer_list<const torch::nn::Module*> modules = {
      encoderEmbedding.get(), encoderLstm.get(), decoderEmbedding.get(), decoderLstm.get(), decoderDense.get()};
  for (const torch::nn::Module* m : modules) {
    for (const auto& p : m->parameters()) params.push_back(p);
  }
  for (const auto& p : attention.Parameters()) params.push_back(p);
  return params;
}

namespace {

template <typename T>
T* Part(const Napi::Object& parts, const char* key, const Napi::FunctionReference& ctor, const char* what,
        std::vector<Napi::ObjectReference>* keepAlive) {
  const Napi::Value value = parts.Get(key);
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(ctor.Value())) {
    ThrowType(parts.Env(), std::string("Expected parts.") + key + " to be " + what);
  }
  if (keepAlive) keepAlive->push_back(Napi::Persistent(value.As<Napi::Object>()));
  return Napi::ObjectWrap<T>::Unwrap(value.As<Napi::Object>());
}

bool Fits(const torch::nn::Linear& linear, int64_t in, int64_t out) {
  return !linear.is_empty() && linear->options.in_features() == in && linear->options.out_features() == out &&
         !linear->options.bias();
}

void ReadAttention(const Napi::Object& parts, InstanceData& data, std::vector<Napi::ObjectReference>* keepAlive,
                   AttentionParts* out) {
  const Napi::Env env = parts.Env();
  const Napi::Value value = parts.Get("attention");
  if (value.IsUndefined() || value.IsNull()) return;
  if (!value.IsObject()) ThrowType(env, "Expected parts.attention to be an object");
  const auto attention = value.As<Napi::Object>();
  const Napi::Value kind = attention.Get("kind");
  if (!kind.IsString() || !ParseAttentionKind(kind.As<Napi::String>().Utf8Value(), &out->kind)) {
    ThrowType(env, "Expected parts.attention.kind to be none, bahdanau, luong-dot, luong-general or luong-concat");
  }
  out->inputFeed = out->Luong() && attention.Get("inputFeed").ToBoolean().Value();
  const auto linear = [&](const char* key) -> torch::nn::Linear {
    if (attention.Get(key).IsUndefined()) return torch::nn::Linear{nullptr};
    return Part<LinearWrap>(attention, key, data.linear, "a Linear", keepAlive)->Module(env);
  };
  out->query = linear("query");
  out->key = linear("key");
  out->v = linear("v");
  out->W = linear("W");
  out->combine = linear("combine");
}

// Encoder, attention and decoder must fit together: a wrong size would surface as a libtorch error deep in a
// step on another thread, or (on CUDA) as a device-side assert.
void CheckShapes(const Napi::Env env, const Seq2SeqParts& p) {
  const auto& enc = p.encoderLstm->options;
  const auto& dec = p.decoderLstm->options;
  const int64_t H = dec.hidden_size();
  const int64_t E = p.decoderEmbedding->options.embedding_dim();
  if (enc.num_layers() != dec.num_layers() || enc.hidden_size() * (enc.bidirectional() ? 2 : 1) != H ||
      dec.bidirectional() || enc.batch_first() || dec.batch_first()) {
    ThrowType(env,
              "Expected encoder and decoder LSTMs with the same layers and hidden size (half of it in each "
              "direction of a bidirectional encoder), sequence-first, the decoder's unidirectional");
  }
  const AttentionParts& a = p.attention;
  if (p.decoderDense->options.in_features() != (a.kind == AttentionKind::Bahdanau ? 2 * H : H) ||
      p.decoderDense->options.out_features() != p.decoderEmbedding->options.num_embeddings()) {
    ThrowType(env,
              "Expected the decoder's Linear to map its output (hidden size; twice it with Bahdanau "
              "attention) to the target vocabulary");
  }
  if (p.encoderEmbedding->options.embedding_dim() != enc.input_size() ||
      E + (a.WideInput() ? H : 0) != dec.input_size()) {
    ThrowType(env,
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
  if (!ok) ThrowType(env, "Expected the attention's Linears of its kind, without biases, of the hidden size");
}

}  // namespace

Seq2SeqParts PartsFrom(const Napi::Value& value, bool withOptimizers, std::vector<Napi::ObjectReference>* keepAlive) {
  const Napi::Env env = value.Env();
  if (!value.IsObject()) ThrowType(env, "Expected the model's parts");
  const auto parts = value.As<Napi::Object>();
  auto& data = Data(env);
  Seq2SeqParts p;
  p.encoderEmbedding =
      Part<EmbeddingWrap>(parts, "encoderEmbedding", data.embedding, "an Embedding", keepAlive)->Module(env);
  p.encoderLstm = Part<LSTMWrap>(parts, "encoderLstm", data.lstm, "an LSTM", keepAlive)->Module(env);
  p.decoderEmbedding =
      Part<EmbeddingWrap>(parts, "decoderEmbedding", data.embedding, "an Embedding", keepAlive)->Module(env);
  p.decoderLstm = Part<LSTMWrap>(parts, "decoderLstm", data.lstm, "an LSTM", keepAlive)->Module(env);
  p.decoderDense = Part<LinearWrap>(parts, "decoderDense", data.linear, "a Linear", keepAlive)->Module(env);
  if (withOptimizers) {
    p.encoderOpt = &Part<AdamWrap>(parts, "encoderOpt", data.adam, "an Adam optimizer", keepAlive)->Get(env);
    p.decoderOpt = &Part<AdamWrap>(parts, "decoderOpt", data.adam, "an Adam optimizer", keepAlive)->Get(env);
  }
  ReadAttention(parts, data, keepAlive, &p.attention);
  CheckShapes(env, p);
  return p;
}

}  // namespace seq2seq
