#pragma once

// nn.Linear(inFeatures, outFeatures, { bias })
#include <torch/nn/modules/linear.h>

#include "binding/module.h"

namespace seq2seq {

class LinearWrap : public ModuleWrap<LinearWrap, torch::nn::Linear> {
 public:
  static constexpr const char* kWhat = "Linear";

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "LinearHandle", Methods({Method<&LinearWrap::Forward>("forward")}));
  }

  explicit LinearWrap(const Napi::CallbackInfo& info) : ModuleWrap(info) {
    Guard(info.Env(), [&] {
      auto options = torch::nn::LinearOptions(ToInt(info[0], "inFeatures"), ToInt(info[1], "outFeatures"));
      const auto bias = Option(info[2], "bias");
      if (!bias.IsUndefined()) options.bias(ToBool(bias, "bias"));
      module_ = torch::nn::Linear(options);
    });
  }

 private:
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    return TensorWrap::New(info.Env(), Module(info.Env())->forward(TensorWrap::From(info[0], "input")));
  }
};

}  // namespace seq2seq
