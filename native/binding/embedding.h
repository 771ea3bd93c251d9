#pragma once

// nn.Embedding(numEmbeddings, embeddingDim, { paddingIdx })
#include <torch/nn/modules/embedding.h>

#include <string>

#include "binding/module.h"

namespace seq2seq {

class EmbeddingWrap : public ModuleWrap<EmbeddingWrap, torch::nn::Embedding> {
 public:
  static constexpr const char* kWhat = "Embedding";

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "EmbeddingHandle",
        Methods({Method<&EmbeddingWrap::Forward>("forward"), Method<&EmbeddingWrap::TieWeight>("tieWeight")}));
  }

  explicit EmbeddingWrap(const Napi::CallbackInfo& info) : ModuleWrap(info) {
    Guard(info.Env(), [&] {
      auto options = torch::nn::EmbeddingOptions(ToInt(info[0], "numEmbeddings"), ToInt(info[1], "embeddingDim"));
      const auto padding = Option(info[2], "paddingIdx");
      if (!padding.IsUndefined()) options.padding_idx(ToInt(padding, "paddingIdx"));
      module_ = torch::nn::Embedding(options);
    });
  }

 private:
  // tieWeight(linear): the embedding's weight becomes the Linear's weight tensor, as `embedding.weight =
  // dense.weight` does in PyTorch: one parameter, one gradient, listed by both modules.
  Napi::Value TieWeight(const Napi::CallbackInfo& info);

  Napi::Value Forward(const Napi::CallbackInfo& info) {
    auto& module = Module(info.Env());
    const at::Tensor& input = TensorWrap::From(info[0], "input");
    if (input.scalar_type() != c10::ScalarType::Long && input.scalar_type() != c10::ScalarType::Int) {
      ThrowType(info.Env(),
                std::string("Embedding expects int64 or int32 indices but received ") + DtypeName(input.scalar_type()));
    }
    // Checked here because an out-of-range index on CUDA is a device-side assert that kills the process.
    const int64_t rows = module->options.num_embeddings();
    if (input.numel() > 0) {
      const auto [low, high] = at::aminmax(input);
      const int64_t lo = low.item<int64_t>();
      const int64_t hi = high.item<int64_t>();
      if (lo < 0 || hi >= rows) {
        ThrowRange(info.Env(), "Embedding index " + std::to_string(lo < 0 ? lo : hi) + " is out of range for " +
                                   std::to_string(rows) + " embeddings (valid: 0 to " + std::to_string(rows - 1) + ")");
      }
    }
    return TensorWrap::New(info.Env(), module->forward(input));
  }
};

}  // namespace seq2seq
