// addon.testing: entry points that only tests use, kept off the production classes. They run the kernels the
// background jobs run, on one module or optimizer, so that tests can compare them with libtorch and PyTorch.
//   lstmForwardKernel(lstm, input, h0, c0, lengths?) -> [output, hN, cN]   (kernels/lstm_cpu.h)
//   adamStepFused(adam)                                                   (kernels/adam_fused.h)
#include "binding/adam.h"
#include "binding/addon.h"
#include "binding/lstm.h"
#include "kernels/adam_fused.h"
#include "kernels/lstm_cpu.h"

namespace seq2seq {

namespace {

// input: [seqLen, batch, inputSize]; h0, c0: [numLayers, batch, hiddenSize]; lengths: each sequence's length,
// like a packed sequence.
Napi::Value LstmForwardKernel(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  auto& lstm = UnwrapAs<LSTMWrap>(info[0], Data(env).lstm, "an LSTM")->Module(env);
  const std::vector<int64_t> lengths = info[4].IsUndefined() ? std::vector<int64_t>{} : ToShape(info[4], "lengths");
  const LstmOutput r = RunLstm(lstm, TensorWrap::From(info[1], "input"), TensorWrap::From(info[2], "h0"),
                               TensorWrap::From(info[3], "c0"), lengths);
  auto out = Napi::Array::New(env, 3);
  out.Set(0u, TensorWrap::New(env, r.output));
  out.Set(1u, TensorWrap::New(env, r.h));
  out.Set(2u, TensorWrap::New(env, r.c));
  return out;
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
  exports.Set("testing", testing);
}

}  // namespace seq2seq
