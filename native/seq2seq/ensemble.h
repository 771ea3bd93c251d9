// Ensembles of encoder-decoders decoded together, in plain libtorch (no Node-API): each member encodes the batch
// and keeps its own decoder state; at each step the members' log-probabilities are averaged (their arithmetic
// mean) and greedy or beam search goes on from that mean, as if it came from one model.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "seq2seq/batch.h"
#include "seq2seq/batched_step.h"
#include "seq2seq/beam_search.h"
#include "seq2seq/parts.h"

namespace seq2seq {

// One member during decoding: its modules, what its encoder made of the batch, its decoder state.
struct EnsembleMember {
  Seq2SeqParts* parts = nullptr;
  Encoded encoded;
  DecoderState state;
};

// Encodes the batch with every member (each member's state starts from its own encoder).
std::vector<EnsembleMember> EncodeEnsemble(std::vector<Seq2SeqParts>& members, const Batch& batch);

// One step of every member for the words x [B]: the mean of their log-probabilities [B, V] (a single member's
// own, unchanged). Every member's state advances.
at::Tensor EnsembleStep(std::vector<EnsembleMember>& members, const at::Tensor& x);

// GreedyDecode (batched_step.h) over the members' mean log-probabilities.
std::vector<std::vector<int64_t>> EnsembleGreedyDecode(std::vector<Seq2SeqParts>& members, const Batch& batch,
                                                       int64_t sos, int64_t eos);

// BeamSearch (beam_search.h) over the members' mean log-probabilities: the same bookkeeping, the same results
// for an ensemble of one.
std::vector<std::vector<Hypothesis>> EnsembleBeamSearch(std::vector<Seq2SeqParts>& members, const Batch& batch,
                                                        const BeamOptions& options);

}  // namespace seq2seq
