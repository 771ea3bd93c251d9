#include "binding/embedding.h"

#include <string>

#include "binding/addon.h"
#include "binding/errors.h"
#include "binding/linear.h"

namespace seq2seq {

namespace {

// torch::nn::Module keeps its registered parameters protected and has no call to replace one; a pointer to that
// member, formed in a derived class as C++ allows, reaches them without pretending a module is of that class.
struct RegisteredParameters : torch::nn::Module {
  static torch::OrderedDict<std::string, at::Tensor>& Of(torch::nn::Module& module) {
    return module.*(&RegisteredParameters::parameters_);
  }
};

}  // namespace

Napi::Value EmbeddingWrap::TieWeight(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  auto& module = Module(env);
  Use()->CheckUnused(env);
  const Napi::Value value = info[0];
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(Data(env).linear.Value())) {
    ThrowType(env, "Expected a Linear to tie the embedding's weight to");
  }
  auto& linear = LinearWrap::Unwrap(value.As<Napi::Object>())->Module(env);
  const at::Tensor& weight = linear->weight;
  if (weight.sizes() != module->weight.sizes()) {
    ThrowRange(env, "Cannot tie an Embedding of " + c10::str(module->weight.sizes()) + " to a Linear's weight of " +
                        c10::str(weight.sizes()) + ": the shapes must be equal");
  }
  if (weight.device() != module->weight.device() || weight.scalar_type() != module->weight.scalar_type()) {
    ThrowType(env, "Cannot tie an Embedding to a Linear on another device or of another dtype");
  }
  module->weight = weight;
  RegisteredParameters::Of(*module)["weight"] = weight;
  return env.Undefined();
}

void InitEmbedding(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = EmbeddingWrap::Define(env);
  Data(env).embedding = Napi::Persistent(ctor);
  exports.Set("Embedding", ctor);
}

}  // namespace seq2seq
