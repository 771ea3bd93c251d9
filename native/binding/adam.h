#pragma once

// optim.Adam(params, { lr, betas, eps, weightDecay, amsgrad })
#include <torch/optim/adam.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "binding/convert.h"
#include "binding/tensor.h"
#include "kernels/optimizer_state.h"

namespace seq2seq {

class AdamWrap : public Wrap<AdamWrap> {
 public:
  static constexpr const char* kWhat = "Adam optimizer";

  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "AdamHandle",
                       {
                           Method<&AdamWrap::Step>("step"),
                           Method<&AdamWrap::ZeroGrad>("zeroGrad"),
                           Method<&AdamWrap::GetLr>("getLr"),
                           Method<&AdamWrap::SetLr>("setLr"),
                           Method<&AdamWrap::GetState>("getState"),
                           Method<&AdamWrap::SetState>("setState"),
                           Method<&AdamWrap::Dispose>("dispose"),
                           Method<&AdamWrap::IsDisposed>("isDisposed"),
                       });
  }

  explicit AdamWrap(const Napi::CallbackInfo& info) : Wrap<AdamWrap>(info) {
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
  // The optimizer, to read (its learning rate and state, a job's parts): refused after dispose() and while a job
  // writes it.
  torch::optim::Adam& Get(Napi::Env env) {
    if (!optimizer_) {
      throw Napi::Error::New(
          env, disposed_ ? "This Adam optimizer was disposed: it cannot be used" : "Adam is not initialised");
    }
    use_->CheckNotWritten(env);
    return *optimizer_;
  }

  const std::shared_ptr<JobUse>& Use() const { return use_; }

 private:
  // The optimizer, to change (a step writes its parameters too): refused while a job uses it or the modules whose
  // parameters it updates.
  torch::optim::Adam& GetMutable(Napi::Env env) {
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

  // zeroGrad(setToNone = true). Written out because Optimizer::zero_grad's meaning changed between
  // libtorch 1.13 (zero-fill) and 2.x (set to none); PyTorch 2's default is to set to none.
  Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
    ClearGrads(GetMutable(info.Env()), info[0].IsUndefined() ? true : ToBool(info[0], "setToNone"));
    return info.Env().Undefined();
  }

  Napi::Value GetLr(const Napi::CallbackInfo& info) {
    auto& group = Get(info.Env()).param_groups().at(0);
    return Napi::Number::New(info.Env(), static_cast<torch::optim::AdamOptions&>(group.options()).lr());
  }

  Napi::Value SetLr(const Napi::CallbackInfo& info) {
    const double lr = ToDouble(info[0], "lr");
    for (auto& group : GetMutable(info.Env()).param_groups())
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    return info.Env().Undefined();
  }

  std::vector<at::Tensor> Params(Napi::Env env) {
    std::vector<at::Tensor> params;
    for (auto& group : Get(env).param_groups()) {
      for (auto& p : group.params()) params.push_back(p);
    }
    return params;
  }

  // getState(copy = true) -> per parameter, in order: null before the first step, else {step, expAvg, expAvgSq,
  // maxExpAvgSq?}: copies, so later steps do not change them; with copy false the optimizer's own tensors (for
  // a file written before the next step, without copying the moments twice).
  Napi::Value GetState(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const bool copy = info[0].IsUndefined() || ToBool(info[0], "copy");
    const auto take = [copy](const at::Tensor& t) { return copy ? t.detach().clone() : t.detach(); };
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
      entry.Set("expAvg", TensorWrap::New(env, take(s.exp_avg())));
      entry.Set("expAvgSq", TensorWrap::New(env, take(s.exp_avg_sq())));
      if (s.max_exp_avg_sq().defined()) entry.Set("maxExpAvgSq", TensorWrap::New(env, take(s.max_exp_avg_sq())));
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
    auto& state = GetMutable(env).state();
    state.clear();
    for (size_t i = 0; i < params.size(); ++i) {
      if (states[i]) state[OptimizerStateKey<decltype(state)>(params[i])] = std::move(states[i]);
    }
    return env.Undefined();
  }

  // dispose(): releases the optimizer and its state; using it afterwards throws. Refused while a job uses it.
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    if (!disposed_) {
      GetMutable(info.Env());
      optimizer_.reset();
      disposed_ = true;
    }
    return info.Env().Undefined();
  }

  Napi::Value IsDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

  std::unique_ptr<torch::optim::Adam> optimizer_;
  bool disposed_ = false;
  std::shared_ptr<JobUse> use_ = std::make_shared<JobUse>(kWhat);
  std::vector<std::weak_ptr<JobUse>> paramOwners_;  // the modules whose parameters it updates
};

}  // namespace seq2seq
