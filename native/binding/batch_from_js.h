// Batches from their JS form (typed arrays), checked and copied to the device on the JS thread.
#pragma once

#include <c10/core/Device.h>
#include <napi.h>

#include <vector>

#include "seq2seq/batch.h"
#include "seq2seq/beam_search.h"

namespace seq2seq {

// batch: { source: Int32Array [S*B], sourceLengths: Int32Array [B], target: Int32Array [T*B], teacher?: Uint8Array [T]
// } (row-major [step][sentence]), or for decoding { source, sourceLengths, maxLengths: Int32Array [B] }. Every index is
// checked against the vocabularies (on CUDA an out-of-range index is a device-side assert that ends the process), then
// copied to `device`.
Batch BatchFromJS(const Napi::Value& value, const Vocabularies& vocab, const c10::Device& device);

// The same for an array of batches.
std::vector<Batch> BatchesFromJS(const Napi::Value& value, const Vocabularies& vocab, const c10::Device& device);

// Beam search's result for JS, per batch, sentence and rank: { words: number[], logProb, score }.
Napi::Array HypothesesToJS(Napi::Env env, const std::vector<std::vector<std::vector<Hypothesis>>>& hypotheses);

}  // namespace seq2seq
