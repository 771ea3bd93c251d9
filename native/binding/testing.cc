// addon.testing: entry points that only tests use, kept off the production classes. They run the kernels the
// background jobs run, on one module or optimizer, so that tests can compare them with libtorch and PyTorch.
//   lstmForwardKernel(lstm, input, h0, c0, lengths?, dropout?) -> [output, hN, cN]   (kernels/lstm_cpu.h)
//     dropout: { p, seed, layerwise? } (layerwise: RunLstmLayerwise, the path CUDA takes with dropout)
//   adamStepFused(adam)                                                   (kernels/adam_fused.h)
//   dropout(input, p, seed) -> the input with dropout from a generator seeded with seed   (seq2seq/dropout.h)
//   int8Linear(weight [N, K], x [M, K], bias [N] | null, isa) -> null when the CPU lacks isa, else
//     [q int8 [N, K], scales [N], xq uint8 [M, K], acc int32 [M, N], y [M, N], [scale, zeroPoint]]: x quantized per
//     tensor, its int32 product on `isa` (scalar, avx2, avx512-vnni), and y   (kernels/int8_linear_cpu.h)
//   rowsProduct(weight [N, K], x [M, K], bias [N] | null, isa) -> null when the CPU lacks isa (portable, avx2, avx512),
//   else
//     x weight^T + bias [M, N] (float32)   (kernels/row_product_cpu.h)
//   topK(x [rows, V], k) -> [values, indices]: the decoders' x.topk(k, 1)   (kernels/top_k_cpu.h,
//   seq2seq/inference_step.h)
//   logSoftmaxTopK(x [rows, V] float32, k) -> [values, indices]: x.log_softmax(1).topk(k, 1) from the logits, as int8
//   models decode   (kernels/top_k_cpu.h)
//   outputLayerLoss(x [rows, F], weight [V, F], bias [V] | null, target [rows], smoothing) ->
//   the summed loss, an
//     autograd node (float32 CPU tensors)   (kernels/output_loss.h)
#include "binding/adam.h"
#include "binding/addon.h"
#include "binding/lstm.h"
#include "kernels/adam_fused.h"
#include "kernels/int8_linear_cpu.h"
#include "kernels/lstm_cpu.h"
#include "kernels/output_loss.h"
#include "kernels/row_product_cpu.h"
#include "kernels/top_k_cpu.h"
#include "seq2seq/dropout.h"
#include "seq2seq/inference_step.h"

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

// The arguments weight [N, K], x [M, K], bias [N] | null of a linear layer's kernels, as contiguous float32 CPU
// tensors, their shapes checked (a bias of the wrong length would be read past its end).
struct LinearArgs {
  at::Tensor weight, x, bias;
};

LinearArgs ToLinearArgs(const Napi::CallbackInfo& info) {
  const auto cpuFloat = [](const at::Tensor& t) { return t.to(at::kCPU, at::kFloat).contiguous(); };
  LinearArgs a;
  a.weight = cpuFloat(TensorWrap::From(info[0], "weight"));
  a.x = cpuFloat(TensorWrap::From(info[1], "x"));
  if (!info[2].IsNull() && !info[2].IsUndefined()) a.bias = cpuFloat(TensorWrap::From(info[2], "bias"));
  if (a.weight.dim() != 2 || a.x.dim() != 2 || a.x.size(1) != a.weight.size(1) ||
      (a.bias.defined() && (a.bias.dim() != 1 || a.bias.size(0) != a.weight.size(0))))
    ThrowType(info.Env(), "Expected weight [N, K], x [M, K], bias [N]");
  return a;
}

Napi::Value Int8Linear(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto [weight, x, bias] = ToLinearArgs(info);
  const std::string name = ToString(info[3], "isa");
  Int8Isa isa = Int8Isa::Scalar;
  if (name == "avx2") {
    isa = Int8Isa::Avx2;
  } else if (name == "avx512-vnni") {
    isa = Int8Isa::Avx512Vnni;
  } else if (name != "scalar") {
    ThrowType(env, "Expected scalar, avx2 or avx512-vnni for isa");
  }
  if (!Int8IsaAvailable(isa)) return env.Null();
  const int64_t N = weight.size(0), K = weight.size(1), M = x.size(0);
  at::Tensor q = at::empty({N, K}, at::kChar), scales = at::empty({N}, at::kFloat);
  QuantizeWeightRows(weight.data_ptr<float>(), N, K, q.data_ptr<int8_t>(), scales.data_ptr<float>());
  const Int8Matrix m(q.data_ptr<int8_t>(), scales.data_ptr<float>(), bias.defined() ? bias.data_ptr<float>() : nullptr,
                     N, K);
  float lo, hi;
  FindMinMax(x.data_ptr<float>(), M * K, &lo, &hi, isa);
  const ActivationQuant quant = ChooseActivationQuant(lo, hi);
  at::Tensor padded = at::zeros({M, m.Stride()}, at::kByte);
  for (int64_t r = 0; r < M; ++r) {
    QuantizeActivations(x.data_ptr<float>() + r * K, K, quant, padded.data_ptr<uint8_t>() + r * m.Stride(), isa);
  }
  at::Tensor acc = at::empty({M, N}, at::kInt), y = at::empty({M, N}, at::kFloat);
  m.Int32Product(padded.data_ptr<uint8_t>(), M, acc.data_ptr<int32_t>(), isa);
  m.Apply(padded.data_ptr<uint8_t>(), M, quant, y.data_ptr<float>(), N, 0, m.Blocks(), isa);
  auto out = Napi::Array::New(env, 6);
  out.Set(0u, TensorWrap::New(env, q));
  out.Set(1u, TensorWrap::New(env, scales));
  out.Set(2u, TensorWrap::New(env, padded.narrow(1, 0, K).contiguous()));
  out.Set(3u, TensorWrap::New(env, acc));
  out.Set(4u, TensorWrap::New(env, y));
  auto qp = Napi::Array::New(env, 2);
  qp.Set(0u, Napi::Number::New(env, quant.scale));
  qp.Set(1u, Napi::Number::New(env, quant.zeroPoint));
  out.Set(5u, qp);
  return out;
}

