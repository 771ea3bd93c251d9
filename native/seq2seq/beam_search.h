// Beam search over the encoder-decoder for a batch of sources, in plain libtorch (no Node-API).
#pragma once

#include <cstdint>
#include <vector>

#include "seq2seq/batch.h"
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

// Each sentence's best `nBest` hypotheses, best first. At each step the beam's 2 x beam best continuations
// are ranked; an <eos> among the first `beam` of them ends a hypothesis, the others fill the beam. A sentence
// is done when `beam` hypotheses have ended or at its maxLength, where the live ones end as they stand.
// `rowWeights`: a decoding job's cache of one-row product weights, shared by its batches (inference_step.h).
std::vector<std::vector<Hypothesis>> BeamSearch(Seq2SeqParts& parts, const Batch& batch, const BeamOptions& options,
                                                RowWeights* rowWeights = nullptr);

}  // namespace seq2seq
