// The JS class Int8Weights over seq2seq::Int8Weights (one module's int8 weights, packed once), and
// quantizeInt8Rows, the weights' quantization (kernels/int8_linear_cpu.h).
#pragma once

#include <napi.h>

#include <memory>

#include "binding/wrap.h"
#include "seq2seq/int8_weights.h"

namespace seq2seq {

class Int8WeightsWrap : public Wrap<Int8WeightsWrap> {
 public:
  // new Int8Weights(entries: { name, q: int8 [N, K], scales: float32 [N], bias?: float32 [N] }[]): packs each.
  explicit Int8WeightsWrap(const Napi::CallbackInfo& info);
  static Napi::Function Define(Napi::Env env);

  // The weights, or a TypeError once disposed. Jobs hold their own reference: dispose() never frees weights in use.
  std::shared_ptr<const Int8Weights> Get(Napi::Env env) const;

 private:
  Napi::Value Size(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);

  std::shared_ptr<const Int8Weights> weights_;
};

}  // namespace seq2seq