Napi::Value RowsProductOf(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const auto [weight, x, bias] = ToLinearArgs(info);
  const std::string name = ToString(info[3], "isa");
  RowsIsa isa = RowsIsa::Portable;
  if (name == "avx512") {
    isa = RowsIsa::Avx512;
  } else if (name == "avx2") {
    isa = RowsIsa::Avx2;
  } else if (name != "portable") {
    ThrowType(env, "Expected portable, avx2 or avx512 for isa");
  }
  if (!RowsIsaAvailable(isa)) return env.Null();
  const at::Tensor wT = weight.t().contiguous();
  at::Tensor y = at::empty({x.size(0), weight.size(0)}, at::kFloat);
  RowsProduct(x.data_ptr<float>(), x.size(0), wT.data_ptr<float>(), bias.defined() ? bias.data_ptr<float>() : nullptr,
              y.data_ptr<float>(), weight.size(1), weight.size(0), isa);
  return TensorWrap::New(env, y);
}

// [values, indices] as a JS array of two tensors.
Napi::Value Pair(Napi::Env env, const at::Tensor& values, const at::Tensor& indices) {
  auto out = Napi::Array::New(env, 2);
  out.Set(0u, TensorWrap::New(env, values));
  out.Set(1u, TensorWrap::New(env, indices));
  return out;
}

Napi::Value TopKOf(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const at::Tensor& x = TensorWrap::From(info[0], "x");
  const int64_t k = ToInt(info[1], "k");
  if (x.dim() != 2 || k < 1 || k > x.size(1)) ThrowRange(env, "Expected x [rows, V] and 1 <= k <= V");
  const auto [values, indices] = TopRows(x, k);
  return Pair(env, values, indices);
}

Napi::Value LogSoftmaxTopKOf(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const at::Tensor& x = TensorWrap::From(info[0], "x");
  const int64_t k = ToInt(info[1], "k");
  if (x.dim() != 2 || !x.device().is_cpu() || x.scalar_type() != at::kFloat || k < 1 || k > x.size(1) || k > 64)
    ThrowRange(env, "Expected x [rows, V] float32 on the CPU and 1 <= k <= min(V, 64)");
  const at::Tensor in = x.contiguous();
  at::Tensor values = at::empty({in.size(0), k}, in.options());
  at::Tensor indices = at::empty({in.size(0), k}, in.options().dtype(at::kLong));
  LogSoftmaxTopK(in.data_ptr<float>(), in.size(0), in.size(1), k, values.data_ptr<float>(),
                 indices.data_ptr<int64_t>());
  return Pair(env, values, indices);
}

Napi::Value OutputLayerLossOf(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const at::Tensor& x = TensorWrap::From(info[0], "x");
  const at::Tensor& weight = TensorWrap::From(info[1], "weight");
  at::Tensor bias;
  if (!info[2].IsNull() && !info[2].IsUndefined()) bias = TensorWrap::From(info[2], "bias");
  const at::Tensor& target = TensorWrap::From(info[3], "target");
  if (!OutputLayerLossApplies(x, weight)) ThrowType(env, "Expected float32 CPU tensors, x [rows, features]");
  return TensorWrap::New(env, OutputLayerLoss(x, weight, bias, target, ToDouble(info[4], "smoothing")));
}

}  // namespace

void InitTesting(Napi::Env env, Napi::Object exports) {
  auto testing = Napi::Object::New(env);
  testing.Set("lstmForwardKernel", Napi::Function::New(env, &Guarded<&LstmForwardKernel>, "lstmForwardKernel"));
  testing.Set("adamStepFused", Napi::Function::New(env, &Guarded<&AdamStepFused>, "adamStepFused"));
  testing.Set("dropout", Napi::Function::New(env, &Guarded<&DropoutOf>, "dropout"));
  testing.Set("int8Linear", Napi::Function::New(env, &Guarded<&Int8Linear>, "int8Linear"));
  testing.Set("rowsProduct", Napi::Function::New(env, &Guarded<&RowsProductOf>, "rowsProduct"));
  testing.Set("topK", Napi::Function::New(env, &Guarded<&TopKOf>, "topK"));
  testing.Set("logSoftmaxTopK", Napi::Function::New(env, &Guarded<&LogSoftmaxTopKOf>, "logSoftmaxTopK"));
  testing.Set("outputLayerLoss", Napi::Function::New(env, &Guarded<&OutputLayerLossOf>, "outputLayerLoss"));
  exports.Set("testing", testing);
}

}  // namespace seq2seq
