// Batched training and decoding of the encoder-decoder in plain libtorch (no Node-API): what the background
// jobs run, and what scripts/reference/batched.py does in PyTorch, operation for operation.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "batch.h"
#include "parts.h"
#include "process_group.h"

namespace seq2seq {

struct TrainOptions {
  // 1: every step is fed the reference token (one LSTM call over the whole target); 0: free-running like the
  // notebook, each sentence scored until it predicts <eos>; between: batch.teacher holds each step's coin.
  double teacherForcing = 1.0;
  double clip = 0.0;     // the largest gradient norm over all parameters; 0: no clipping
  bool perToken = true;  // the loss minimised is the summed NLL over scored tokens (else over sentences)
  int64_t eos = 0;
  // Data-parallel training: gradients of the summed loss are all-reduced with the token (or sentence) counts
  // and divided by the global count, so N workers with batch B make the updates of one worker with batch NB.
  std::shared_ptr<ProcessGroup> group;
};

// Summed NLL over the scored tokens and their count, as 0-d tensors on the device (reading them syncs).
struct BatchLoss {
  at::Tensor sum;
  at::Tensor tokens;
};

// The encoder's final (h, c), [layers, B, hidden] each; sources are packed unless all have the same length.
std::tuple<at::Tensor, at::Tensor> Encode(Seq2SeqParts& parts, const Batch& batch);

// The decoder's loss on the batch from the encoder's state, with the graph for backward.
BatchLoss DecoderLoss(Seq2SeqParts& parts, const Batch& batch, at::Tensor h, at::Tensor c, const TrainOptions& options);

// What a step in a process group exchanges beside the gradients.
struct GroupStep {
  bool stop = false;              // in: this worker wants to stop after this batch; out: some worker does
  double allReduceSeconds = 0.0;  // out: time spent in the all-reduce (waiting for peers included)
};

// One optimisation step: zero grads, forward, backward, optional clipping, both Adam steps. With a process
// group the workers agree through `step` to stop after the same batch, so that none waits for a stopped peer.
BatchLoss TrainBatch(Seq2SeqParts& parts, const Batch& batch, const TrainOptions& options, GroupStep* step = nullptr);

// torch.nn.utils.clip_grad_norm_ (2-norm) as PyTorch computes it, without reading the norm back to the host.
void ClipGradNorm(const std::vector<at::Tensor>& params, double maxNorm);

// Greedy decoding of every source of the batch: each sentence's words up to and with <eos>, or maxLengths[b].
std::vector<std::vector<int64_t>> GreedyDecode(Seq2SeqParts& parts, const Batch& batch, int64_t sos, int64_t eos);

}  // namespace seq2seq
