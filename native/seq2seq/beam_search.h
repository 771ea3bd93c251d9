// Beam search over the encoder-decoder for a batch of sources, in plain libtorch (no Node-API).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <tuple>
#include <vector>

#include "seq2seq/batch.h"
#include "seq2seq/batched_step.h"
#include "seq2seq/parts.h"

namespace seq2seq {

class RowWeights;

struct BeamOptions {
  int64_t beam = 5;            // hypotheses kept per sentence
  int64_t nBest = 1;           // hypotheses returned per sentence (at most beam)
  double lengthPenalty = 1.0;  // scores are log-probability sums divided by length^lengthPenalty
  int64_t sos = 0;
  int64_t eos = 0;
};

struct Hypothesis {
  std::vector<int64_t> words;  // up to and with <eos> (without it when cut at the sentence's maxLength)
  double logProb = 0.0;        // summed log-probability of the words
  double score = 0.0;          // logProb / words.size()^lengthPenalty
};

// What beam search decodes with: one model (BeamSearch below) or the mean of an ensemble's (ensemble.h). The
// search keeps, for each sentence still searched, `group` consecutive rows: 1 at the first step (only the first
// hypothesis is live then), `beam` after.
class SearchModel {
 public:
  virtual ~SearchModel() = default;
  // The log-probabilities [A x group, V] of the next words after x [A x group] (A sentences still searched).
  virtual at::Tensor Step(const at::Tensor& x, int64_t group) = 0;
  // The k (at most V) best of Step's log-probabilities of each row and their words: TopRows of Step's, unless a
  // model has a faster way to them (an int8 model: InferenceDecoder::StepTop).
  virtual std::tuple<at::Tensor, at::Tensor> StepTop(const at::Tensor& x, int64_t group, int64_t k);
  // Row i of the next step continues row rows[i] of this one; `sentences`, when defined, are the positions (among
  // this step's A) of the sentences still searched: the others have left the batch.
  virtual void Select(const at::Tensor& rows, const at::Tensor& sentences) = 0;
};

// Beam search on `model` (see BeamSearch below), under InferenceMode.
std::vector<std::vector<Hypothesis>> SearchBeams(SearchModel& model, const Batch& batch, const BeamOptions& options);

// Each sentence's best `nBest` hypotheses, best first. At each step the beam's 2 x beam best continuations
// are ranked; an <eos> among the first `beam` of them ends a hypothesis, the others fill the beam. A sentence
// is done when `beam` hypotheses have ended or at its maxLength, where the live ones end as they stand.
// `rowWeights`: a decoding job's cache of one-row product weights, shared by its batches (inference_step.h).
std::vector<std::vector<Hypothesis>> BeamSearch(Seq2SeqParts& parts, const Batch& batch, const BeamOptions& options,
                                                RowWeights* rowWeights = nullptr);

// A SearchModel's Select, for one model's decoder state (rows) and encoder outputs (sentences).
void SelectStateRows(DecoderState& state, const at::Tensor& rows);
void SelectSentences(Encoded& encoded, const at::Tensor& sentences);

}  // namespace seq2seq
