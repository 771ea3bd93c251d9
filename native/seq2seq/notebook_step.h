// The fused notebook step: one call runs a whole sentence of the notebook's training loop (encode the reversed
// source, free-running greedy decoding with the <eos> stop, summed NLLLoss, backward, both Adam steps), with the
// same operations as the TypeScript mirror, so the same losses.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <vector>

#include "seq2seq/parts.h"

namespace seq2seq {

// One sentence pair of word indices (the source already reversed): the sentence's summed loss. The parts must
// hold both optimizers and be the notebook's model (no attention, unidirectional encoder).
double NotebookStep(Seq2SeqParts& parts, const std::vector<int64_t>& source, const std::vector<int64_t>& target,
                    int64_t sos, int64_t eos, const c10::Device& device);

}  // namespace seq2seq
