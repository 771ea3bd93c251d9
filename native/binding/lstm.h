#pragma once

// nn.LSTM(inputSize, hiddenSize, { numLayers, bias, batchFirst, dropout, bidirectional })
#include <torch/nn/modules/rnn.h>

#include <tuple>

#include "binding/module.h"

namespace seq2seq {

class LSTMWrap : public ModuleWrap<LSTMWrap, torch::nn::LSTM> {
 public:
  static constexpr const char* kWhat = "LSTM";

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "LSTMHandle", Methods({Method<&LSTMWrap::Forward>("forward")}));
  }

  explicit LSTMWrap(const Napi::CallbackInfo& info) : ModuleWrap(info) {
    Guard(info.Env(), [&] {
      auto options = torch::nn::LSTMOptions(ToInt(info[0], "inputSize"), ToInt(info[1], "hiddenSize"));
      const auto opts = info[2];
      if (auto v = Option(opts, "numLayers"); !v.IsUndefined()) options.num_layers(ToInt(v, "numLayers"));
      if (auto v = Option(opts, "bias"); !v.IsUndefined()) options.bias(ToBool(v, "bias"));
      if (auto v = Option(opts, "batchFirst"); !v.IsUndefined()) options.batch_first(ToBool(v, "batchFirst"));
      if (auto v = Option(opts, "dropout"); !v.IsUndefined()) options.dropout(ToDouble(v, "dropout"));
      if (auto v = Option(opts, "bidirectional"); !v.IsUndefined()) {
        options.bidirectional(ToBool(v, "bidirectional"));
      }
      module_ = torch::nn::LSTM(options);
    });
  }

 private:
  // forward(input, h0?, c0?) -> [output, hN, cN]
  // input: [seqLen, batch, inputSize] (batchFirst: [batch, seqLen, inputSize]);
  // h0, c0: [numLayers * directions, batch, hiddenSize]
  Napi::Value Forward(const Napi::CallbackInfo& info) {
    auto& module = Module(info.Env());
    const at::Tensor& input = TensorWrap::From(info[0], "input");
    std::tuple<at::Tensor, std::tuple<at::Tensor, at::Tensor>> result;
    if (info[1].IsUndefined() && info[2].IsUndefined()) {
      result = module->forward(input);
    } else {
      result =
          module->forward(input, std::make_tuple(TensorWrap::From(info[1], "h0"), TensorWrap::From(info[2], "c0")));
    }
    auto out = Napi::Array::New(info.Env(), 3);
    out.Set(0u, TensorWrap::New(info.Env(), std::get<0>(result)));
    out.Set(1u, TensorWrap::New(info.Env(), std::get<0>(std::get<1>(result))));
    out.Set(2u, TensorWrap::New(info.Env(), std::get<1>(std::get<1>(result))));
    return out;
  }
};

}  // namespace seq2seq
