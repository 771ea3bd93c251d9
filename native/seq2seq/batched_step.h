// Batched training and decoding of the encoder-decoder in plain libtorch (no Node-API): what the background
// jobs run, and what scripts/reference/batched.py does in PyTorch, operation for operation.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

#include "distributed/process_group.h"
#include "seq2seq/batch.h"
#include "seq2seq/dropout.h"
#include "seq2seq/parts.h"

namespace seq2seq {

class RowWeights;

struct TrainOptions {
  // 1: every step is fed the reference token (one LSTM call over the whole target); 0: free-running like the
  // notebook, each sentence scored until it predicts <eos>; between: batch.teacher holds each step's coin.
  double teacherForcing = 1.0;
  double clip = 0.0;     // the largest gradient norm over all parameters; 0: no clipping
  bool perToken = true;  // the loss minimised is the summed NLL over scored tokens (else over sentences)
  int64_t eos = 0;
  // The loss minimised is torch.nn.functional.cross_entropy's with label_smoothing (0: the plain NLL).
  double labelSmoothing = 0.0;
  // OpenNMT-py's places: on the embeddings, between LSTM layers, on the decoder's output before the output layer.
  Dropout dropout;
  // Mixed precision (seq2seq/autocast.h): the dtype the forward's products run in (bf16, on the CPU or CUDA), the
  // weights and the optimizer staying in theirs; Undefined: none.
  at::ScalarType autocast = at::ScalarType::Undefined;
  // Data-parallel training: gradients of the summed loss are all-reduced with the token (or sentence) counts
  // and divided by the global count, so N workers with batch B make the updates of one worker with batch NB.
  std::shared_ptr<ProcessGroup> group;
};

// Summed loss (NLL, or the label-smoothed cross-entropy) over the scored tokens and their count, as 0-d tensors on the
// device (reading them syncs).
struct BatchLoss {
  at::Tensor sum;
  at::Tensor tokens;
};

// What the decoder reads of the encoder.
struct Encoded {
  at::Tensor h, c;  // [layers, B, hidden]: the decoder's initial state (a bidirectional encoder's [fwd; bwd])
  // With attention only: the outputs [B, S, hidden] (zero past each length), their projection for the scores
  // and the mask [B, S] (true at source words).
  at::Tensor memory, keys, mask;
};

// Sources are packed unless all have the same length, so padding never enters the encoder state. `dropout`
// (training only) drops the embeddings and each LSTM layer's output but the last.
Encoded Encode(Seq2SeqParts& parts, const Batch& batch, const Dropout* dropout = nullptr);

// The decoder's state between steps; `feed` is Luong input feeding's attentional state (undefined otherwise).
struct DecoderState {
  at::Tensor h, c, feed;
};

DecoderState InitialState(const Seq2SeqParts& parts, const Encoded& encoded);

// One decoder step for the words x [B]: the log-probabilities [B, V] of the next words; `weights`, when given,
// receives the attention weights [B, S] (attention models only). `dropout` (training only) drops the embedding,
// each LSTM layer's output but the last, and the features entering the output layer (with input feeding, the
// attentional state fed to the next step is the dropped one, as in OpenNMT-py).
at::Tensor DecoderStep(Seq2SeqParts& parts, const Encoded& encoded, const at::Tensor& x, DecoderState& state,
                       at::Tensor* weights = nullptr, const Dropout* dropout = nullptr);

// The decoder's loss on the batch from the encoder's output, with the graph for backward (with the options'
// label smoothing and dropout: validation passes options without them).
BatchLoss DecoderLoss(Seq2SeqParts& parts, const Batch& batch, const Encoded& encoded, const TrainOptions& options);

// Teacher-forced decoding of the batch without gradients: log-probabilities [T, B, V] and, with attention,
// the attention weights [T, B, S] (what the PyTorch reference computes step by step). An int8 model's run on
// InferenceDecoder, its decoding path, whose products are int8.
std::pair<at::Tensor, at::Tensor> ForcedDecode(Seq2SeqParts& parts, const Batch& batch);

// What a step in a process group exchanges beside the gradients.
struct GroupStep {
  bool stop = false;              // in: this worker wants to stop after this batch; out: some worker does
  double allReduceSeconds = 0.0;  // out: time spent in the all-reduce (waiting for peers included)
};

// One optimisation step: zero grads, forward, backward, optional clipping, both optimizers' steps. With a process
// group the workers agree through `step` to stop after the same batch, so that none waits for a stopped peer.
BatchLoss TrainBatch(Seq2SeqParts& parts, const Batch& batch, const TrainOptions& options, GroupStep* step = nullptr);

// N batches, one update: the gradients of their summed losses divided by their total count of target tokens (or
// sentences), so the update is that of one batch holding all of them (up to rounding); then clipping and both
// steps. Returns each batch's loss. With a process group, the accumulated gradients are all-reduced once.
std::vector<BatchLoss> TrainAccumulated(Seq2SeqParts& parts, const std::vector<const Batch*>& batches,
                                        const TrainOptions& options, GroupStep* step = nullptr);

// Sets the learning rate of both optimizers (every parameter group).
void SetLearningRate(Seq2SeqParts& parts, double lr);

// torch.nn.utils.clip_grad_norm_ (2-norm) as PyTorch computes it, without reading the norm back to the host.
void ClipGradNorm(const std::vector<at::Tensor>& params, double maxNorm);

// Greedy decoding of every source of the batch: each sentence's words up to and with <eos>, or maxLengths[b].
// With `attention` (attention models), also each sentence's attention weights, one row of S per word.
// `rowWeights`: a decoding job's cache of one-row product weights, shared by its batches (inference_step.h).
std::vector<std::vector<int64_t>> GreedyDecode(Seq2SeqParts& parts, const Batch& batch, int64_t sos, int64_t eos,
                                               std::vector<at::Tensor>* attention = nullptr,
                                               RowWeights* rowWeights = nullptr);

}  // namespace seq2seq
