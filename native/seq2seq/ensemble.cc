#include "seq2seq/ensemble.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <deque>
#include <tuple>
#include <utility>

#include "seq2seq/inference_step.h"

namespace seq2seq {

namespace {

// The members' mean on the inference decoder's steps (beam_search.cc's SingleModel, once per member): a sentence's
// beams share each member's row of encoder outputs.
class EnsembleModel : public SearchModel {
 public:
  EnsembleModel(std::vector<Seq2SeqParts>& members, const Batch& batch, int64_t maxRows) {
    for (Seq2SeqParts& parts : members) {
      Member& m = members_.emplace_back(parts, maxRows);
      m.encoded = m.decoder.Encode(batch);
      m.state = InitialState(parts, m.encoded);
    }
  }

  at::Tensor Step(const at::Tensor& x, int64_t group) override {
    // Summed in member order, then divided: what scripts/reference/ensemble.py does.
    at::Tensor sum;
    for (Member& m : members_) {
      const at::Tensor logProbs = m.decoder.Step(m.encoded, x, m.state, group);
      sum = sum.defined() ? sum + logProbs : logProbs;
    }
    return members_.size() == 1 ? sum : sum / static_cast<double>(members_.size());
  }

  void Select(const at::Tensor& rows, const at::Tensor& sentences) override {
    for (Member& m : members_) {
      SelectStateRows(m.state, rows);
      if (sentences.defined()) SelectSentences(m.encoded, sentences);
    }
  }

 private:
  struct Member {
    Member(Seq2SeqParts& parts, int64_t maxRows) : decoder(parts, maxRows) {}
    InferenceDecoder decoder;
    Encoded encoded;
    DecoderState state;
  };
  std::deque<Member> members_;  // InferenceDecoder does not move
};

}  // namespace

std::vector<std::vector<int64_t>> EnsembleGreedyDecode(std::vector<Seq2SeqParts>& members, const Batch& batch,
                                                       int64_t sos, int64_t eos) {
  c10::InferenceMode inference;
  EnsembleModel model(members, batch, batch.size);
  int64_t longest = 0;
  for (const int64_t n : batch.maxLengths) longest = std::max(longest, n);
  const auto longs = batch.source.options();
  const at::Tensor maxLengths = at::tensor(batch.maxLengths, at::TensorOptions().dtype(at::kLong)).to(longs.device());
  at::Tensor x = at::full({batch.size}, sos, longs);
  at::Tensor done = at::zeros({batch.size}, longs.dtype(at::kBool));
  std::vector<at::Tensor> steps;
  for (int64_t t = 0; t < longest; ++t) {
    const at::Tensor logProbs = model.Step(x, 1);
    x = std::get<1>(TopRows(logProbs, 1)).squeeze(1);
    steps.push_back(x);
    done = done.logical_or(x.eq(eos)).logical_or(maxLengths.le(t + 1));
    if (done.all().item<bool>()) break;  // decoding's stop: one sync per step
  }
  const at::Tensor words = at::stack(steps).to(at::kCPU).contiguous();  // [steps, B]
  const auto* w = words.data_ptr<int64_t>();
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(batch.size));
  for (int64_t b = 0; b < batch.size; ++b) {
    for (int64_t t = 0; t < words.size(0) && t < batch.maxLengths[static_cast<size_t>(b)]; ++t) {
      out[static_cast<size_t>(b)].push_back(w[t * batch.size + b]);
      if (w[t * batch.size + b] == eos) break;
    }
  }
  return out;
}

std::vector<std::vector<Hypothesis>> EnsembleBeamSearch(std::vector<Seq2SeqParts>& members, const Batch& batch,
                                                        const BeamOptions& options) {
  c10::InferenceMode inference;
  EnsembleModel model(members, batch, batch.size * options.beam);
  return SearchBeams(model, batch, options);
}

}  // namespace seq2seq
