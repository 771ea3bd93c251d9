#include "seq2seq/beam_search.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "seq2seq/batched_step.h"
#include "seq2seq/inference_step.h"

namespace seq2seq {

namespace {

struct Live {
  std::vector<int64_t> words;
  double logProb = 0.0;
};

double Score(double logProb, size_t length, double penalty) {
  return logProb / std::pow(static_cast<double>(std::max<size_t>(length, 1)), penalty);
}

// One model: the inference decoder's steps, a sentence's beams sharing its row of encoder outputs.
class SingleModel : public SearchModel {
 public:
  SingleModel(Seq2SeqParts& parts, const Batch& batch, int64_t maxRows, RowWeights* rowWeights)
      : decoder_(parts, maxRows, rowWeights), encoded_(decoder_.Encode(batch)), state_(InitialState(parts, encoded_)) {}

  at::Tensor Step(const at::Tensor& x, int64_t group) override { return decoder_.Step(encoded_, x, state_, group); }

  std::tuple<at::Tensor, at::Tensor> StepTop(const at::Tensor& x, int64_t group, int64_t k) override {
    return decoder_.StepTop(encoded_, x, state_, k, group);
  }

  void Select(const at::Tensor& rows, const at::Tensor& sentences) override {
    SelectStateRows(state_, rows);
    if (sentences.defined()) SelectSentences(encoded_, sentences);
  }

