#include "binding/parts_from_js.h"

#include <string>

#include "binding/adam.h"
#include "binding/addon.h"
#include "binding/embedding.h"
#include "binding/errors.h"
#include "binding/int8_weights.h"
#include "binding/linear.h"
#include "binding/lstm.h"
#include "binding/sgd.h"

namespace seq2seq {

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

// An Adam or an SGD optimizer.
torch::optim::Optimizer* OptimizerPart(const Napi::Object& parts, const char* key, InstanceData& data,
                                       std::vector<Napi::ObjectReference>* keepAlive) {
  const Napi::Value value = parts.Get(key);
  if (value.IsObject() && !data.sgd.IsEmpty() && value.As<Napi::Object>().InstanceOf(data.sgd.Value())) {
    return &Part<SGDWrap>(parts, key, data.sgd, "an SGD optimizer", keepAlive)->Get(parts.Env());
  }
  return &Part<AdamWrap>(parts, key, data.adam, "an Adam or SGD optimizer", keepAlive)->Get(parts.Env());
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
    p.encoderOpt = OptimizerPart(parts, "encoderOpt", data, keepAlive);
    p.decoderOpt = OptimizerPart(parts, "decoderOpt", data, keepAlive);
  }
  ReadAttention(parts, data, keepAlive, &p.attention);
  // An int8 model's weights: the jobs hold them by reference, so no keepAlive entry is needed.
  const auto int8 = [&](const char* key) -> std::shared_ptr<const Int8Weights> {
    const Napi::Value value = parts.Get(key);
    if (value.IsUndefined() || value.IsNull()) return nullptr;
    return UnwrapAs<Int8WeightsWrap>(value, data.int8Weights,
                                     (std::string("parts.") + key + " to be Int8Weights").c_str())
        ->Get(env);
  };
  p.encoderInt8 = int8("encoderInt8");
  p.decoderInt8 = int8("decoderInt8");
  CheckShapes(p);
  return p;
}

}  // namespace seq2seq
