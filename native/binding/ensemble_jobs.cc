// Ensemble decoding as background jobs returning { promise, cancel } (native/seq2seq/ensemble.h):
//   ensembleTranslateBatches(partsList, batches, options) -> number[][][]                 (greedy)
//   ensembleBeamBatches(partsList, batches, options)      -> {words, logProb, score}[][][] (n-best per sentence)
// partsList: the members' parts (parts_from_js.h), which share the source and target vocabularies' sizes;
// options: { device, sos, eos } and, for beam search, { beam, nBest?, lengthPenalty? }.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "binding/addon.h"
#include "binding/background_job.h"
#include "binding/batch_from_js.h"
#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/parts_from_js.h"
#include "binding/wrap.h"
#include "seq2seq/ensemble.h"

namespace seq2seq {

namespace {

struct EnsembleInput {
  std::vector<Seq2SeqParts> members;
  std::vector<Batch> batches;
  int64_t sos = 0, eos = 0;
};

EnsembleInput ReadEnsembleInput(const Napi::CallbackInfo& info, std::vector<Napi::ObjectReference>* keepAlive) {
  const Napi::Env env = info.Env();
  if (!info[0].IsArray() || info[0].As<Napi::Array>().Length() == 0) {
    ThrowType(env, "Expected an array of one or more models' parts");
  }
  EnsembleInput in;
  const auto list = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) in.members.push_back(PartsFrom(list.Get(i), false, keepAlive));
  const Seq2SeqParts& first = in.members.front();
  const int64_t sourceWords = first.encoderEmbedding->options.num_embeddings();
  const int64_t targetWords = first.decoderEmbedding->options.num_embeddings();
  for (size_t i = 1; i < in.members.size(); ++i) {
    const Seq2SeqParts& m = in.members[i];
    if (m.encoderEmbedding->options.num_embeddings() != sourceWords ||
        m.decoderEmbedding->options.num_embeddings() != targetWords) {
      ThrowType(env, "Ensemble member " + std::to_string(i) + " has other vocabulary sizes than member 0");
    }
  }
  const Napi::Value opts = info[2];
  if (!opts.IsObject()) ThrowType(env, "Expected an options object");
  const c10::Device device = ToDevice(Option(opts, "device"));
  in.sos = ToInt(Option(opts, "sos"), "sos");
  in.eos = ToInt(Option(opts, "eos"), "eos");
  if (in.sos < 0 || in.sos >= targetWords || in.eos < 0 || in.eos >= targetWords) {
    ThrowRange(env, "sos/eos index out of range for " + std::to_string(targetWords) + " target words");
  }
  in.batches = BatchesFromJS(info[1], Vocabularies{sourceWords, targetWords, in.sos}, device);
  for (const Batch& batch : in.batches) {
    if (batch.maxLengths.empty()) ThrowType(env, "Expected each batch to give maxLengths");
  }
  return in;
}

class EnsembleGreedyJob : public BackgroundJob {
 public:
  explicit EnsembleGreedyJob(const Napi::CallbackInfo& info) : in_(ReadEnsembleInput(info, &keepAlive_)) {}

 protected:
  void Execute() override {
    for (const Batch& batch : in_.batches) {
      if (Cancelled()) break;
      words_.push_back(EnsembleGreedyDecode(in_.members, batch, in_.sos, in_.eos));
    }
  }

  Napi::Value Result(Napi::Env env) override {
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

 private:
  EnsembleInput in_;
  std::vector<std::vector<std::vector<int64_t>>> words_;
};

class EnsembleBeamJob : public BackgroundJob {
 public:
  explicit EnsembleBeamJob(const Napi::CallbackInfo& info) : in_(ReadEnsembleInput(info, &keepAlive_)) {
    const Napi::Env env = info.Env();
    const Napi::Value opts = info[2];
    options_.sos = in_.sos;
    options_.eos = in_.eos;
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
      hypotheses_.push_back(EnsembleBeamSearch(in_.members, batch, options_));
    }
  }

  Napi::Value Result(Napi::Env env) override { return HypothesesToJS(env, hypotheses_); }

 private:
  EnsembleInput in_;
  BeamOptions options_;
  std::vector<std::vector<std::vector<Hypothesis>>> hypotheses_;
};

Napi::Value EnsembleTranslateBatches(const Napi::CallbackInfo& info) {
  return BackgroundJob::Start(info.Env(), std::make_unique<EnsembleGreedyJob>(info), info[3],
                              "seq2seq.ensembleTranslateBatches");
}

Napi::Value EnsembleBeamBatches(const Napi::CallbackInfo& info) {
  return BackgroundJob::Start(info.Env(), std::make_unique<EnsembleBeamJob>(info), info[3],
                              "seq2seq.ensembleBeamBatches");
}

}  // namespace

void InitEnsemble(Napi::Env env, Napi::Object exports) {
  exports.Set("ensembleTranslateBatches",
              Napi::Function::New(env, &Guarded<&EnsembleTranslateBatches>, "ensembleTranslateBatches"));
  exports.Set("ensembleBeamBatches", Napi::Function::New(env, &Guarded<&EnsembleBeamBatches>, "ensembleBeamBatches"));
}

}  // namespace seq2seq
