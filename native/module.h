// What every wrapped torch::nn module shares: PyTorch-named parameters, device moves, train/eval.
#pragma once

#include <torch/nn/module.h>

#include <vector>

#include "convert.h"
#include "tensor.h"
#include "wrap.h"

namespace seq2seq {

template <typename T, typename Holder>
class ModuleWrap : public Wrap<T> {
 public:
  explicit ModuleWrap(const Napi::CallbackInfo& info) : Wrap<T>(info) {}

 public:
  Holder& Module(Napi::Env env) {
    if (module_.is_empty()) throw Napi::Error::New(env, "Module is not initialised");
    return module_;
  }

 protected:
  // The class's own methods followed by the shared ones.
  static std::vector<Napi::ClassPropertyDescriptor<T>> Methods(std::vector<Napi::ClassPropertyDescriptor<T>> own) {
    own.push_back(Wrap<T>::template Method<&ModuleWrap::NamedParameters>("namedParameters"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::To>("to"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::Train>("train"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::IsTraining>("isTraining"));
    return own;
  }

  Holder module_{nullptr};

 private:
  // [[name, tensor], ...] in registration order; the tensors share storage with the module's parameters.
  Napi::Value NamedParameters(const Napi::CallbackInfo& info) {
    const auto params = Module(info.Env())->named_parameters(/*recurse=*/true);
    auto out = Napi::Array::New(info.Env(), params.size());
    uint32_t i = 0;
    for (const auto& item : params) {
      auto pair = Napi::Array::New(info.Env(), 2);
      pair.Set(0u, Napi::String::New(info.Env(), item.key()));
      pair.Set(1u, TensorWrap::New(info.Env(), item.value()));
      out.Set(i++, pair);
    }
    return out;
  }

  // to(device?, dtype?): moves the parameters in place, so existing handles and optimizers follow.
  Napi::Value To(const Napi::CallbackInfo& info) {
    auto& module = Module(info.Env());
    if (!info[0].IsUndefined()) module->to(ToDevice(info[0]));
    if (!info[1].IsUndefined()) module->to(ToDtype(info[1]));
    return info.Env().Undefined();
  }

  Napi::Value Train(const Napi::CallbackInfo& info) {
    Module(info.Env())->train(ToBool(info[0], "mode"));
    return info.Env().Undefined();
  }

  Napi::Value IsTraining(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), Module(info.Env())->is_training());
  }
};

}  // namespace seq2seq
