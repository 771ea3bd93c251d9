#pragma once

// optim.Adam(params, { lr, betas, eps, weightDecay, amsgrad })
#include <torch/optim/adam.h>

#include <memory>
#include <vector>

#include "convert.h"
#include "tensor.h"

namespace seq2seq {

// Clears gradients to none (PyTorch 2's default) or to zero, the same under libtorch 1.13 and 2.x.
inline void ClearGrads(torch::optim::Optimizer& optimizer, bool setToNone) {
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) {
      if (!p.mutable_grad().defined()) continue;
      if (setToNone) {
        p.mutable_grad().reset();
      } else {
        p.mutable_grad().detach_();
        p.mutable_grad().zero_();
      }
    }
  }
}

class AdamWrap : public Wrap<AdamWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "AdamHandle",
                       {
                           Method<&AdamWrap::Step>("step"),
                           Method<&AdamWrap::ZeroGrad>("zeroGrad"),
                           Method<&AdamWrap::GetLr>("getLr"),
                           Method<&AdamWrap::SetLr>("setLr"),
                       });
  }

  explicit AdamWrap(const Napi::CallbackInfo& info) : Wrap<AdamWrap>(info) {
    Guard(info.Env(), [&] {
      if (!info[0].IsArray()) ThrowType(info.Env(), "Expected an array of Tensors for params");
      const auto array = info[0].As<Napi::Array>();
      std::vector<at::Tensor> params;
      for (uint32_t i = 0; i < array.Length(); ++i) params.push_back(TensorWrap::From(array.Get(i), "params"));
      auto options = torch::optim::AdamOptions();
      const auto opts = info[1];
      if (auto v = Option(opts, "lr"); !v.IsUndefined()) options.lr(ToDouble(v, "lr"));
      if (auto v = Option(opts, "beta1"); !v.IsUndefined()) {
        options.betas(std::make_tuple(ToDouble(v, "betas[0]"), ToDouble(Option(opts, "beta2"), "betas[1]")));
      }
      if (auto v = Option(opts, "eps"); !v.IsUndefined()) options.eps(ToDouble(v, "eps"));
      if (auto v = Option(opts, "weightDecay"); !v.IsUndefined()) options.weight_decay(ToDouble(v, "weightDecay"));
      if (auto v = Option(opts, "amsgrad"); !v.IsUndefined()) options.amsgrad(ToBool(v, "amsgrad"));
      optimizer_ = std::make_unique<torch::optim::Adam>(params, options);
    });
  }

 public:
  torch::optim::Adam& Get(Napi::Env env) {
    if (!optimizer_) throw Napi::Error::New(env, "Adam is not initialised");
    return *optimizer_;
  }

 private:
  Napi::Value Step(const Napi::CallbackInfo& info) {
    Get(info.Env()).step();
    return info.Env().Undefined();
  }

  // zeroGrad(setToNone = true). Written out because Optimizer::zero_grad's meaning changed between
  // libtorch 1.13 (zero-fill) and 2.x (set to none); PyTorch 2's default is to set to none.
  Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
    ClearGrads(Get(info.Env()), info[0].IsUndefined() ? true : ToBool(info[0], "setToNone"));
    return info.Env().Undefined();
  }

  Napi::Value GetLr(const Napi::CallbackInfo& info) {
    auto& group = Get(info.Env()).param_groups().at(0);
    return Napi::Number::New(info.Env(), static_cast<torch::optim::AdamOptions&>(group.options()).lr());
  }

  Napi::Value SetLr(const Napi::CallbackInfo& info) {
    const double lr = ToDouble(info[0], "lr");
    for (auto& group : Get(info.Env()).param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    return info.Env().Undefined();
  }

  std::unique_ptr<torch::optim::Adam> optimizer_;
};

}  // namespace seq2seq
