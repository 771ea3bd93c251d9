#include "seq2seq/batched_step.h"

#include <ATen/core/grad_mode.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>

#include "kernels/adam_fused.h"
#include "kernels/lstm_cpu.h"
#include "kernels/optimizer_state.h"
#include "kernels/output_loss.h"
#include "seq2seq/autocast.h"
#include "seq2seq/inference_step.h"

namespace seq2seq {

namespace {

// The output layer's log-probabilities. Under mixed precision its product runs in bf16 and the log-softmax and
// the loss in the weights' dtype (float32), as fairseq and Megatron widen the logits (torch 1.13's autocast
// would run the log-softmax in bf16).
at::Tensor OutputLogProbs(Seq2SeqParts& parts, const at::Tensor& features) {
  return at::log_softmax(parts.decoderDense->forward(features).to(parts.decoderDense->weight.scalar_type()), 1);
}

}  // namespace

Encoded Encode(Seq2SeqParts& parts, const Batch& batch, const Dropout* dropout) {
  const at::Tensor embedded = ApplyDropout(parts.encoderEmbedding->forward(batch.source), dropout);  // [S, B, E]
  const auto& lstm = parts.encoderLstm->options;
  const int64_t directions = lstm.bidirectional() ? 2 : 1;
  const auto zeros = at::zeros({parts.Layers() * directions, batch.size, lstm.hidden_size()}, embedded.options());
  Encoded e;
  std::vector<int64_t> lengths;
  if (!batch.sameSourceLength) {
    const auto* l = batch.sourceLengths.data_ptr<int64_t>();
    lengths.assign(l, l + batch.size);
  }
  LstmOutput result = RunLstm(parts.encoderLstm, embedded, zeros, zeros, lengths, dropout);
  const at::Tensor out = result.output;
  e.h = result.h;
  e.c = result.c;
  if (directions == 2) {
    // [layers x 2, B, H/2] -> [layers, B, H]: each layer's forward and backward states side by side.
    const auto bridge = [&](const at::Tensor& x) {
      return x.view({parts.Layers(), 2, batch.size, -1}).transpose(1, 2).reshape({parts.Layers(), batch.size, -1});
    };
    e.h = bridge(e.h);
    e.c = bridge(e.c);
  }
  if (parts.attention.On()) {
    e.memory = out.transpose(0, 1).contiguous();  // [B, S, H]
    e.keys = AttentionKeys(parts.attention, e.memory);
    const auto lengths = batch.sourceLengths.to(batch.source.device());
    e.mask = at::arange(batch.source.size(0), batch.source.options()).unsqueeze(0) < lengths.unsqueeze(1);
  }
  return e;
}

DecoderState InitialState(const Seq2SeqParts& parts, const Encoded& encoded) {
  DecoderState state{encoded.h, encoded.c, at::Tensor()};
  if (parts.attention.inputFeed) state.feed = at::zeros({encoded.h.size(1), parts.Hidden()}, encoded.h.options());
  return state;
}

namespace {

// One decoder step up to the output layer: the features [B, F] it reads (DecoderStep's, dropped as it drops them).
at::Tensor DecoderFeatures(Seq2SeqParts& parts, const Encoded& encoded, const at::Tensor& x, DecoderState& state,
                           at::Tensor* weights, const Dropout* dropout) {
  AttentionParts& a = parts.attention;
  const int64_t B = x.size(0);
  const at::Tensor embedded = ApplyDropout(parts.decoderEmbedding->forward(x), dropout);  // [B, E]
  const auto lstm = [&](const at::Tensor& input) {
    LstmOutput step = RunLstm(parts.decoderLstm, input.view({1, B, -1}), state.h, state.c, {}, dropout);
    state.h = step.h;
    state.c = step.c;
    return step.output.squeeze(0);  // [B, H]
  };
  at::Tensor features;
  if (!a.On()) {
    features = ApplyDropout(lstm(embedded), dropout);
  } else if (a.kind == AttentionKind::Bahdanau) {
    // The previous top-layer state asks; the context joins the input word and the output layer's input.
    auto [context, w] = Attend(a, state.h.select(0, -1), encoded.memory, encoded.keys, encoded.mask);
    features = ApplyDropout(at::cat({lstm(at::cat({embedded, context}, 1)), context}, 1), dropout);
    if (weights) *weights = w;
  } else {
    // Luong: the new top-layer output asks; the attentional state feeds the output layer (and the next input).
    const at::Tensor out = lstm(a.inputFeed ? at::cat({embedded, state.feed}, 1) : embedded);
    auto [context, w] = Attend(a, out, encoded.memory, encoded.keys, encoded.mask);
    features = ApplyDropout(at::tanh(a.combine->forward(at::cat({context, out}, 1))), dropout);
    if (a.inputFeed) state.feed = features;
    if (weights) *weights = w;
  }
  return features;
}

}  // namespace

at::Tensor DecoderStep(Seq2SeqParts& parts, const Encoded& encoded, const at::Tensor& x, DecoderState& state,
                       at::Tensor* weights, const Dropout* dropout) {
  return OutputLogProbs(parts, DecoderFeatures(parts, encoded, x, state, weights, dropout));
}

namespace {

at::Tensor NllSum(const at::Tensor& logProbs, const at::Tensor& target) {
  return at::nll_loss(logProbs, target, {}, at::Reduction::Sum, kIgnoreIndex);
}

// torch.nn.functional.cross_entropy(logits, target, ignore_index=-100, reduction='sum', label_smoothing=e) from
// logProbs = log_softmax(logits), term for term as ATen computes it; e = 0: the plain NLL, as before.
at::Tensor LossSum(const at::Tensor& logProbs, const at::Tensor& target, double smoothing) {
  const at::Tensor nll = NllSum(logProbs, target);
  if (smoothing == 0.0) return nll;
  at::Tensor smooth = -logProbs.sum(1);
  smooth.masked_fill_(target == kIgnoreIndex, 0.0);
  return (1 - smoothing) * nll + smooth.sum() * (smoothing / static_cast<double>(logProbs.size(1)));
}

// The output layer's loss summed over rows of features: on the CPU in float32 as one fused node that holds one
// [rows x vocabulary] array instead of four (kernels/output_loss.h); under mixed precision and on other devices,
// ATen's ops as PyTorch composes them. The same loss and gradients within float rounding.
at::Tensor OutputLossSum(Seq2SeqParts& parts, const at::Tensor& features, const at::Tensor& target, double smoothing) {
  const auto& dense = parts.decoderDense;
  if (OutputLayerLossApplies(features, dense->weight) &&
      AutocastDtype(features.device()) == at::ScalarType::Undefined) {
    return OutputLayerLoss(features, dense->weight, dense->bias, target, smoothing, kIgnoreIndex);
  }
  return LossSum(OutputLogProbs(parts, features), target, smoothing);
}

// The notebook's decoder under teacher forcing: one LSTM call over all steps, and the output layer only where a
// token is scored.
// Dropout draws its masks over every step and sentence, padding included, as a PyTorch user's code does.
BatchLoss TeacherForcedLoss(Seq2SeqParts& parts, const Batch& batch, const at::Tensor& h, const at::Tensor& c,
                            const TrainOptions& options) {
  const Dropout* dropout = &options.dropout;
  const at::Tensor embedded = ApplyDropout(parts.decoderEmbedding->forward(batch.input), dropout);  // [T, B, E]
  const at::Tensor out = ApplyDropout(RunLstm(parts.decoderLstm, embedded, h, c, {}, dropout).output, dropout);
  const at::Tensor scored = out.view({-1, parts.Hidden()}).index_select(0, batch.scored);  // [tokens, H]
  const at::Tensor target = batch.target.view({-1}).index_select(0, batch.scored);
  return {OutputLossSum(parts, scored, target, options.labelSmoothing),
          at::scalar_tensor(static_cast<double>(batch.tokens), scored.options())};
}

// Step by step under teacher forcing (attention models: their inputs depend on the state): every step is fed the
// reference, so the output layer runs once, over the scored positions of all steps (one product instead of one per
// step, none for padding).
BatchLoss ForcedStepwiseLoss(Seq2SeqParts& parts, const Batch& batch, const Encoded& encoded,
                             const TrainOptions& options) {
  DecoderState state = InitialState(parts, encoded);
  std::vector<at::Tensor> features;
  for (int64_t t = 0; t < batch.target.size(0); ++t) {
    features.push_back(DecoderFeatures(parts, encoded, batch.input[t], state, nullptr, &options.dropout));
  }
  const at::Tensor all = at::stack(features);  // [T, B, F]
  const at::Tensor scored = all.view({-1, all.size(2)}).index_select(0, batch.scored);
  const at::Tensor target = batch.target.view({-1}).index_select(0, batch.scored);
  return {OutputLossSum(parts, scored, target, options.labelSmoothing),
          at::scalar_tensor(static_cast<double>(batch.tokens), scored.options())};
}

// Step by step with guesses (teacher forcing below 1): each step is fed the reference (teacher coin) or the previous
// guess. Free-running (ratio 0) scores each sentence until its first predicted <eos>, as the notebook does, and
// stops when none is left.
BatchLoss StepwiseLoss(Seq2SeqParts& parts, const Batch& batch, const Encoded& encoded, const TrainOptions& options) {
  const bool freeRunning = options.teacherForcing <= 0.0;
  const int64_t T = batch.target.size(0);
  const auto floats = encoded.h.options();
  at::Tensor sum = at::zeros({}, floats);
  at::Tensor tokens =
      freeRunning ? at::zeros({}, floats) : at::scalar_tensor(static_cast<double>(batch.tokens), floats);
  at::Tensor alive = at::ones({batch.size}, batch.target.options().dtype(at::kBool));
  DecoderState state = InitialState(parts, encoded);
  at::Tensor x = batch.input[0];  // [B]: <sos>
  for (int64_t t = 0; t < T; ++t) {
    const at::Tensor logProbs = DecoderStep(parts, encoded, x, state, nullptr, &options.dropout);
    at::Tensor target = batch.target[t];
    const at::Tensor guess = std::get<1>(logProbs.topk(1)).squeeze(1).detach();  // [B]
    if (freeRunning) {
      target = at::where(alive, target, at::full_like(target, kIgnoreIndex));
      tokens = tokens + target.ne(kIgnoreIndex).sum().to(floats.dtype());
      alive = alive.logical_and(guess.ne(options.eos));
    }
    sum = sum + LossSum(logProbs, target, options.labelSmoothing);
    if (t + 1 == T) break;
    // The notebook's stop needs the device's answer: a sync per step, in free-running mode only.
    if (freeRunning && !alive.logical_and(batch.target[t + 1].ne(kIgnoreIndex)).any().item<bool>()) break;
    x = !freeRunning && batch.teacher[t + 1] ? batch.input[t + 1] : guess;
  }
  return {sum, tokens};
}

// The notebook's decoder fed its own guesses (free-running, or teacher forcing below 1): the words fed at each
// step, references or detached guesses, are constants of the graph. So they are found step by step without
// autograd (with StepwiseLoss's stops and scoring), and the decoder then runs over them as one sequence with
// autograd, as under teacher forcing: the same loss and gradients, one backward pass per layer. Not with dropout:
// both passes would have to draw the same masks (DecoderLoss takes StepwiseLoss then).
BatchLoss GuessedInputsLoss(Seq2SeqParts& parts, const Batch& batch, const Encoded& encoded,
                            const TrainOptions& options) {
  const bool freeRunning = options.teacherForcing <= 0.0;
  const int64_t T = batch.target.size(0);
  const auto floats = encoded.h.options();
  std::vector<at::Tensor> inputs{batch.input[0]}, targets;
  // One sentence free-running (the fused notebook step): it is alive at every step it is scored, up to and with
  // its first <eos> guess, so reading the guess is the whole stop, without the batch's masks.
  const bool alone = freeRunning && batch.size == 1;
  {
    at::NoGradGuard noGrad;
    at::Tensor alive = at::ones({batch.size}, batch.target.options().dtype(at::kBool));
    DecoderState state = InitialState(parts, encoded);
    for (int64_t t = 0; t < T; ++t) {
      const at::Tensor guess = std::get<1>(DecoderStep(parts, encoded, inputs.back(), state).topk(1)).squeeze(1);
      at::Tensor target = batch.target[t];
      if (alone) {
        targets.push_back(target);
        // The notebook's stop: a sync per step, as there.
        if (t + 1 == T || guess.item<int64_t>() == options.eos) break;
        inputs.push_back(guess);
        continue;
      }
      if (freeRunning) {
        target = at::where(alive, target, at::full_like(target, kIgnoreIndex));
        alive = alive.logical_and(guess.ne(options.eos));
      }
      targets.push_back(target);
      if (t + 1 == T) break;
      // The notebook's stop needs the device's answer: a sync per step, in free-running mode only.
      if (freeRunning && !alive.logical_and(batch.target[t + 1].ne(kIgnoreIndex)).any().item<bool>()) break;
      inputs.push_back(!freeRunning && batch.teacher[t + 1] ? batch.input[t + 1] : guess);
    }
  }
  const auto steps = static_cast<int64_t>(inputs.size());
  const at::Tensor embedded = parts.decoderEmbedding->forward(at::stack(inputs));  // [steps, B, E]
  const at::Tensor out = RunLstm(parts.decoderLstm, embedded, encoded.h, encoded.c).output;
  const at::Tensor target = at::stack(targets).view({-1});
  if (alone && batch.tokens == T) {
    // Every step run is scored (no padding): the output layer takes the decoder's output as it is.
    return {OutputLossSum(parts, out.view({steps, -1}), target, options.labelSmoothing),
            at::scalar_tensor(static_cast<double>(steps), floats)};
  }
  // Under teacher forcing every step runs and the scored positions are the batch's; free-running scores what
  // was alive, which takes one more sync (it synced at every step anyway).
  const at::Tensor scored = freeRunning ? at::nonzero(target.ne(kIgnoreIndex)).squeeze(1) : batch.scored;
  const at::Tensor sum = OutputLossSum(parts, out.view({steps * batch.size, -1}).index_select(0, scored),
                                       target.index_select(0, scored), options.labelSmoothing);
  const double tokens = freeRunning ? static_cast<double>(scored.size(0)) : static_cast<double>(batch.tokens);
  return {sum, at::scalar_tensor(tokens, floats)};
}

}  // namespace

BatchLoss DecoderLoss(Seq2SeqParts& parts, const Batch& batch, const Encoded& encoded, const TrainOptions& options) {
  if (parts.attention.On()) {
    return options.teacherForcing >= 1.0 ? ForcedStepwiseLoss(parts, batch, encoded, options)
                                         : StepwiseLoss(parts, batch, encoded, options);
  }
  if (options.teacherForcing >= 1.0) return TeacherForcedLoss(parts, batch, encoded.h, encoded.c, options);
  if (options.dropout.On()) return StepwiseLoss(parts, batch, encoded, options);
  return GuessedInputsLoss(parts, batch, encoded, options);
}

std::pair<at::Tensor, at::Tensor> ForcedDecode(Seq2SeqParts& parts, const Batch& batch) {
  at::NoGradGuard noGrad;
  std::vector<at::Tensor> logProbs, weights;
  if (parts.encoderInt8 || parts.decoderInt8) {
    // An int8 model's products run on its int8 weights, as its decoding's do (the modules hold dequantized ones).
    InferenceDecoder decoder(parts, batch.size);
    const Encoded encoded = decoder.Encode(batch);
    DecoderState state = InitialState(parts, encoded);
    for (int64_t t = 0; t < batch.input.size(0); ++t) {
      at::Tensor w;
      logProbs.push_back(decoder.Step(encoded, batch.input[t], state, 1, &w));
      if (w.defined()) weights.push_back(w);
    }
    return {at::stack(logProbs), weights.empty() ? at::Tensor() : at::stack(weights)};
  }
  const Encoded encoded = Encode(parts, batch);
  DecoderState state = InitialState(parts, encoded);
  for (int64_t t = 0; t < batch.input.size(0); ++t) {
    at::Tensor w;
    logProbs.push_back(DecoderStep(parts, encoded, batch.input[t], state, &w));
    if (w.defined()) weights.push_back(w);
  }
  return {at::stack(logProbs), weights.empty() ? at::Tensor() : at::stack(weights)};
}

void ClipGradNorm(const std::vector<at::Tensor>& params, double maxNorm) {
  std::vector<at::Tensor> grads, norms;
  for (const auto& p : params) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  if (grads.empty()) return;
  for (const auto& g : grads) norms.push_back(at::norm(g.detach(), 2.0));
  const at::Tensor total = at::norm(at::stack(norms), 2.0);
  // PyTorch: clip_coef = max_norm / (total_norm + 1e-6), i.e. reciprocal() * max_norm, clamped to 1.
  const at::Tensor coef = at::clamp_max((total + 1e-6).reciprocal() * maxNorm, 1.0);
  for (auto& g : grads) g.detach().mul_(coef);
}

namespace {

// Sums every worker's gradients and counts in one all-reduce, then divides the gradients by the global count
// (of target tokens, or of sentences).
void AverageAcrossWorkers(Seq2SeqParts& parts, const at::Tensor& tokens, int64_t sentences, const TrainOptions& options,
                          GroupStep* step) {
  at::NoGradGuard noGrad;
  std::vector<at::Tensor> params = parts.Parameters();
  std::vector<at::Tensor> pieces;
  for (auto& p : params) {
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    pieces.push_back(p.grad().reshape({-1}));
  }
  const auto options1 = params.front().grad().options();
  pieces.push_back(tokens.detach().to(options1).reshape({1}));
  pieces.push_back(at::full({1}, static_cast<double>(sentences), options1));
  pieces.push_back(at::full({1}, step && step->stop ? 1.0 : 0.0, options1));
  std::vector<at::Tensor> flat{at::cat(pieces)};
  const auto started = std::chrono::steady_clock::now();
  options.group->AllReduceSum(flat);
  const int64_t n = flat[0].numel();
  if (step) {
    step->allReduceSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // Reading the stop flag syncs with the device; the all-reduce has just synced anyway.
    step->stop = flat[0][n - 1].item<double>() > 0.0;
  }
  const at::Tensor count = options.perToken ? flat[0][n - 3].clamp_min(1.0) : flat[0][n - 2];
  int64_t at = 0;
  for (auto& p : params) {
    p.mutable_grad().copy_(flat[0].narrow(0, at, p.numel()).view_as(p) / count);
    at += p.numel();
  }
}

// Adam through the fused kernel (the same update as libtorch's), any other optimizer (SGD) through its own step.
void OptimizerStep(torch::optim::Optimizer& optimizer) {
  if (auto* adam = dynamic_cast<torch::optim::Adam*>(&optimizer)) {
    FusedAdamStep(*adam);
  } else {
    optimizer.step();
  }
}

// Clipping and both optimizers' steps, once the gradients are those of the update's objective.
void ClipAndStep(Seq2SeqParts& parts, const TrainOptions& options) {
  if (options.clip > 0.0) ClipGradNorm(parts.Parameters(), options.clip);
  OptimizerStep(*parts.encoderOpt);
  OptimizerStep(*parts.decoderOpt);
}

}  // namespace

void SetLearningRate(Seq2SeqParts& parts, double lr) {
  for (torch::optim::Optimizer* optimizer : {parts.encoderOpt, parts.decoderOpt}) {
    for (auto& group : optimizer->param_groups()) group.options().set_lr(lr);
  }
}

namespace {

// The batch's loss with the graph for backward: the forward, under the options' mixed precision.
BatchLoss ForwardLoss(Seq2SeqParts& parts, const Batch& batch, const TrainOptions& options) {
  AutocastGuard autocast(options.autocast, batch.source.device());
  return DecoderLoss(parts, batch, Encode(parts, batch, &options.dropout), options);
}

}  // namespace

BatchLoss TrainBatch(Seq2SeqParts& parts, const Batch& batch, const TrainOptions& options, GroupStep* step) {
  ClearGrads(*parts.encoderOpt, true);
  ClearGrads(*parts.decoderOpt, true);
  BatchLoss loss = ForwardLoss(parts, batch, options);
  if (options.group) {
    loss.sum.backward();
    AverageAcrossWorkers(parts, loss.tokens, batch.size, options, step);
  } else {
    // A sentence's summed loss is its own objective (the fused notebook step): no division by one.
    const at::Tensor objective = options.perToken  ? loss.sum / loss.tokens.clamp_min(1.0)
                                 : batch.size == 1 ? loss.sum
                                                   : loss.sum / static_cast<double>(batch.size);
    objective.backward();
  }
  ClipAndStep(parts, options);
  return {loss.sum.detach(), loss.tokens};
}

std::vector<BatchLoss> TrainAccumulated(Seq2SeqParts& parts, const std::vector<const Batch*>& batches,
                                        const TrainOptions& options, GroupStep* step) {
  ClearGrads(*parts.encoderOpt, true);
  ClearGrads(*parts.decoderOpt, true);
  std::vector<BatchLoss> losses;
  at::Tensor tokens;
  int64_t sentences = 0;
  // Backward of each summed loss adds to the gradients: after the last batch they are the gradients of the sum
  // over all of them, which is then divided by the whole count as one large batch's objective would be.
  for (const Batch* batch : batches) {
    BatchLoss loss = ForwardLoss(parts, *batch, options);
    loss.sum.backward();
    tokens = tokens.defined() ? tokens + loss.tokens : loss.tokens;
    sentences += batch->size;
    losses.push_back({loss.sum.detach(), loss.tokens});
  }
  if (options.group) {
    AverageAcrossWorkers(parts, tokens, sentences, options, step);
  } else {
    at::NoGradGuard noGrad;
    const at::Tensor count =
        options.perToken ? tokens.clamp_min(1.0) : at::full({}, static_cast<double>(sentences), tokens.options());
    for (const auto& p : parts.Parameters()) {
      if (p.grad().defined()) p.grad().div_(count.to(p.grad().options()));
    }
  }
  ClipAndStep(parts, options);
  return losses;
}

std::vector<std::vector<int64_t>> GreedyDecode(Seq2SeqParts& parts, const Batch& batch, int64_t sos, int64_t eos,
                                               std::vector<at::Tensor>* attention, RowWeights* rowWeights) {
  // Decoding needs no autograd: inference tensors skip its version counters and views' bookkeeping too.
  c10::InferenceMode inference;
  InferenceDecoder decoder(parts, batch.size, rowWeights);
  Encoded encoded = decoder.Encode(batch);
  DecoderState state = InitialState(parts, encoded);
  int64_t longest = 0;
  for (const int64_t n : batch.maxLengths) longest = std::max(longest, n);
  const auto longs = batch.source.options();
  const bool keepWeights = attention && parts.attention.On();
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(batch.size));
  // rows[i]: the sentence of the step's row i. A sentence that has ended (<eos> or its maxLength) leaves the batch,
  // with its state and encoder outputs: later steps, the output layer included, run on the live rows only.
  std::vector<int64_t> rows(static_cast<size_t>(batch.size));
  for (int64_t b = 0; b < batch.size; ++b) rows[static_cast<size_t>(b)] = b;
  std::vector<std::pair<at::Tensor, std::vector<int64_t>>> steps;  // with keepWeights: each step's [rows, S], rows
  at::Tensor x = at::full({batch.size}, sos, longs);
  for (int64_t t = 0; t < longest; ++t) {
    at::Tensor w;
    const at::Tensor next =
        std::get<1>(decoder.StepTop(encoded, x, state, 1, 1, keepWeights ? &w : nullptr)).squeeze(1);
    // Which rows go on needs the words on the host: one sync per step, as the stop always took.
    const at::Tensor words = next.to(at::kCPU).contiguous();
    const int64_t* word = words.data_ptr<int64_t>();
    if (keepWeights) steps.emplace_back(w.to(at::kCPU, at::kFloat).contiguous(), rows);
    std::vector<int64_t> keep;
    for (size_t i = 0; i < rows.size(); ++i) {
      const int64_t b = rows[i];
      out[static_cast<size_t>(b)].push_back(word[i]);
      if (word[i] != eos && t + 1 < batch.maxLengths[static_cast<size_t>(b)]) keep.push_back(static_cast<int64_t>(i));
    }
    if (keep.empty()) break;
    if (keep.size() == rows.size()) {
      x = next;
      continue;
    }
    const at::Tensor gather = at::tensor(keep, at::TensorOptions().dtype(at::kLong)).to(longs.device());
    x = next.index_select(0, gather);
    state.h = state.h.index_select(1, gather);
    state.c = state.c.index_select(1, gather);
    if (state.feed.defined()) state.feed = state.feed.index_select(0, gather);
    if (encoded.memory.defined()) {
      encoded.memory = encoded.memory.index_select(0, gather);
      encoded.keys = encoded.keys.index_select(0, gather);
      encoded.mask = encoded.mask.index_select(0, gather);
    }
    std::vector<int64_t> live;
    for (const int64_t i : keep) live.push_back(rows[static_cast<size_t>(i)]);
    rows = std::move(live);
  }
  if (keepWeights) {
    // Each sentence's rows: one per word produced, over its own source positions.
    const auto* lengths = batch.sourceLengths.data_ptr<int64_t>();
    const int64_t S = batch.source.size(0);
    attention->clear();
    for (int64_t b = 0; b < batch.size; ++b) {
      attention->push_back(at::empty({static_cast<int64_t>(out[static_cast<size_t>(b)].size()), lengths[b]},
                                     at::TensorOptions().dtype(at::kFloat)));
    }
    for (size_t t = 0; t < steps.size(); ++t) {
      const float* w = steps[t].first.data_ptr<float>();
      const auto& stepRows = steps[t].second;
      for (size_t i = 0; i < stepRows.size(); ++i) {
        const int64_t b = stepRows[i];
        float* row = (*attention)[static_cast<size_t>(b)].data_ptr<float>() + static_cast<int64_t>(t) * lengths[b];
        std::copy_n(w + static_cast<int64_t>(i) * S, lengths[b], row);
      }
    }
  }
  return out;
}

}  // namespace seq2seq