 private:
  InferenceDecoder decoder_;
  Encoded encoded_;
  DecoderState state_;
};

}  // namespace

std::tuple<at::Tensor, at::Tensor> SearchModel::StepTop(const at::Tensor& x, int64_t group, int64_t k) {
  const at::Tensor logProbs = Step(x, group);
  return TopRows(logProbs, std::min(k, logProbs.size(1)));
}

void SelectStateRows(DecoderState& state, const at::Tensor& rows) {
  state.h = state.h.index_select(1, rows);
  state.c = state.c.index_select(1, rows);
  if (state.feed.defined()) state.feed = state.feed.index_select(0, rows);
}

void SelectSentences(Encoded& encoded, const at::Tensor& sentences) {
  if (!encoded.memory.defined()) return;
  encoded.memory = encoded.memory.index_select(0, sentences);
  encoded.keys = encoded.keys.index_select(0, sentences);
  encoded.mask = encoded.mask.index_select(0, sentences);
}

std::vector<std::vector<Hypothesis>> BeamSearch(Seq2SeqParts& parts, const Batch& batch, const BeamOptions& options,
                                                RowWeights* rowWeights) {
  // Decoding needs no autograd: inference tensors skip its version counters and views' bookkeeping too.
  c10::InferenceMode inference;
  // One row of encoder outputs and initial state per sentence: a sentence's beams share them (InferenceDecoder's
  // groups), and its first step runs once, since only its first hypothesis is live then.
  SingleModel model(parts, batch, batch.size * options.beam, rowWeights);
  return SearchBeams(model, batch, options);
}

std::vector<std::vector<Hypothesis>> SearchBeams(SearchModel& model, const Batch& batch, const BeamOptions& options) {
  c10::InferenceMode inference;  // the model's steps; its encoding ran under the caller's
  const int64_t B = batch.size, K = options.beam;
  const double kNegInf = -std::numeric_limits<double>::infinity();
  const auto longs = batch.source.options();
  // The sentences still searched, in row order; each has `group` rows (1 at the first step, then K).
  std::vector<int64_t> active(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) active[static_cast<size_t>(b)] = b;
  int64_t group = 1;
  std::vector<int64_t> inputs(static_cast<size_t>(B), options.sos);
  std::vector<double> scores(static_cast<size_t>(B), 0.0);
  std::vector<std::vector<Live>> live(static_cast<size_t>(B), std::vector<Live>(1));
  std::vector<std::vector<Hypothesis>> finished(static_cast<size_t>(B));
  int64_t longest = 0;
  for (const int64_t n : batch.maxLengths) longest = std::max(longest, n);

  for (int64_t t = 0; t < longest; ++t) {
    const int64_t A = static_cast<int64_t>(active.size());
    const at::Tensor x = at::tensor(inputs, at::TensorOptions().dtype(at::kLong)).to(longs.device());
    // A sentence's 2K best continuations are among the 2K best words of each of its rows (a row's score is added to
    // all its words alike): those are ranked, in double with the hypotheses' scores, instead of all group x V.
    const auto [rowValues, rowWords] = model.StepTop(x, group, 2 * K);  // [rows, perRow]
    const int64_t perRow = rowValues.size(1);
    const at::Tensor prior = at::tensor(scores, rowValues.options().dtype(at::kDouble)).to(rowValues.device());
    const at::Tensor candidates = (rowValues.to(at::kDouble) + prior.unsqueeze(1)).view({A, group * perRow});
    auto [values, positions] = TopRows(candidates, std::min<int64_t>(2 * K, group * perRow));
    at::Tensor chosen = rowWords.reshape({A, group * perRow}).gather(1, positions);
    // Bookkeeping of the beams needs the ranked candidates on the host: one sync per step.
    values = values.to(at::kCPU).contiguous();
    positions = positions.to(at::kCPU).contiguous();
    chosen = chosen.to(at::kCPU).contiguous();
    const int64_t width = values.size(1);
    const double* v = values.data_ptr<double>();
    const int64_t* position = positions.data_ptr<int64_t>();
    const int64_t* chosenWord = chosen.data_ptr<int64_t>();

    // The next step's rows (K per sentence still searched), each taken from row `rows[i]` of this step.
    std::vector<int64_t> rows, kept;
    inputs.clear();
    scores.clear();
    for (int64_t a = 0; a < A; ++a) {
      const int64_t b = active[static_cast<size_t>(a)];
      auto& beams = live[static_cast<size_t>(b)];
      auto& ended = finished[static_cast<size_t>(b)];
      std::vector<Live> next;
      std::vector<int64_t> from;
      const bool last = t + 1 >= batch.maxLengths[static_cast<size_t>(b)];
      for (int64_t j = 0; j < width && static_cast<int64_t>(next.size()) < K; ++j) {
        const double value = v[a * width + j];
        if (value == kNegInf) break;
        const int64_t k = position[a * width + j] / perRow, word = chosenWord[a * width + j];
        std::vector<int64_t> words = beams[static_cast<size_t>(k)].words;
        words.push_back(word);
        if (word == options.eos || last) {
          // An <eos> ranked below the beam's width would end a hypothesis the beam has no room for.
          if (j < K) ended.push_back({words, value, Score(value, words.size(), options.lengthPenalty)});
          continue;
        }
        next.push_back({std::move(words), value});
        from.push_back(a * group + k);
      }
      // A finished sentence leaves the batch: its rows are not carried to the next step.
      if (last || static_cast<int64_t>(ended.size()) >= K || next.empty()) continue;
      kept.push_back(a);
      // Empty slots keep a dead hypothesis: score -inf, fed <eos>, never chosen.
      for (int64_t k = 0; k < K; ++k) {
        const bool used = k < static_cast<int64_t>(next.size());
        rows.push_back(used ? from[static_cast<size_t>(k)] : a * group);
        scores.push_back(used ? next[static_cast<size_t>(k)].logProb : kNegInf);
        inputs.push_back(used ? next[static_cast<size_t>(k)].words.back() : options.eos);
      }
      next.resize(static_cast<size_t>(K));
      beams = std::move(next);
    }
    if (kept.empty()) break;
    const auto onDevice = [&](const std::vector<int64_t>& v) {
      return at::tensor(v, at::TensorOptions().dtype(at::kLong)).to(longs.device());
    };
    model.Select(onDevice(rows), static_cast<int64_t>(kept.size()) < A ? onDevice(kept) : at::Tensor());
    std::vector<int64_t> stillActive;
    for (const int64_t a : kept) stillActive.push_back(active[static_cast<size_t>(a)]);
    active = std::move(stillActive);
    group = K;
  }

  for (auto& hyps : finished) {
    std::stable_sort(hyps.begin(), hyps.end(),
                     [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    if (static_cast<int64_t>(hyps.size()) > options.nBest) hyps.resize(static_cast<size_t>(options.nBest));
  }
  return finished;
}

}  // namespace seq2seq
