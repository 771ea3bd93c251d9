#pragma once

// optim.SGD(params, { lr, momentum, weightDecay }): libtorch's SGD, the update of torch.optim.SGD (dampening 0,
// no Nesterov). Shaped as AdamWrap: the same job-use rules, state read and written as copies.
#include <torch/optim/sgd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "binding/convert.h"
#include "binding/tensor.h"
#include "kernels/optimizer_state.h"

namespace seq2seq {

class SGDWrap : public Wrap<SGDWrap> {
 public:
  static constexpr const char* kWhat = "SGD optimizer";

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SGDHandle",
                       {
                           Method<&SGDWrap::Step>("step"),
                           Method<&SGDWrap::ZeroGrad>("zeroGrad"),
                           Method<&SGDWrap::GetLr>("getLr"),
                           Method<&SGDWrap::SetLr>("setLr"),
                           Method<&SGDWrap::GetState>("getState"),
                           Method<&SGDWrap::SetState>("setState"),
                           Method<&SGDWrap::Dispose>("dispose"),
                           Method<&SGDWrap::IsDisposed>("isDisposed"),
                       });
  }

  explicit SGDWrap(const Napi::CallbackInfo& info) : Wrap<SGDWrap>(info) {
    Guard(info.Env(), [&] {
      if (!info[0].IsArray()) ThrowType(info.Env(), "Expected an array of Tensors for params");
      const auto array = info[0].As<Napi::Array>();
      std::vector<at::Tensor> params;
      for (uint32_t i = 0; i < array.Length(); ++i) {
        params.push_back(TensorWrap::From(array.Get(i), "params"));
        const auto owner = TensorWrap::Unwrap(array.Get(i).As<Napi::Object>())->Owner();
        const auto known = [&](const std::weak_ptr<JobUse>& o) { return o.lock() == owner; };
        if (owner && std::none_of(paramOwners_.begin(), paramOwners_.end(), known)) paramOwners_.push_back(owner);
      }
      const auto opts = info[1];
      auto options = torch::optim::SGDOptions(ToDouble(Option(opts, "lr"), "lr"));
      if (auto v = Option(opts, "momentum"); !v.IsUndefined()) options.momentum(ToDouble(v, "momentum"));
      if (auto v = Option(opts, "weightDecay"); !v.IsUndefined()) options.weight_decay(ToDouble(v, "weightDecay"));
      if (!(options.lr() >= 0) || !(options.momentum() >= 0) || !(options.weight_decay() >= 0)) {
        ThrowRange(info.Env(), "lr, momentum and weightDecay must be at least 0");
      }
      optimizer_ = std::make_unique<torch::optim::SGD>(params, options);
    });
  }

  // The optimizer, to read: refused after dispose() and while a job writes it.
  torch::optim::SGD& Get(Napi::Env env) {
    if (!optimizer_) {
      throw Napi::Error::New(
          env, disposed_ ? "This SGD optimizer was disposed: it cannot be used" : "SGD is not initialised");
    }
    use_->CheckNotWritten(env);
    return *optimizer_;
  }

  const std::shared_ptr<JobUse>& Use() const { return use_; }

 private:
  // The optimizer, to change: refused while a job uses it or the modules whose parameters it updates.
  torch::optim::SGD& GetMutable(Napi::Env env) {
    auto& optimizer = Get(env);
    use_->CheckUnused(env);
    for (const auto& weak : paramOwners_) {
      if (const auto owner = weak.lock()) owner->CheckUnused(env);
    }
    return optimizer;
  }

  Napi::Value Step(const Napi::CallbackInfo& info) {
    GetMutable(info.Env()).step();
    return info.Env().Undefined();
  }

  Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
    ClearGrads(GetMutable(info.Env()), info[0].IsUndefined() ? true : ToBool(info[0], "setToNone"));
    return info.Env().Undefined();
  }

  Napi::Value GetLr(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), Get(info.Env()).param_groups().at(0).options().get_lr());
  }

  Napi::Value SetLr(const Napi::CallbackInfo& info) {
    const double lr = ToDouble(info[0], "lr");
    for (auto& group : GetMutable(info.Env()).param_groups()) group.options().set_lr(lr);
    return info.Env().Undefined();
  }

  std::vector<at::Tensor> Params(Napi::Env env) {
    std::vector<at::Tensor> params;
    for (auto& group : Get(env).param_groups()) {
      for (auto& p : group.params()) params.push_back(p);
    }
    return params;
  }

  // getState(copy = true) -> per parameter, in order: null without a momentum buffer (before the first step, or
  // without momentum), else {momentumBuffer}: a copy, or with copy false the optimizer's own tensor.
  Napi::Value GetState(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const bool copy = info[0].IsUndefined() || ToBool(info[0], "copy");
    auto& state = Get(env).state();
    const auto params = Params(env);
    auto out = Napi::Array::New(env, params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      const auto it = state.find(OptimizerStateKey<decltype(state)>(params[i]));
      const auto* s = it == state.end() ? nullptr : static_cast<const torch::optim::SGDParamState*>(it->second.get());
      if (!s || !s->momentum_buffer().defined()) {
        out.Set(static_cast<uint32_t>(i), env.Null());
        continue;
      }
      auto entry = Napi::Object::New(env);
      const at::Tensor buffer = s->momentum_buffer().detach();
      entry.Set("momentumBuffer", TensorWrap::New(env, copy ? buffer.clone() : buffer));
      out.Set(static_cast<uint32_t>(i), entry);
    }
    return out;
  }

  // setState(states): the inverse of getState; each buffer must have its parameter's shape and is moved to the
  // parameter's device and dtype. Checked whole before anything changes.
  Napi::Value SetState(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    if (!info[0].IsArray()) ThrowType(env, "Expected an array of per-parameter states");
    const auto array = info[0].As<Napi::Array>();
    const auto params = Params(env);
    if (array.Length() != params.size()) {
      ThrowRange(env, "Expected " + std::to_string(params.size()) + " parameter states, got " +
                          std::to_string(array.Length()));
    }
    std::vector<std::unique_ptr<torch::optim::SGDParamState>> states(params.size());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      const Napi::Value value = array.Get(i);
      if (value.IsNull() || value.IsUndefined()) continue;
      if (!value.IsObject()) ThrowType(env, "Expected parameter state " + std::to_string(i) + " to be an object");
      const Napi::Value v = value.As<Napi::Object>().Get("momentumBuffer");
      const std::string where = "state of parameter " + std::to_string(i);
      if (v.IsUndefined() || v.IsNull()) ThrowType(env, where + ": momentumBuffer is missing");
      const at::Tensor t = TensorWrap::From(v, "momentumBuffer");
      if (t.sizes() != params[i].sizes()) ThrowRange(env, where + ": momentumBuffer has the wrong shape");
      auto s = std::make_unique<torch::optim::SGDParamState>();
      s->momentum_buffer(t.detach().to(params[i].options()).clone());
      states[i] = std::move(s);
    }
    auto& state = GetMutable(env).state();
    state.clear();
    for (size_t i = 0; i < params.size(); ++i) {
      if (states[i]) state[OptimizerStateKey<decltype(state)>(params[i])] = std::move(states[i]);
    }
    return env.Undefined();
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    if (!disposed_) {
      GetMutable(info.Env());
      optimizer_.reset();
      disposed_ = true;
    }
    return info.Env().Undefined();
  }

  Napi::Value IsDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

  std::unique_ptr<torch::optim::SGD> optimizer_;
  bool disposed_ = false;
  std::shared_ptr<JobUse> use_ = std::make_shared<JobUse>(kWhat);
  std::vector<std::weak_ptr<JobUse>> paramOwners_;  // the modules whose parameters it updates
};

}  // namespace seq2seq
