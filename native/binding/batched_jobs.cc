// The batched paths as background jobs returning { promise, cancel }:
//   trainEpoch(parts, batches, options, onProgress?)  -> { losses: Float64Array, tokens: Float64Array, completed,
//                                                          allReduceSeconds, batchSeconds: Float64Array }
//     options.accumulate: batches per update (default 1); options.lrs: each update's learning rate (default: the
//     optimizers' own); batchSeconds: when each batch's update had been queued, from the job's start
//   evaluateBatches(parts, batches, options)          -> { losses, tokens }   (teacher-forced, no gradients)
//   translateBatches(parts, batches, options)         -> number[][][]          (greedy, per batch per sentence)
//     with options.withAttention: { words: number[][][], attention: Float32Array[][] } ([words x source length])
//   forceDecode(parts, batches, options)              -> { logProbs: Float64Array [T*B*V], attention?: Float64Array
//                                                          [T*B*S], steps, size, vocab, sourceSteps }[]
//   beamBatches(parts, batches, options)              -> {words, logProb, score}[][][]  (n-best per sentence)
// options: { device, sos, eos, teacherForcing?, clip?, perToken?, labelSmoothing?, dropout?, dropoutSeed?,
//            precision? } (dropout: with dropoutSeed, which seeds the job's own generator of the masks; precision:
//            'fp32' or 'bf16', the products of the training forward, seq2seq/autocast.h)
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "binding/addon.h"
#include "binding/background_job.h"
#include "binding/batch_from_js.h"
#include "binding/convert.h"
#include "binding/distributed.h"
#include "binding/errors.h"
#include "binding/parts_from_js.h"
#include "binding/wrap.h"
#include "kernels/cpu_features.h"
#include "seq2seq/batched_step.h"
#include "seq2seq/beam_search.h"
#include "seq2seq/inference_step.h"

