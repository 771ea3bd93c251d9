#include "seq2seq/ensemble.h"

#include <ATen/ATen.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

namespace seq2seq {

namespace {

struct Live {
  std::vector<int64_t> words;
  double logProb = 0.0;
};

double Score(double logProb, size_t length, double penalty) {
  return logProb / std::pow(static_cast<double>(std::max<size_t>(length, 1)), penalty);
}

// Row b*K+k is sentence b's hypothesis k: states [layers, B*K, hidden], memory [B*K, S, hidden].
void RepeatForBeam(EnsembleMember& member, int64_t K) {
  Encoded& encoded = member.encoded;
  encoded.h = encoded.h.repeat_interleave(K, 1);
  encoded.c = encoded.c.repeat_interleave(K, 1);
  if (member.parts->attention.On()) {
    encoded.memory = encoded.memory.repeat_interleave(K, 0);
    encoded.keys = encoded.keys.repeat_interleave(K, 0);
    encoded.mask = encoded.mask.repeat_interleave(K, 0);
  }
  member.state = InitialState(*member.parts, encoded);
}

void SelectRows(DecoderState& state, const at::Tensor& rows) {
  state.h = state.h.index_select(1, rows);
  state.c = state.c.index_select(1, rows);
  if (state.feed.defined()) state.feed = state.feed.index_select(0, rows);
}

}  // namespace

std::vector<EnsembleMember> EncodeEnsemble(std::vector<Seq2SeqParts>& members, const Batch& batch) {
  std::vector<EnsembleMember> out;
  out.reserve(members.size());
  for (Seq2SeqParts& parts : members) {
    EnsembleMember member{&parts, Encode(parts, batch), {}};
    member.state = InitialState(parts, member.encoded);
    out.push_back(std::move(member));
  }
  return out;
}

at::Tensor EnsembleStep(std::vector<EnsembleMember>& members, const at::Tensor& x) {
  // Summed in member order, then divided: what scripts/reference/ensemble.py does.
  at::Tensor sum;
  for (EnsembleMember& m : members) {
    const at::Tensor logProbs = DecoderStep(*m.parts, m.encoded, x, m.state);
    sum = sum.defined() ? sum + logProbs : logProbs;
  }
  if (members.size() == 1) return sum;
  return sum / static_cast<double>(members.size());
}

std::vector<std::vector<int64_t>> EnsembleGreedyDecode(std::vector<Seq2SeqParts>& members, const Batch& batch,
                                                       int64_t sos, int64_t eos) {
  at::NoGradGuard noGrad;
  std::vector<EnsembleMember> ensemble = EncodeEnsemble(members, batch);
  int64_t longest = 0;
  for (const int64_t n : batch.maxLengths) longest = std::max(longest, n);
  const auto longs = batch.source.options();
  const at::Tensor maxLengths = at::tensor(batch.maxLengths, at::TensorOptions().dtype(at::kLong)).to(longs.device());
  at::Tensor x = at::full({batch.size}, sos, longs);
  at::Tensor done = at::zeros({batch.size}, longs.dtype(at::kBool));
  std::vector<at::Tensor> steps;
  for (int64_t t = 0; t < longest; ++t) {
    const at::Tensor logProbs = EnsembleStep(ensemble, x);
    x = std::get<1>(logProbs.topk(1)).squeeze(1);
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
  at::NoGradGuard noGrad;
  const int64_t B = batch.size, K = options.beam;
  const double kNegInf = -std::numeric_limits<double>::infinity();
  std::vector<EnsembleMember> ensemble = EncodeEnsemble(members, batch);
  for (EnsembleMember& m : ensemble) RepeatForBeam(m, K);
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
    const at::Tensor logProbs = EnsembleStep(ensemble, x);
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
            continue;
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
    for (EnsembleMember& m : ensemble) SelectRows(m.state, gather);
  }

  for (auto& hyps : finished) {
    std::stable_sort(hyps.begin(), hyps.end(),
                     [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    if (static_cast<int64_t>(hyps.size()) > options.nBest) hyps.resize(static_cast<size_t>(options.nBest));
  }
  return finished;
}

}  // namespace seq2seq
