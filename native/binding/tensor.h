// Tensor: a JS handle on one at::Tensor. Its native memory is reported to V8 and released by dispose()
// or, failing that, by the garbage collector.
#pragma once

#include <ATen/ATen.h>
#include <napi.h>

#include <memory>

#include "binding/job_use.h"
#include "binding/wrap.h"

namespace seq2seq {

class TensorWrap : public Wrap<TensorWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // A new JS handle owning `tensor`.
  static Napi::Object New(Napi::Env env, at::Tensor tensor);
  // A new JS handle on a module's parameter: in-place writes through it are refused while a job uses the module.
  static Napi::Object NewParameter(Napi::Env env, at::Tensor tensor, const std::shared_ptr<JobUse>& owner);
  // The tensor behind a JS handle; throws a TypeError naming `name` for anything else, or a disposed one.
  static const at::Tensor& From(const Napi::Value& value, const char* name);
  static bool Is(const Napi::Value& value);

  explicit TensorWrap(const Napi::CallbackInfo& info);
  void Finalize(Napi::Env env) override;

  // The job mark of the module whose parameter this is; null for other tensors (or once the module is gone).
  std::shared_ptr<JobUse> Owner() const { return owner_.lock(); }

 private:
  void Reset(Napi::Env env, at::Tensor tensor);
  const at::Tensor& Get(Napi::Env env) const;
  // The tensor, to write in place: refused while a job uses the module it belongs to.
  const at::Tensor& GetMutable(Napi::Env env) const;

  // Factories.
  static Napi::Value FromData(const Napi::CallbackInfo& info);
  static Napi::Value Full(const Napi::CallbackInfo& info);
  static Napi::Value Randn(const Napi::CallbackInfo& info);
  static Napi::Value Rand(const Napi::CallbackInfo& info);
  static Napi::Value Arange(const Napi::CallbackInfo& info);

  // Properties and data.
  Napi::Value Shape(const Napi::CallbackInfo& info);
  Napi::Value Dtype(const Napi::CallbackInfo& info);
  Napi::Value Device(const Napi::CallbackInfo& info);
  Napi::Value Item(const Napi::CallbackInfo& info);
  Napi::Value ToTypedArray(const Napi::CallbackInfo& info);
  Napi::Value BytesView(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);

  // Shape and movement.
  Napi::Value View(const Napi::CallbackInfo& info);
  Napi::Value Reshape(const Napi::CallbackInfo& info);
  Napi::Value Unsqueeze(const Napi::CallbackInfo& info);
  Napi::Value Squeeze(const Napi::CallbackInfo& info);
  Napi::Value Select(const Napi::CallbackInfo& info);
  Napi::Value Narrow(const Napi::CallbackInfo& info);
  Napi::Value Transpose(const Napi::CallbackInfo& info);
  Napi::Value Contiguous(const Napi::CallbackInfo& info);
  Napi::Value Clone(const Napi::CallbackInfo& info);
  Napi::Value To(const Napi::CallbackInfo& info);
  Napi::Value CopyFrom(const Napi::CallbackInfo& info);

  // Arithmetic and reductions.
  Napi::Value Add(const Napi::CallbackInfo& info);
  Napi::Value AddInPlace(const Napi::CallbackInfo& info);
  Napi::Value Sub(const Napi::CallbackInfo& info);
  Napi::Value Mul(const Napi::CallbackInfo& info);
  Napi::Value Div(const Napi::CallbackInfo& info);
  Napi::Value Neg(const Napi::CallbackInfo& info);
  Napi::Value Exp(const Napi::CallbackInfo& info);
  Napi::Value Log(const Napi::CallbackInfo& info);
  Napi::Value Matmul(const Napi::CallbackInfo& info);
  Napi::Value Eq(const Napi::CallbackInfo& info);
  Napi::Value Sum(const Napi::CallbackInfo& info);
  Napi::Value Mean(const Napi::CallbackInfo& info);
  Napi::Value Argmax(const Napi::CallbackInfo& info);
  Napi::Value Topk(const Napi::CallbackInfo& info);

  // Autograd.
  Napi::Value Backward(const Napi::CallbackInfo& info);
  Napi::Value Grad(const Napi::CallbackInfo& info);
  Napi::Value Detach(const Napi::CallbackInfo& info);
  Napi::Value RequiresGrad(const Napi::CallbackInfo& info);
  Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info);

  at::Tensor tensor_;
  int64_t reportedBytes_ = 0;
  std::weak_ptr<JobUse> owner_;  // weak: a parameter handle does not keep its module's wrapper alive
};

}  // namespace seq2seq