namespace seq2seq {

namespace {

struct JobInput {
  Seq2SeqParts parts;
  std::vector<Batch> batches;
  TrainOptions train;
  int64_t sos = 0;
};

// 'fp32': none; 'bf16': bf16 products, where the device runs them natively.
at::ScalarType ToPrecision(Napi::Env env, const Napi::Value& value, const c10::Device& device) {
  const std::string name = ToString(value, "precision");
  if (name == "fp32") return at::ScalarType::Undefined;
  if (name == "bf16") {
    if (device.is_cpu() && !CpuBf16Support().Any()) {
      ThrowRange(env,
                 "precision bf16 needs a CPU with AVX-512 BF16 or AMX (this one has neither; oneDNN would emulate "
                 "bf16 more slowly than float32): use fp32");
    }
    return at::kBFloat16;
  }
  if (name == "fp16") {
    ThrowRange(env,
               "precision fp16 needs loss scaling, which seq2seq-node does not have: use bf16 (CPUs with AVX-512 "
               "BF16 or AMX, CUDA GPUs from Ampere on)");
  }
  ThrowRange(env, "precision must be fp32 or bf16, got " + name);
}

JobInput ReadInput(const Napi::CallbackInfo& info, bool withOptimizers, std::vector<Napi::ObjectReference>* keepAlive) {
  const Napi::Env env = info.Env();
  JobInput in;
  in.parts = PartsFrom(info[0], withOptimizers, keepAlive);
  const Napi::Value opts = info[2];
  if (!opts.IsObject()) ThrowType(env, "Expected an options object");
  const c10::Device device = ToDevice(Option(opts, "device"));
  const int64_t targetWords = in.parts.decoderEmbedding->options.num_embeddings();
  in.sos = ToInt(Option(opts, "sos"), "sos");
  in.train.eos = ToInt(Option(opts, "eos"), "eos");
  if (in.sos < 0 || in.sos >= targetWords || in.train.eos < 0 || in.train.eos >= targetWords) {
    ThrowRange(env, "sos/eos index out of range for " + std::to_string(targetWords) + " target words");
  }
  if (auto v = Option(opts, "teacherForcing"); !v.IsUndefined()) {
    in.train.teacherForcing = ToDouble(v, "teacherForcing");
    if (!(in.train.teacherForcing >= 0.0 && in.train.teacherForcing <= 1.0)) {
      ThrowRange(env, "teacherForcing must be between 0 and 1");
    }
  }
  if (auto v = Option(opts, "clip"); !v.IsUndefined()) {
    in.train.clip = ToDouble(v, "clip");
    if (!(in.train.clip >= 0.0)) ThrowRange(env, "clip must be 0 (off) or positive");
  }
  if (auto v = Option(opts, "perToken"); !v.IsUndefined()) in.train.perToken = ToBool(v, "perToken");
  if (auto v = Option(opts, "labelSmoothing"); !v.IsUndefined()) {
    in.train.labelSmoothing = ToDouble(v, "labelSmoothing");
    if (!(in.train.labelSmoothing >= 0.0 && in.train.labelSmoothing < 1.0)) {
      ThrowRange(env, "labelSmoothing must be at least 0 and below 1");
    }
  }
  if (auto v = Option(opts, "dropout"); !v.IsUndefined()) {
    const double p = ToDouble(v, "dropout");
    if (!(p >= 0.0 && p < 1.0)) ThrowRange(env, "dropout must be at least 0 and below 1");
    const int64_t seed = ToInt(Option(opts, "dropoutSeed"), "dropoutSeed");
    if (seed < 0) ThrowRange(env, "dropoutSeed must be a non-negative integer");
    if (p > 0.0) in.train.dropout = Dropout{p, NewGenerator(device, static_cast<uint64_t>(seed))};
  }
  if (auto v = Option(opts, "precision"); !v.IsUndefined()) {
    in.train.autocast = ToPrecision(env, v, device);
  }
  if (auto v = Option(opts, "group"); !v.IsUndefined() && !v.IsNull()) {
    in.train.group = ProcessGroupWrap::From(v, "options.group (a process group)");
    if (keepAlive) keepAlive->push_back(Napi::Persistent(v.As<Napi::Object>()));
  }
  const Vocabularies vocab{in.parts.encoderEmbedding->options.num_embeddings(), targetWords, in.sos};
  in.batches = BatchesFromJS(info[1], vocab, device);
  return in;
}

Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<at::Tensor>& scalars) {
  auto out = Napi::Float64Array::New(env, scalars.size());
  if (scalars.empty()) return out;
  const at::Tensor values = at::stack(scalars).to(at::kCPU, at::kDouble).contiguous();
  for (size_t i = 0; i < scalars.size(); ++i) out[i] = values.data_ptr<double>()[i];
  return out;
}

class TrainEpochJob : public BackgroundJob {
 public:
  explicit TrainEpochJob(const Napi::CallbackInfo& info) : in_(ReadInput(info, true, &keepAlive_)) {
    const Napi::Env env = info.Env();
    const Napi::Value opts = info[2];
    if (auto v = Option(opts, "accumulate"); !v.IsUndefined()) {
      accumulate_ = ToInt(v, "accumulate");
      if (accumulate_ < 1 || accumulate_ > 1'000'000) ThrowRange(env, "accumulate must be from 1 to 1000000");
    }
    if (auto v = Option(opts, "lrs"); !v.IsUndefined()) {
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
        ThrowType(env, "Expected options.lrs to be a Float64Array");
      }
      const auto array = v.As<Napi::Float64Array>();
      lrs_.assign(array.Data(), array.Data() + array.ElementLength());
      const size_t updates = (in_.batches.size() + accumulate_ - 1) / accumulate_;
      if (lrs_.size() != updates) {
        ThrowRange(env, "Expected one learning rate per update: " + std::to_string(updates) + ", got " +
                            std::to_string(lrs_.size()));
      }
      for (const double lr : lrs_) {
        if (!(lr >= 0.0) || !std::isfinite(lr)) ThrowRange(env, "Expected learning rates of at least 0");
      }
    }
  }

 protected:
  bool Writes() const override { return true; }

