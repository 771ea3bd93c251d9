#include "seq2seq/beam_search.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "seq2seq/batched_step.h"

namespace seq2seq {

namespace {

struct Live {
  std::vector<int64_t> words;
  double logProb = 0.0;
};

double Score(double logProb, size_t length, double penalty) {
  return logProb / std::pow(static_cast<double>(std::max<size_t>(length, 1)), penalty);
}

}  // namespace

std::vector<std::vector<Hypothesis>> BeamSearch(Seq2SeqParts& parts, const Batch& batch, const BeamOptions& options) {
  at::NoGradGuard noGrad;
  const int64_t B = batch.size, K = options.beam;
  const double kNegInf = -std::numeric_limits<double>::infinity();
  Encoded encoded = Encode(parts, batch);
  // Row b*K+k is sentence b's hypothesis k: states [layers, B*K, hidden], memory [B*K, S, hidden].
  encoded.h = encoded.h.repeat_interleave(K, 1);
  encoded.c = encoded.c.repeat_interleave(K, 1);
  if (parts.attention.On()) {
    encoded.memory = encoded.memory.repeat_interleave(K, 0);
    encoded.keys = encoded.keys.repeat_interleave(K, 0);
    encoded.mask = encoded.mask.repeat_interleave(K, 0);
  }
  DecoderState state = InitialState(parts, encoded);
  const auto longs = batch.source.options();
  std::vector<int64_t> inputs(static_cast<size_t>(B * K), options.sos);
  // Only the first hypothesis of each sentence is live at the start: the others would repeat it.
  std::vector<double> scores(static_cast<size_t>(B * K), kNegInf);
  for (int64_t b = 0; b < B; ++b) scores[static_cast<size_t>(b * K)] = 0.0;
  std::vector<std::vector<Live>> live(static_cast<size_t>(B), std::vector<Live>(static_cast<size_t>(K)));
  std::vector<std::vector<Hypothesis>> finished(static_cast<size_t>(B));
  std::vector<bool> done(static_cast<size_t>(B), false);
  int64_t longest = 0;
  for (const int64_t n : batch.maxLengths) longest = std::max(longest, n);

  for (int64_t t = 0; t < longest; ++t) {
    const at::Tensor x = at::tensor(inputs, at::TensorOptions().dtype(at::kLong)).to(longs.device());
    const at::Tensor logProbs = DecoderStep(parts, encoded, x, state);
    const int64_t V = logProbs.size(1);
    const at::Tensor prior = at::tensor(scores, logProbs.options().dtype(at::kDouble)).to(logProbs.device());
    const at::Tensor candidates = (logProbs.to(at::kDouble) + prior.unsqueeze(1)).view({B, K * V});
    auto [values, indices] = candidates.topk(std::min<int64_t>(2 * K, K * V), 1);
    // Bookkeeping of the beams needs the ranked candidates on the host: one sync per step.
    values = values.to(at::kCPU).contiguous();
    indices = indices.to(at::kCPU).contiguous();
    const int64_t width = values.size(1);
    const double* v = values.data_ptr<double>();
    const int64_t* idx = indices.data_ptr<int64_t>();

    std::vector<int64_t> rows(static_cast<size_t>(B * K));
    for (int64_t b = 0; b < B; ++b) {
      auto& beams = live[static_cast<size_t>(b)];
      std::vector<Live> next;
      if (!done[static_cast<size_t>(b)]) {
        const bool last = t + 1 >= batch.maxLengths[static_cast<size_t>(b)];
        for (int64_t j = 0; j < width && static_cast<int64_t>(next.size()) < K; ++j) {
          const double value = v[b * width + j];
          if (value == kNegInf) break;
          const int64_t k = idx[b * width + j] / V, word = idx[b * width + j] % V;
          std::vector<int64_t> words = beams[static_cast<size_t>(k)].words;
          words.push_back(word);
          if (word == options.eos || last) {
            // An <eos> ranked below the beam's width would end a hypothesis the beam has no room for.
            if (j < K) {
              finished[static_cast<size_t>(b)].push_back(
                  {words, value, Score(value, words.size(), options.lengthPenalty)});
            }
            if (word == options.eos) continue;
            if (last) continue;
          }
          next.push_back({std::move(words), value});
          rows[static_cast<size_t>(b * K + static_cast<int64_t>(next.size()) - 1)] = b * K + k;
        }
        if (last || static_cast<int64_t>(finished[static_cast<size_t>(b)].size()) >= K || next.empty()) {
          done[static_cast<size_t>(b)] = true;
          next.clear();
        }
      }
      // Finished sentences (and empty slots) keep a dead hypothesis: score -inf, fed <eos>, never chosen.
      for (int64_t k = 0; k < K; ++k) {
        const size_t slot = static_cast<size_t>(b * K + k);
        if (k < static_cast<int64_t>(next.size())) {
          scores[slot] = next[static_cast<size_t>(k)].logProb;
          inputs[slot] = next[static_cast<size_t>(k)].words.back();
        } else {
          scores[slot] = kNegInf;
          inputs[slot] = options.eos;
          rows[slot] = b * K;
        }
      }
      next.resize(static_cast<size_t>(K));
      beams = std::move(next);
    }
    if (std::all_of(done.begin(), done.end(), [](bool d) { return d; })) break;
    const at::Tensor gather = at::tensor(rows, at::TensorOptions().dtype(at::kLong)).to(longs.device());
    state.h = state.h.index_select(1, gather);
    state.c = state.c.index_select(1, gather);
    if (state.feed.defined()) state.feed = state.feed.index_select(0, gather);
  }

  for (auto& hyps : finished) {
    std::stable_sort(hyps.begin(), hyps.end(),
                     [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    if (static_cast<int64_t>(hyps.size()) > options.nBest) hyps.resize(static_cast<size_t>(options.nBest));
  }
  return finished;
}

}  // namespace seq2seq
