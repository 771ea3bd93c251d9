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
  const auto& enc = p.encoderLstm->options;
  const auto& dec = p.decoderLstm->options;
  if (enc.num_layers() != dec.num_layers() || enc.hidden_size() != dec.hidden_size() || enc.bidirectional() ||
      dec.bidirectional() || enc.batch_first() || dec.batch_first()) {
    ThrowType(env, "Expected encoder and decoder LSTMs with the same layers and hidden size, sequence-first");
  }
  if (p.decoderDense->options.in_features() != dec.hidden_size() ||
      p.decoderDense->options.out_features() != p.decoderEmbedding->options.num_embeddings()) {
    ThrowType(env, "Expected the decoder's Linear to map the hidden size to the target vocabulary");
  }
  if (p.encoderEmbedding->options.embedding_dim() != enc.input_size() ||
      p.decoderEmbedding->options.embedding_dim() != dec.input_size()) {
    ThrowType(env, "Expected each Embedding's size to be its LSTM's input size");
  }
  return p;
}

}  // namespace seq2seq
