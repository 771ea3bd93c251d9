#pragma once

// optim.Adam(params, { lr, betas, eps, weightDecay, amsgrad })
#include <torch/optim/adam.h>

#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "adam_fused.h"
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

// The key of a parameter in Optimizer::state(): its TensorImpl's address, printed in libtorch 1.x and raw in 2.x.
template <typename Map>
auto OptimizerStateKey(const at::Tensor& p) {
  using Key = typename std::decay_t<Map>::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream key;  // what c10::guts::to_string does
    key << p.unsafeGetTensorImpl();
    return key.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

class AdamWrap : public Wrap<AdamWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "AdamHandle",
                       {
                           Method<&AdamWrap::Step>("step"),
                           Method<&AdamWrap::StepFused>("stepFused"),
                           Method<&AdamWrap::ZeroGrad>("zeroGrad"),
                           Method<&AdamWrap::GetLr>("getLr"),
                           Method<&AdamWrap::SetLr>("setLr"),
                           Method<&AdamWrap::GetState>("getState"),
                           Method<&AdamWrap::SetState>("setState"),
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

  // stepFused(): the one-pass step the training jobs take (native/adam_fused.h), for tests.
  Napi::Value StepFused(const Napi::CallbackInfo& info) {
    FusedAdamStep(Get(info.Env()));
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

  std::vector<at::Tensor> Params(Napi::Env env) {
    std::vector<at::Tensor> params;
    for (auto& group : Get(env).param_groups()) {
      for (auto& p : group.params()) params.push_back(p);
    }
    return params;
  }

  // getState() -> per parameter, in order: null before the first step, else {step, expAvg, expAvgSq,
  // maxExpAvgSq?} (the tensors are copies, so later steps do not change them).
  Napi::Value GetState(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    auto& state = Get(env).state();
    const auto params = Params(env);
    auto out = Napi::Array::New(env, params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const auto it = state.find(OptimizerStateKey<decltype(state)>(params[i]));
      if (it == state.end()) {
        out.Set(static_cast<uint32_t>(i), env.Null());
        continue;
      }
      const auto& s = static_cast<const torch::optim::AdamParamState&>(*it->second);
      auto entry = Napi::Object::New(env);
      entry.Set("step", Napi::Number::New(env, static_cast<double>(s.step())));
      entry.Set("expAvg", TensorWrap::New(env, s.exp_avg().detach().clone()));
      entry.Set("expAvgSq", TensorWrap::New(env, s.exp_avg_sq().detach().clone()));
      if (s.max_exp_avg_sq().defined()) {
        entry.Set("maxExpAvgSq", TensorWrap::New(env, s.max_exp_avg_sq().detach().clone()));
      }
      out.Set(static_cast<uint32_t>(i), entry);
    }
    return out;
  }

  // setState(states): the inverse of getState; every tensor must have its parameter's shape and is moved to
  // the parameter's device and dtype. Checked whole before anything changes.
  Napi::Value SetState(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (!info[0].IsArray()) ThrowType(env, "Expected an array of per-parameter states");
    const auto array = info[0].As<Napi::Array>();
    const auto params = Params(env);
    if (array.Length() != params.size()) {
      ThrowRange(env, "Expected " + std::to_string(params.size()) + " parameter states, got " +
                          std::to_string(array.Length()));
    }
    std::vector<std::unique_ptr<torch::optim::AdamParamState>> states(params.size());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      const Napi::Value value = array.Get(i);
      if (value.IsNull() || value.IsUndefined()) continue;
      if (!value.IsObject()) ThrowType(env, "Expected parameter state " + std::to_string(i) + " to be an object");
      const auto object = value.As<Napi::Object>();
      const std::string where = "state of parameter " + std::to_string(i);
      auto tensor = [&](const char* name, bool required) -> at::Tensor {
        const Napi::Value v = object.Get(name);
        if (v.IsUndefined() || v.IsNull()) {
          if (required) ThrowType(env, where + ": " + name + " is missing");
          return {};
        }
        at::Tensor t = TensorWrap::From(v, name);
        if (t.sizes() != params[i].sizes()) ThrowRange(env, where + ": " + name + " has the wrong shape");
        return t.detach().to(params[i].options()).clone();
      };
      const double step = ToDouble(object.Get("step"), "step");
      if (!(step >= 0) || step != static_cast<double>(static_cast<int64_t>(step))) {
        ThrowRange(env, where + ": step must be a whole number of at least 0");
      }
      auto s = std::make_unique<torch::optim::AdamParamState>();
      s->step(static_cast<int64_t>(step));
      s->exp_avg(tensor("expAvg", true));
      s->exp_avg_sq(tensor("expAvgSq", true));
      if (auto m = tensor("maxExpAvgSq", false); m.defined()) s->max_exp_avg_sq(m);
      states[i] = std::move(s);
    }
    auto& state = Get(env).state();
    state.clear();
    for (size_t i = 0; i < params.size(); ++i) {
      if (states[i]) state[OptimizerStateKey<decltype(state)>(params[i])] = std::move(states[i]);
    }
    return env.Undefined();
  }

  std::unique_ptr<torch::optim::Adam> optimizer_;
};

}  // namespace seq2seq