  void Execute() override {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    auto lastReport = started;
    int64_t sentences = 0;
    at::Tensor totalLoss, totalTokens;
    // Alone, a cancel stops before the next update; in a group, the workers agree in each update's all-reduce
    // to stop after the same one, so that none waits for a peer that has stopped.
    const bool grouped = static_cast<bool>(in_.train.group);
    const size_t n = in_.batches.size();
    const auto accumulate = static_cast<size_t>(accumulate_);
    GroupStep step;
    for (size_t first = 0; first < n && !step.stop && (grouped || !Cancelled()); first += accumulate) {
      const size_t end = std::min(n, first + accumulate);
      if (!lrs_.empty()) SetLearningRate(in_.parts, lrs_[first / accumulate]);
      step.stop = grouped && Cancelled();
      std::vector<BatchLoss> losses;
      if (accumulate == 1) {
        losses.push_back(TrainBatch(in_.parts, in_.batches[first], in_.train, grouped ? &step : nullptr));
      } else {
        std::vector<const Batch*> batches;
        for (size_t i = first; i < end; ++i) batches.push_back(&in_.batches[i]);
        losses = TrainAccumulated(in_.parts, batches, in_.train, grouped ? &step : nullptr);
      }
      allReduceSeconds_ += step.allReduceSeconds;
      // Without a sync, on CUDA this is when the update was queued: exact over an epoch, rough per batch.
      const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
      for (size_t k = 0; k < losses.size(); ++k) {
        const BatchLoss& loss = losses[k];
        const size_t i = first + k;
        losses_.push_back(loss.sum);
        tokens_.push_back(loss.tokens);
        batchSeconds_.push_back(seconds);
        totalLoss = i == 0 ? loss.sum : totalLoss + loss.sum;
        totalTokens = i == 0 ? loss.tokens : totalTokens + loss.tokens;
        sentences += in_.batches[i].size;
      }
      const bool last = end == n;
      if (last || Clock::now() - lastReport > std::chrono::milliseconds(100)) {
        lastReport = Clock::now();
        // Reading the running loss syncs with the device: at most ten times a second.
        const double meanLoss = (totalLoss / totalTokens.clamp_min(1.0)).item<double>();
        const double done = static_cast<double>(end), total = static_cast<double>(n);
        const double sentencesDone = static_cast<double>(sentences);
        Report([=](Napi::Env env) {
          auto p = Napi::Object::New(env);
          p.Set("batch", done);
          p.Set("batches", total);
          p.Set("sentences", sentencesDone);
          p.Set("loss", meanLoss);
          return p;
        });
      }
    }
  }

  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Object::New(env);
    out.Set("losses", ToFloat64Array(env, losses_));
    out.Set("tokens", ToFloat64Array(env, tokens_));
    out.Set("completed", static_cast<double>(losses_.size()));
    out.Set("allReduceSeconds", allReduceSeconds_);
    auto seconds = Napi::Float64Array::New(env, batchSeconds_.size());
    std::copy(batchSeconds_.begin(), batchSeconds_.end(), seconds.Data());
    out.Set("batchSeconds", seconds);
    return out;
  }

 private:
  JobInput in_;
  int64_t accumulate_ = 1;
  std::vector<double> lrs_;  // empty: the optimizers keep their own rate
  std::vector<at::Tensor> losses_, tokens_;
  std::vector<double> batchSeconds_;
  double allReduceSeconds_ = 0.0;
};

class EvaluateJob : public BackgroundJob {
 public:
  explicit EvaluateJob(const Napi::CallbackInfo& info) : in_(ReadInput(info, false, &keepAlive_)) {
    // The held-out loss is the plain NLL of the whole model, whatever the training's regularisation.
    in_.train.teacherForcing = 1.0;
    in_.train.labelSmoothing = 0.0;
    in_.train.dropout = Dropout{};
    in_.train.autocast = at::ScalarType::Undefined;
  }

 protected:
  void Execute() override {
    at::NoGradGuard noGrad;  // grad mode is per thread: set here, on the job's thread
    for (const Batch& batch : in_.batches) {
      if (Cancelled()) break;
      BatchLoss loss = DecoderLoss(in_.parts, batch, Encode(in_.parts, batch), in_.train);
      losses_.push_back(loss.sum);
      tokens_.push_back(loss.tokens);
    }
  }

