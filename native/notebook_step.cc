// The fused notebook step: one call runs a whole sentence of the notebook's training loop in C++ (encode the
// reversed source, free-running greedy decoding with the <eos> stop, summed NLLLoss, backward, both Adam
// steps), with the same operations in the same order as the TypeScript mirror, so the same losses.
#include <ATen/ATen.h>

#include <string>
#include <tuple>
#include <vector>

#include "adam.h"
#include "adam_fused.h"
#include "addon.h"
#include "convert.h"
#include "lstm_cpu.h"
#include "parts.h"

namespace seq2seq {

namespace {

void CheckIndices(Napi::Env env, const std::vector<int64_t>& indices, int64_t size, const char* what) {
  for (const int64_t i : indices) {
    if (i < 0 || i >= size) {
      ThrowRange(env, std::string(what) + " index " + std::to_string(i) + " is out of range for " +
                          std::to_string(size) + " embeddings");
    }
  }
}

// notebookStep(parts, source: number[], target: number[], sos, eos, device) -> the sentence's summed loss
// parts: { encoderEmbedding, encoderLstm, decoderEmbedding, decoderLstm, decoderDense, encoderOpt, decoderOpt }
Napi::Value NotebookStep(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Seq2SeqParts parts = PartsFrom(info[0], /*withOptimizers=*/true);
  if (parts.attention.On() || parts.Bidirectional()) {
    ThrowType(env, "The fused step runs the notebook's model: no attention, no bidirectional encoder");
  }
  auto& encEmbedding = parts.encoderEmbedding;
  auto& encLstm = parts.encoderLstm;
  auto& decEmbedding = parts.decoderEmbedding;
  auto& decLstm = parts.decoderLstm;
  auto& decDense = parts.decoderDense;
  auto& encOpt = *parts.encoderOpt;
  auto& decOpt = *parts.decoderOpt;
  const std::vector<int64_t> src = ToShape(info[1], "source");
  const std::vector<int64_t> tgt = ToShape(info[2], "target");
  const int64_t sos = ToInt(info[3], "sos");
  const int64_t eos = ToInt(info[4], "eos");
  const c10::Device device = ToDevice(info[5]);
  // Checked up front: an out-of-range index on CUDA is a device-side assert that ends the process.
  CheckIndices(env, src, encEmbedding->options.num_embeddings(), "source");
  CheckIndices(env, tgt, decEmbedding->options.num_embeddings(), "target");
  CheckIndices(env, {sos, eos}, decEmbedding->options.num_embeddings(), "sos/eos");
  if (src.empty() || tgt.empty()) ThrowRange(env, "Expected non-empty source and target sentences");

  const auto longs = at::TensorOptions().dtype(at::kLong);
  const at::Tensor source = at::tensor(src, longs).view({-1, 1}).to(device);  // [srcLen, 1]
  const at::Tensor target = at::tensor(tgt, longs).view({-1, 1}).to(device);  // [tgtLen, 1]
  const auto floats = encLstm->all_weights()[0].options().device(device);     // the model's dtype
  const int64_t layers = encLstm->options.num_layers();
  const int64_t hidden = encLstm->options.hidden_size();
  const at::Tensor zeros = at::zeros({layers, 1, hidden}, floats);
  ClearGrads(encOpt, true);
  ClearGrads(decOpt, true);

  // The encoder reads the (reversed) source word by word, as one sequence.
  const LstmOutput encoded =
      RunLstm(encLstm, encEmbedding->forward(source).view({source.size(0), 1, -1}), zeros, zeros);

  // Free-running decoding feeds each step the previous step's detached guess, so those inputs are constants of
  // the graph: find them (and the <eos> stop) step by step without autograd, then run the decoder over them as
  // one sequence with autograd. Same computation as the notebook's loop; its backward is one pass per layer
  // instead of a graph node per word and layer.
  std::vector<int64_t> inputs{sos};
  {
    at::NoGradGuard noGrad;
    at::Tensor h = encoded.h, c = encoded.c;
    for (int64_t k = 0; k < target.size(0); ++k) {
      const at::Tensor x = decEmbedding->forward(at::full({1, 1}, inputs.back(), longs.device(device)));
      LstmOutput step = RunLstm(decLstm, x.view({1, 1, -1}), h, c);
      h = step.h;
      c = step.c;
      const at::Tensor out = at::log_softmax(decDense->forward(step.output.squeeze(0)), 1);  // [1, vocab]
      const int64_t guess = std::get<1>(out.topk(1)).item<int64_t>();  // a sync with the device, as there
      if (guess == eos || k + 1 == target.size(0)) break;              // the notebook's stop
      inputs.push_back(guess);
    }
  }
  const auto steps = static_cast<int64_t>(inputs.size());
  const at::Tensor decInputs = at::tensor(inputs, longs).to(device);
  const at::Tensor embedded = decEmbedding->forward(decInputs).view({steps, 1, -1});
  const at::Tensor out = RunLstm(decLstm, embedded, encoded.h, encoded.c).output.view({steps, -1});
  const at::Tensor logProbs = at::log_softmax(decDense->forward(out), 1);  // [steps, vocab]
  const at::Tensor loss = at::nll_loss(logProbs, target.view({-1}).narrow(0, 0, steps), {}, at::Reduction::Sum);
  loss.backward();
  FusedAdamStep(encOpt);
  FusedAdamStep(decOpt);
  return Napi::Number::New(env, loss.item<double>());
}

}  // namespace

void InitNotebookStep(Napi::Env env, Napi::Object exports) {
  exports.Set("notebookStep", Napi::Function::New(env, &Guarded<&NotebookStep>, "notebookStep"));
}

}  // namespace seq2seq
