// Parameter-free operations behind nn.LogSoftmax and nn.NLLLoss.
#include <ATen/ATen.h>

#include <string>

#include "binding/addon.h"
#include "binding/convert.h"
#include "binding/tensor.h"

namespace seq2seq {

namespace {

// logSoftmax(input, dim)
Napi::Value LogSoftmax(const Napi::CallbackInfo& info) {
  return TensorWrap::New(info.Env(), at::log_softmax(TensorWrap::From(info[0], "input"), ToInt(info[1], "dim")));
}

at::Reduction::Reduction ToReduction(const Napi::Value& v) {
  if (v.IsUndefined()) return at::Reduction::Mean;
  const std::string name = ToString(v, "reduction");
  if (name == "mean") return at::Reduction::Mean;
  if (name == "sum") return at::Reduction::Sum;
  if (name == "none") return at::Reduction::None;
  ThrowType(v.Env(), "Expected \"mean\", \"sum\" or \"none\" for reduction but received \"" + name + "\"");
}

// nllLoss(input [N, C] or [C], target [N] or [], { reduction, ignoreIndex })
Napi::Value NllLoss(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const at::Tensor& input = TensorWrap::From(info[0], "input");
  const at::Tensor& target = TensorWrap::From(info[1], "target");
  const auto reduction = ToReduction(Option(info[2], "reduction"));
  const auto ignoreValue = Option(info[2], "ignoreIndex");
  const int64_t ignoreIndex = ignoreValue.IsUndefined() ? -100 : ToInt(ignoreValue, "ignoreIndex");
  if (target.scalar_type() != c10::ScalarType::Long) {
    ThrowType(env, std::string("NLLLoss expects an int64 target but received ") + DtypeName(target.scalar_type()));
  }
  if (input.dim() < 1 || input.dim() > 2) {
    ThrowRange(env, "NLLLoss expects an input of shape [N, C] or [C] but received " + std::to_string(input.dim()) +
                        " dimensions");
  }
  // Checked here because an out-of-range class on CUDA is a device-side assert that kills the process.
  const int64_t classes = input.size(input.dim() - 1);
  if (target.numel() > 0) {
    const at::Tensor bad = target.ne(ignoreIndex).logical_and(target.lt(0).logical_or(target.ge(classes)));
    if (bad.any().item<bool>()) {
      const int64_t value = target.masked_select(bad).select(0, 0).item<int64_t>();
      ThrowRange(env, "NLLLoss target " + std::to_string(value) + " is out of range for " + std::to_string(classes) +
                          " classes (valid: 0 to " + std::to_string(classes - 1) + ")");
    }
  }
  return TensorWrap::New(env, at::nll_loss(input, target, {}, reduction, ignoreIndex));
}

}  // namespace

void InitFunctional(Napi::Env env, Napi::Object exports) {
  exports.Set("logSoftmax", Napi::Function::New(env, &Guarded<&LogSoftmax>, "logSoftmax"));
  exports.Set("nllLoss", Napi::Function::New(env, &Guarded<&NllLoss>, "nllLoss"));
}

}  // namespace seq2seq
