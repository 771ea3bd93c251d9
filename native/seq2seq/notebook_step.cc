#include "seq2seq/notebook_step.h"

#include <ATen/ATen.h>

#include <string>

#include "seq2seq/batched_step.h"
#include "seq2seq/errors.h"

namespace seq2seq {

namespace {

void CheckIndices(const std::vector<int64_t>& indices, int64_t size, const char* what) {
  for (const int64_t i : indices) {
    if (i < 0 || i >= size) {
      throw RangeError(std::string(what) + " index " + std::to_string(i) + " is out of range for " +
                       std::to_string(size) + " embeddings");
    }
  }
}

}  // namespace

double NotebookStep(Seq2SeqParts& parts, const std::vector<int64_t>& source, const std::vector<int64_t>& target,
                    int64_t sos, int64_t eos, const c10::Device& device) {
  if (parts.attention.On() || parts.Bidirectional()) {
    throw TypeError("The fused step runs the notebook's model: no attention, no bidirectional encoder");
  }
  if (!parts.encoderOpt || !parts.decoderOpt) throw TypeError("Expected the parts with both optimizers");
  // Checked up front: an out-of-range index on CUDA is a device-side assert that ends the process.
  const int64_t targetWords = parts.decoderEmbedding->options.num_embeddings();
  CheckIndices(source, parts.encoderEmbedding->options.num_embeddings(), "source");
  CheckIndices(target, targetWords, "target");
  CheckIndices({sos, eos}, targetWords, "sos/eos");
  if (source.empty() || target.empty()) throw RangeError("Expected non-empty source and target sentences");

  // The sentence as a batch of one, so that the step is the batched free-running step (TrainBatch with
  // GuessedInputsLoss): the guessed inputs are found without autograd with the notebook's <eos> stop, then the
  // decoder runs over them as one sequence. The summed loss divided by one sentence is the notebook's loss.
  const auto longs = at::TensorOptions().dtype(at::kLong);
  const auto T = static_cast<int64_t>(target.size());
  Batch batch;
  batch.size = 1;
  batch.source = at::tensor(source, longs).view({-1, 1}).to(device);  // [srcLen, 1]
  batch.sourceLengths = at::full({1}, static_cast<int64_t>(source.size()), longs);
  batch.sameSourceLength = true;
  batch.target = at::tensor(target, longs).view({-1, 1}).to(device);  // [tgtLen, 1]
  batch.input =
      at::cat({at::full({1, 1}, sos, batch.target.options()), batch.target.narrow(0, 0, T - 1)});  // [tgtLen, 1]
  batch.scored = at::arange(T, batch.target.options());
  batch.tokens = T;
  TrainOptions options;
  options.teacherForcing = 0.0;
  options.perToken = false;
  options.eos = eos;
  return TrainBatch(parts, batch, options).sum.item<double>();
}

}  // namespace seq2seq