  Napi::Value Result(Napi::Env env) override {
    auto out = Napi::Object::New(env);
    out.Set("losses", ToFloat64Array(env, losses_));
    out.Set("tokens", ToFloat64Array(env, tokens_));
    return out;
  }

 private:
  JobInput in_;
  std::vector<at::Tensor> losses_, tokens_;
};

class TranslateJob : public BackgroundJob {
 public:
  explicit TranslateJob(const Napi::CallbackInfo& info) : in_(ReadInput(info, false, &keepAlive_)) {
    for (const Batch& batch : in_.batches) {
      if (batch.maxLengths.empty()) ThrowType(info.Env(), "Expected each batch to give maxLengths");
    }
    if (auto v = Option(info[2], "withAttention"); !v.IsUndefined()) withAttention_ = ToBool(v, "withAttention");
  }

 protected:
  void Execute() override {
    for (const Batch& batch : in_.batches) {
      if (Cancelled()) break;
      attention_.emplace_back();
      words_.push_back(GreedyDecode(in_.parts, batch, in_.sos, in_.train.eos,
                                    withAttention_ ? &attention_.back() : nullptr, &rowWeights_));
    }
  }

  Napi::Value Result(Napi::Env env) override {
    if (!withAttention_) return Words(env);
    auto attention = Napi::Array::New(env, attention_.size());
    for (uint32_t i = 0; i < attention_.size(); ++i) {
      auto batch = Napi::Array::New(env, attention_[i].size());
      for (uint32_t b = 0; b < attention_[i].size(); ++b) {
        const at::Tensor& w = attention_[i][b];
        auto rows = Napi::Float32Array::New(env, static_cast<size_t>(w.numel()));
        std::copy_n(w.data_ptr<float>(), w.numel(), rows.Data());
        batch.Set(b, rows);
      }
      attention.Set(i, batch);
    }
    auto out = Napi::Object::New(env);
    out.Set("words", Words(env));
    out.Set("attention", attention);
    return out;
  }

 private:
  Napi::Array Words(Napi::Env env) {
    auto out = Napi::Array::New(env, words_.size());
    for (uint32_t i = 0; i < words_.size(); ++i) {
      auto batch = Napi::Array::New(env, words_[i].size());
      for (uint32_t b = 0; b < words_[i].size(); ++b) {
        auto sentence = Napi::Array::New(env, words_[i][b].size());
        for (uint32_t t = 0; t < words_[i][b].size(); ++t) sentence.Set(t, static_cast<double>(words_[i][b][t]));
        batch.Set(b, sentence);
      }
      out.Set(i, batch);
    }
    return out;
  }

  JobInput in_;
  RowWeights rowWeights_;  // checked and transposed once for all batches
  bool withAttention_ = false;
  std::vector<std::vector<std::vector<int64_t>>> words_;
  std::vector<std::vector<at::Tensor>> attention_;  // per batch, per sentence [words, source length]
};

class ForceDecodeJob : public BackgroundJob {
 public:
  explicit ForceDecodeJob(const Napi::CallbackInfo& info) : in_(ReadInput(info, false, &keepAlive_)) {}

 protected:
  void Execute() override {
    for (const Batch& batch : in_.batches) {
      if (Cancelled()) break;
      auto [logProbs, weights] = ForcedDecode(in_.parts, batch);
      results_.push_back({logProbs.to(at::kCPU, at::kDouble).contiguous(),
                          weights.defined() ? weights.to(at::kCPU, at::kDouble).contiguous() : at::Tensor()});
    }
  }

  Napi::Value Result(Napi::Env env) override {
    const auto copy = [env](const at::Tensor& t) {
      auto array = Napi::Float64Array::New(env, static_cast<size_t>(t.numel()));
      std::copy_n(t.data_ptr<double>(), t.numel(), array.Data());
      return array;
    };
    auto out = Napi::Array::New(env, results_.size());
    for (uint32_t i = 0; i < results_.size(); ++i) {
      const auto& [logProbs, weights] = results_[i];
      auto r = Napi::Object::New(env);
      r.Set("logProbs", copy(logProbs));
      r.Set("steps", static_cast<double>(logProbs.size(0)));
      r.Set("size", static_cast<double>(logProbs.size(1)));
      r.Set("vocab", static_cast<double>(logProbs.size(2)));
      if (weights.defined()) {
        r.Set("attention", copy(weights));
        r.Set("sourceSteps", static_cast<double>(weights.size(2)));
      }
      out.Set(i, r);
    }
    return out;
  }

