// addon.testing: entry points that only tests use, kept off the production classes. They run the kernels the
// background jobs run, on one module or optimizer, so that tests can compare them with libtorch and PyTorch.
//   lstmForwardKernel(lstm, input, h0, c0, lengths?, dropout?) -> [output, hN, cN]   (kernels/lstm_cpu.h)
//     dropout: { p, seed, layerwise? } (layerwise: RunLstmLayerwise, the path CUDA takes with dropout)
//   adamStepFused(adam)                                                   (kernels/adam_fused.h)
//   dropout(input, p, seed) -> the input with dropout from a generator seeded with seed   (seq2seq/dropout.h)
#include "binding/adam.h"
#include "binding/addon.h"
#include "binding/lstm.h"
#include "kernels/adam_fused.h"
#include "kernels/lstm_cpu.h"
#include "seq2seq/dropout.h"

namespace seq2seq {

namespace {

// input: [seqLen, batch, inputSize]; h0, c0: [numLayers, batch, hiddenSize]; lengths: each sequence's length,
// like a packed sequence.
Napi::Value LstmForwardKernel(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  auto& lstm = UnwrapAs<LSTMWrap>(info[0], Data(env).lstm, "an LSTM")->Module(env);
  const std::vector<int64_t> lengths =
      info[4].IsUndefined() || info[4].IsNull() ? std::vector<int64_t>{} : ToShape(info[4], "lengths");
  const at::Tensor& input = TensorWrap::From(info[1], "input");
  Dropout dropout;
  bool layerwise = false;
  if (!info[5].IsUndefined()) {
    dropout.p = ToDouble(Option(info[5], "p"), "p");
    if (!(dropout.p >= 0.0 && dropout.p < 1.0)) ThrowRange(env, "dropout p must be at least 0 and below 1");
    dropout.generator = NewGenerator(input.device(), static_cast<uint64_t>(ToInt(Option(info[5], "seed"), "seed")));
    layerwise = Option(info[5], "layerwise").ToBoolean().Value();
  }
  const at::Tensor& h0 = TensorWrap::From(info[2], "h0");
  const at::Tensor& c0 = TensorWrap::From(info[3], "c0");
  const LstmOutput r = layerwise ? RunLstmLayerwise(lstm, input, h0, c0, lengths, dropout)
                                 : RunLstm(lstm, input, h0, c0, lengths, &dropout);
  auto out = Napi::Array::New(env, 3);
  out.Set(0u, TensorWrap::New(env, r.output));
  out.Set(1u, TensorWrap::New(env, r.h));
  out.Set(2u, TensorWrap::New(env, r.c));
  return out;
}

Napi::Value DropoutOf(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const at::Tensor& input = TensorWrap::From(info[0], "input");
  const double p = ToDouble(info[1], "p");
  if (!(p >= 0.0 && p < 1.0)) ThrowRange(env, "dropout p must be at least 0 and below 1");
  const Dropout dropout{p, NewGenerator(input.device(), static_cast<uint64_t>(ToInt(info[2], "seed")))};
  return TensorWrap::New(env, ApplyDropout(input, dropout));
}

Napi::Value AdamStepFused(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  FusedAdamStep(UnwrapAs<AdamWrap>(info[0], Data(env).adam, "an Adam optimizer")->Get(env));
  return env.Undefined();
}

}  // namespace

void InitTesting(Napi::Env env, Napi::Object exports) {
  auto testing = Napi::Object::New(env);
  testing.Set("lstmForwardKernel", Napi::Function::New(env, &Guarded<&LstmForwardKernel>, "lstmForwardKernel"));
  testing.Set("adamStepFused", Napi::Function::New(env, &Guarded<&AdamStepFused>, "adamStepFused"));
  testing.Set("dropout", Napi::Function::New(env, &Guarded<&DropoutOf>, "dropout"));
  exports.Set("testing", testing);
}

}  // namespace seq2seq
