// Ensembles of encoder-decoders decoded together, in plain libtorch (no Node-API): each member encodes the batch
// and keeps its own decoder state (on the inference decoder, inference_step.h); at each step the members'
// log-probabilities are averaged (their arithmetic mean) and greedy or beam search goes on from that mean, as if it
// came from one model.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "seq2seq/batch.h"
#include "seq2seq/batched_step.h"
#include "seq2seq/beam_search.h"
#include "seq2seq/parts.h"

namespace seq2seq {

// GreedyDecode (batched_step.h) over the members' mean log-probabilities.
std::vector<std::vector<int64_t>> EnsembleGreedyDecode(std::vector<Seq2SeqParts>& members, const Batch& batch,
                                                       int64_t sos, int64_t eos);

// BeamSearch (beam_search.h) over the members' mean log-probabilities: the same bookkeeping, the same results
// for an ensemble of one.
std::vector<std::vector<Hypothesis>> EnsembleBeamSearch(std::vector<Seq2SeqParts>& members, const Batch& batch,
                                                        const BeamOptions& options);

}  // namespace seq2seq
