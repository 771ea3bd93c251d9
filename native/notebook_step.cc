// The fused notebook step: one call runs a whole sentence of the notebook's training loop in C++ (encode the
// reversed source, free-running greedy decoding with the <eos> stop, summed NLLLoss, backward, both Adam
// steps), with the same operations in the same order as the TypeScript mirror, so the same losses.
#include <ATen/ATen.h>

#include <string>
#include <tuple>
#include <vector>

#include "adam.h"
#include "addon.h"
#include "convert.h"
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
  const auto floats = at::TensorOptions().dtype(at::kFloat).device(device);
  at::Tensor loss = at::zeros({}, floats);
  const int64_t layers = encLstm->options.num_layers();
  const int64_t hidden = encLstm->options.hidden_size();
  at::Tensor h = at::zeros({layers, 1, hidden}, floats);
  at::Tensor c = at::zeros({layers, 1, hidden}, floats);
  ClearGrads(encOpt, true);
  ClearGrads(decOpt, true);

  for (int64_t k = 0; k < source.size(0); ++k) {
    const at::Tensor x = encEmbedding->forward(source[k].unsqueeze(0)).view({1, 1, -1});  // [1, 1, embedding]
    std::tie(h, c) = std::get<1>(encLstm->forward(x, std::make_tuple(h, c)));
  }
  at::Tensor decInput = at::full({1, 1}, sos, longs.device(device));
  for (int64_t k = 0; k < target.size(0); ++k) {
    at::Tensor x = decEmbedding->forward(decInput).view({1, 1, -1});
    auto step = decLstm->forward(x, std::make_tuple(h, c));
    x = std::get<0>(step);  // [1, 1, hidden]
    std::tie(h, c) = std::get<1>(step);
    const at::Tensor out = at::log_softmax(decDense->forward(x.squeeze(0)), 1);  // [1, vocab]
    decInput = std::get<1>(out.topk(1)).squeeze().detach();
    loss = loss.add(at::nll_loss(out, target[k]));
    if (decInput.item<int64_t>() == eos) break;  // the notebook's stop: a sync with the device, as there
  }
  loss.backward();
  encOpt.step();
  decOpt.step();
  return Napi::Number::New(env, loss.item<double>());
}

}  // namespace

void InitNotebookStep(Napi::Env env, Napi::Object exports) {
  exports.Set("notebookStep", Napi::Function::New(env, &Guarded<&NotebookStep>, "notebookStep"));
}

}  // namespace seq2seq
