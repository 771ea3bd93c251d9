// JS side of int8 models:
//   new Int8Weights(entries)     one module's int8 weights: [{ name, q, scales, bias? }], packed for the kernel
//     .size() .dispose() .isDisposed()
//   quantizeInt8Rows(weight)     -> [q int8 [N, K], scales float32 [N]]: PyTorch's per-row symmetric quantization
#include "binding/int8_weights.h"

#include <cmath>
#include <string>

#include "binding/addon.h"
#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/tensor.h"

namespace seq2seq {

namespace {

// A CPU tensor of `type` and `dims` dimensions, contiguous, or a TypeError naming `what`.
at::Tensor Checked(const Napi::Value& value, const std::string& what, at::ScalarType type, int64_t dims) {
  const at::Tensor t = TensorWrap::From(value, what.c_str());
  if (!t.device().is_cpu() || t.scalar_type() != type || t.dim() != dims) {
    ThrowType(value.Env(), "Expected " + what + " to be a " + std::to_string(dims) + "-dimensional CPU tensor of " +
                               c10::toString(type) + ", not " + c10::toString(t.scalar_type()));
  }
  return t.contiguous();
}

Napi::Value QuantizeInt8Rows(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const at::Tensor w = Checked(info[0], "weight", at::kFloat, 2);
  const int64_t N = w.size(0), K = w.size(1);
  at::Tensor q = at::empty({N, K}, at::kChar), scales = at::empty({N}, at::kFloat);
  QuantizeWeightRows(w.data_ptr<float>(), N, K, q.data_ptr<int8_t>(), scales.data_ptr<float>());
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, TensorWrap::New(env, q));
  out.Set(1u, TensorWrap::New(env, scales));
  return out;
}

}  // namespace

Int8WeightsWrap::Int8WeightsWrap(const Napi::CallbackInfo& info) : Wrap<Int8WeightsWrap>(info) {
  Guard(info.Env(), [&] {
    const Napi::Env env = info.Env();
    if (!info[0].IsArray()) ThrowType(env, "Expected an array of { name, q, scales, bias? }");
    const auto entries = info[0].As<Napi::Array>();
    auto weights = std::make_shared<Int8Weights>();
    for (uint32_t i = 0; i < entries.Length(); ++i) {
      const Napi::Value entry = entries.Get(i);
      const std::string name = ToString(Option(entry, "name"), "name");
      const at::Tensor q = Checked(Option(entry, "q"), name, at::kChar, 2);
      const at::Tensor scales = Checked(Option(entry, "scales"), name + "_scale", at::kFloat, 1);
      const Napi::Value biasValue = Option(entry, "bias");
      at::Tensor bias;
      if (!biasValue.IsUndefined() && !biasValue.IsNull()) bias = Checked(biasValue, name + "'s bias", at::kFloat, 1);
      const int64_t N = q.size(0), K = q.size(1);
      if (N < 1 || K < 1 || scales.size(0) != N || (bias.defined() && bias.size(0) != N)) {
        ThrowType(env, name + ": expected q [N, K] with N, K >= 1, scales [N] and bias [N]");
      }
      const float* s = scales.data_ptr<float>();
      for (int64_t n = 0; n < N; ++n) {
        if (!(s[n] > 0.0f) || !std::isfinite(s[n])) ThrowType(env, name + "_scale: scales must be finite and positive");
      }
      weights->Add(name, std::make_shared<const Int8Matrix>(q.data_ptr<int8_t>(), s,
                                                            bias.defined() ? bias.data_ptr<float>() : nullptr, N, K));
    }
    weights_ = std::move(weights);
    return 0;
  });
}

Napi::Function Int8WeightsWrap::Define(Napi::Env env) {
  return DefineClass(env, "Int8Weights",
                     {
                         Method<&Int8WeightsWrap::Size>("size"),
                         Method<&Int8WeightsWrap::Dispose>("dispose"),
                         Method<&Int8WeightsWrap::IsDisposed>("isDisposed"),
                     });
}

std::shared_ptr<const Int8Weights> Int8WeightsWrap::Get(Napi::Env env) const {
  if (!weights_) ThrowType(env, "These int8 weights are disposed");
  return weights_;
}

Napi::Value Int8WeightsWrap::Size(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Get(info.Env())->Size()));
}

Napi::Value Int8WeightsWrap::Dispose(const Napi::CallbackInfo& info) {
  weights_.reset();
  return info.Env().Undefined();
}

Napi::Value Int8WeightsWrap::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !weights_);
}

void InitInt8Weights(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = Int8WeightsWrap::Define(env);
  Data(env).int8Weights = Napi::Persistent(ctor);
  exports.Set("Int8Weights", ctor);
  exports.Set("quantizeInt8Rows", Napi::Function::New(env, &Guarded<&QuantizeInt8Rows>, "quantizeInt8Rows"));
}

}  // namespace seq2seq
