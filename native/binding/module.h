// What every wrapped torch::nn module shares: PyTorch-named parameters, device moves, train/eval, dispose, and the
// mark of the background jobs that use it (binding/job_use.h).
#pragma once

#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

#include "binding/convert.h"
#include "binding/job_use.h"
#include "binding/tensor.h"
#include "binding/wrap.h"

namespace seq2seq {

template <typename T, typename Holder>
class ModuleWrap : public Wrap<T> {
 public:
  explicit ModuleWrap(const Napi::CallbackInfo& info) : Wrap<T>(info) {}

  // The module, to read (forward, a job's parts): refused after dispose() and while a job writes it.
  Holder& Module(Napi::Env env) {
    if (module_.is_empty()) {
      throw Napi::Error::New(env, disposed_ ? std::string("This ") + T::kWhat + " was disposed: it cannot be used"
                                            : std::string(T::kWhat) + " is not initialised");
    }
    use_->CheckNotWritten(env);
    return module_;
  }

  const std::shared_ptr<JobUse>& Use() const { return use_; }

 protected:
  // The class's own methods followed by the shared ones.
  static std::vector<Napi::ClassPropertyDescriptor<T>> Methods(std::vector<Napi::ClassPropertyDescriptor<T>> own) {
    own.push_back(Wrap<T>::template Method<&ModuleWrap::NamedParameters>("namedParameters"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::To>("to"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::Train>("train"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::IsTraining>("isTraining"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::Dispose>("dispose"));
    own.push_back(Wrap<T>::template Method<&ModuleWrap::IsDisposed>("isDisposed"));
    return own;
  }

  Holder module_{nullptr};

 private:
  // The module, to change or free: also refused while a job only reads it.
  Holder& MutableModule(Napi::Env env) {
    Module(env);
    use_->CheckUnused(env);
    return module_;
  }

  // [[name, tensor], ...] in registration order; the tensors share storage with the module's parameters.
  Napi::Value NamedParameters(const Napi::CallbackInfo& info) {
    const auto params = Module(info.Env())->named_parameters(/*recurse=*/true);
    auto out = Napi::Array::New(info.Env(), params.size());
    uint32_t i = 0;
    for (const auto& item : params) {
      auto pair = Napi::Array::New(info.Env(), 2);
      pair.Set(0u, Napi::String::New(info.Env(), item.key()));
      pair.Set(1u, TensorWrap::NewParameter(info.Env(), item.value(), use_));
      out.Set(i++, pair);
    }
    return out;
  }

  // to(device?, dtype?): moves the parameters in place, so existing handles and optimizers follow.
  Napi::Value To(const Napi::CallbackInfo& info) {
    auto& module = MutableModule(info.Env());
    if (!info[0].IsUndefined()) module->to(ToDevice(info[0]));
    if (!info[1].IsUndefined()) module->to(ToDtype(info[1]));
    return info.Env().Undefined();
  }

  Napi::Value Train(const Napi::CallbackInfo& info) {
    MutableModule(info.Env())->train(ToBool(info[0], "mode"));
    return info.Env().Undefined();
  }

  Napi::Value IsTraining(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), Module(info.Env())->is_training());
  }

  // dispose(): releases the module (its parameters live on only in tensors still held elsewhere); using it
  // afterwards throws. Refused while a job uses it.
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    if (!disposed_) {
      MutableModule(info.Env());
      module_ = Holder{nullptr};
      disposed_ = true;
    }
    return info.Env().Undefined();
  }

  Napi::Value IsDisposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), disposed_); }

  bool disposed_ = false;
  std::shared_ptr<JobUse> use_ = std::make_shared<JobUse>(T::kWhat);
};

}  // namespace seq2seq