 private:
  JobInput in_;
  std::vector<std::pair<at::Tensor, at::Tensor>> results_;
};

class BeamJob : public BackgroundJob {
 public:
  explicit BeamJob(const Napi::CallbackInfo& info) : in_(ReadInput(info, false, &keepAlive_)) {
    const Napi::Env env = info.Env();
    for (const Batch& batch : in_.batches) {
      if (batch.maxLengths.empty()) ThrowType(env, "Expected each batch to give maxLengths");
    }
    const Napi::Value opts = info[2];
    options_.sos = in_.sos;
    options_.eos = in_.train.eos;
    options_.beam = ToInt(Option(opts, "beam"), "beam");
    if (options_.beam < 1 || options_.beam > 1024) ThrowRange(env, "beam must be from 1 to 1024");
    if (auto v = Option(opts, "nBest"); !v.IsUndefined()) options_.nBest = ToInt(v, "nBest");
    if (options_.nBest < 1 || options_.nBest > options_.beam) ThrowRange(env, "nBest must be from 1 to beam");
    if (auto v = Option(opts, "lengthPenalty"); !v.IsUndefined()) {
      options_.lengthPenalty = ToDouble(v, "lengthPenalty");
      if (!std::isfinite(options_.lengthPenalty)) ThrowRange(env, "lengthPenalty must be a finite number");
    }
  }

 protected:
  void Execute() override {
    for (const Batch& batch : in_.batches) {
      if (Cancelled()) break;
      hypotheses_.push_back(BeamSearch(in_.parts, batch, options_, &rowWeights_));
    }
  }

  Napi::Value Result(Napi::Env env) override { return HypothesesToJS(env, hypotheses_); }

 private:
  JobInput in_;
  RowWeights rowWeights_;  // checked and transposed once for all batches
  BeamOptions options_;
  std::vector<std::vector<std::vector<Hypothesis>>> hypotheses_;
};

template <typename Job>
Napi::Value StartJob(const Napi::CallbackInfo& info, const char* name) {
  return BackgroundJob::Start(info.Env(), std::make_unique<Job>(info), info[3], name);
}

Napi::Value TrainEpoch(const Napi::CallbackInfo& info) { return StartJob<TrainEpochJob>(info, "seq2seq.trainEpoch"); }
Napi::Value EvaluateBatches(const Napi::CallbackInfo& info) {
  return StartJob<EvaluateJob>(info, "seq2seq.evaluateBatches");
}
Napi::Value TranslateBatches(const Napi::CallbackInfo& info) {
  return StartJob<TranslateJob>(info, "seq2seq.translateBatches");
}
Napi::Value BeamBatches(const Napi::CallbackInfo& info) { return StartJob<BeamJob>(info, "seq2seq.beamBatches"); }
Napi::Value ForceDecode(const Napi::CallbackInfo& info) {
  return StartJob<ForceDecodeJob>(info, "seq2seq.forceDecode");
}

}  // namespace

void InitBatched(Napi::Env env, Napi::Object exports) {
  exports.Set("trainEpoch", Napi::Function::New(env, &Guarded<&TrainEpoch>, "trainEpoch"));
  exports.Set("evaluateBatches", Napi::Function::New(env, &Guarded<&EvaluateBatches>, "evaluateBatches"));
  exports.Set("translateBatches", Napi::Function::New(env, &Guarded<&TranslateBatches>, "translateBatches"));
  exports.Set("beamBatches", Napi::Function::New(env, &Guarded<&BeamBatches>, "beamBatches"));
  exports.Set("forceDecode", Napi::Function::New(env, &Guarded<&ForceDecode>, "forceDecode"));
}

}  // namespace seq2seq
