// JS side of SentencePiece (native/subword):
//   new SentencePiece(bytes)          a model from a .model file's bytes
//     .pieces() .unkId() .bosId() .eosId() .padId() .encode(texts) .decode(pieceLists) .serialize() .dispose()
//     .encodeAsync(texts)             -> { promise: string[][], cancel }, on a thread of its own
//   trainSentencePiece(sentences, { vocabSize, modelType?, characterCoverage?, threads?, seed?, maxSentences? })
//                                     -> { promise: Buffer (the serialized model), cancel }
// Strings are converted on the JS thread before and after each job; the jobs see only C++ strings. In an addon built
// without SentencePiece every entry throws subword::kBuiltWithoutSentencePiece.
#include "binding/sentencepiece.h"

#include <string>
#include <utility>
#include <vector>

#include "binding/addon.h"
#include "binding/background_job.h"
#include "binding/convert.h"
#include "binding/errors.h"

namespace seq2seq {

namespace {

std::vector<std::string> ToStrings(const Napi::Value& value, const char* name) {
  if (!value.IsArray()) ThrowType(value.Env(), std::string("Expected an array of strings for ") + name);
  const auto array = value.As<Napi::Array>();
  std::vector<std::string> out(array.Length());
  for (uint32_t i = 0; i < out.size(); ++i) {
    const Napi::Value item = array.Get(i);
    if (!item.IsString()) {
      ThrowType(value.Env(), std::string("Expected a string for ") + name + "[" + std::to_string(i) + "]");
    }
    out[i] = item.As<Napi::String>().Utf8Value();
  }
  return out;
}

Napi::Array FromStrings(Napi::Env env, const std::vector<std::string>& strings) {
  auto array = Napi::Array::New(env, strings.size());
  for (uint32_t i = 0; i < strings.size(); ++i) array.Set(i, Napi::String::New(env, strings[i]));
  return array;
}

Napi::Array FromStringLists(Napi::Env env, const std::vector<std::vector<std::string>>& lists) {
  auto array = Napi::Array::New(env, lists.size());
  for (uint32_t i = 0; i < lists.size(); ++i) array.Set(i, FromStrings(env, lists[i]));
  return array;
}

std::string ToBytes(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowType(value.Env(), std::string("Expected a Uint8Array or Buffer for ") + name);
  }
  const auto bytes = value.As<Napi::Uint8Array>();
  return std::string(reinterpret_cast<const char*>(bytes.Data()), bytes.ByteLength());
}

class EncodeJob : public BackgroundJob {
 public:
  EncodeJob(std::shared_ptr<const subword::SentencePieceModel> model, std::vector<std::string> texts)
      : model_(std::move(model)), texts_(std::move(texts)) {}

 protected:
  void Execute() override { pieces_ = model_->EncodeAsPieces(texts_); }
  Napi::Value Result(Napi::Env env) override { return FromStringLists(env, pieces_); }

 private:
  std::shared_ptr<const subword::SentencePieceModel> model_;
  std::vector<std::string> texts_;
  std::vector<std::vector<std::string>> pieces_;
};

// SentencePiece's trainer cannot be interrupted: a cancelled job runs to its end and its model is dropped.
class TrainJob : public BackgroundJob {
 public:
  explicit TrainJob(const Napi::CallbackInfo& info) : sentences_(ToStrings(info[0], "sentences")) {
    const Napi::Env env = info.Env();
    const Napi::Value opts = info[1];
    if (!opts.IsObject()) ThrowType(env, "Expected an options object");
    options_.vocabSize = static_cast<int>(ToInt(Option(opts, "vocabSize"), "vocabSize"));
    if (const auto v = Option(opts, "modelType"); !v.IsUndefined()) options_.modelType = ToString(v, "modelType");
    if (const auto v = Option(opts, "characterCoverage"); !v.IsUndefined()) {
      options_.characterCoverage = ToDouble(v, "characterCoverage");
    }
    if (const auto v = Option(opts, "threads"); !v.IsUndefined())
      options_.threads = static_cast<int>(ToInt(v, "threads"));
    if (const auto v = Option(opts, "seed"); !v.IsUndefined()) {
      const int64_t seed = ToInt(v, "seed");
      if (seed < 0 || seed >= 0xFFFFFFFFLL) ThrowRange(env, "seed must be from 0 to 4294967294");
      options_.seed = static_cast<uint32_t>(seed);
    }
    if (const auto v = Option(opts, "maxSentences"); !v.IsUndefined()) options_.maxSentences = ToInt(v, "maxSentences");
  }

 protected:
  void Execute() override {
    model_ = subword::TrainSentencePiece(sentences_, options_);
    sentences_.clear();
    sentences_.shrink_to_fit();
  }
  Napi::Value Result(Napi::Env env) override {
    if (Cancelled()) throw Napi::Error::New(env, "SentencePiece training was cancelled");
    return Napi::Buffer<char>::Copy(env, model_.data(), model_.size());
  }

 private:
  std::vector<std::string> sentences_;
  subword::TrainOptions options_;
  std::string model_;
};

Napi::Value TrainSentencePiece(const Napi::CallbackInfo& info) {
  // Refused at once, before any conversion, when the addon has no SentencePiece.
  if (!subword::SentencePieceVersion()) throw Napi::Error::New(info.Env(), subword::kBuiltWithoutSentencePiece);
  return BackgroundJob::Start(info.Env(), std::make_unique<TrainJob>(info), info.Env().Undefined(),
                              "seq2seq.trainSentencePiece");
}

}  // namespace

SentencePieceWrap::SentencePieceWrap(const Napi::CallbackInfo& info) : Wrap<SentencePieceWrap>(info) {
  Guard(info.Env(), [&] {
    if (!subword::SentencePieceVersion()) throw Napi::Error::New(info.Env(), subword::kBuiltWithoutSentencePiece);
    model_ = subword::SentencePieceModel::FromBytes(ToBytes(info[0], "the model's bytes"));
    return 0;
  });
}

Napi::Function SentencePieceWrap::Define(Napi::Env env) {
  return DefineClass(env, "SentencePiece",
                     {
                         Method<&SentencePieceWrap::Pieces>("pieces"),
                         Method<&SentencePieceWrap::UnkId>("unkId"),
                         Method<&SentencePieceWrap::BosId>("bosId"),
                         Method<&SentencePieceWrap::EosId>("eosId"),
                         Method<&SentencePieceWrap::PadId>("padId"),
                         Method<&SentencePieceWrap::Encode>("encode"),
                         Method<&SentencePieceWrap::EncodeAsync>("encodeAsync"),
                         Method<&SentencePieceWrap::Decode>("decode"),
                         Method<&SentencePieceWrap::Serialize>("serialize"),
                         Method<&SentencePieceWrap::Dispose>("dispose"),
                         Method<&SentencePieceWrap::IsDisposed>("isDisposed"),
                     });
}

std::shared_ptr<const subword::SentencePieceModel> SentencePieceWrap::Model(Napi::Env env) const {
  if (!model_) ThrowType(env, "This SentencePiece model is disposed");
  return model_;
}

Napi::Value SentencePieceWrap::Pieces(const Napi::CallbackInfo& info) {
  return FromStrings(info.Env(), Model(info.Env())->Pieces());
}
Napi::Value SentencePieceWrap::UnkId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Model(info.Env())->UnkId());
}
Napi::Value SentencePieceWrap::BosId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Model(info.Env())->BosId());
}
Napi::Value SentencePieceWrap::EosId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Model(info.Env())->EosId());
}
Napi::Value SentencePieceWrap::PadId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Model(info.Env())->PadId());
}

Napi::Value SentencePieceWrap::Encode(const Napi::CallbackInfo& info) {
  const auto model = Model(info.Env());
  return FromStringLists(info.Env(), model->EncodeAsPieces(ToStrings(info[0], "texts")));
}

Napi::Value SentencePieceWrap::EncodeAsync(const Napi::CallbackInfo& info) {
  auto job = std::make_unique<EncodeJob>(Model(info.Env()), ToStrings(info[0], "texts"));
  return BackgroundJob::Start(info.Env(), std::move(job), info.Env().Undefined(), "seq2seq.SentencePiece.encodeAsync");
}

Napi::Value SentencePieceWrap::Decode(const Napi::CallbackInfo& info) {
  const auto model = Model(info.Env());
  if (!info[0].IsArray()) ThrowType(info.Env(), "Expected an array of piece lists");
  const auto array = info[0].As<Napi::Array>();
  std::vector<std::vector<std::string>> lists(array.Length());
  for (uint32_t i = 0; i < lists.size(); ++i) lists[i] = ToStrings(array.Get(i), "pieces[i]");
  return FromStrings(info.Env(), model->DecodePieces(lists));
}

Napi::Value SentencePieceWrap::Serialize(const Napi::CallbackInfo& info) {
  const std::string bytes = Model(info.Env())->Serialized();
  return Napi::Buffer<char>::Copy(info.Env(), bytes.data(), bytes.size());
}

Napi::Value SentencePieceWrap::Dispose(const Napi::CallbackInfo& info) {
  model_.reset();
  return info.Env().Undefined();
}

Napi::Value SentencePieceWrap::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !model_);
}

void InitSentencePiece(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = SentencePieceWrap::Define(env);
  Data(env).sentencePiece = Napi::Persistent(ctor);
  exports.Set("SentencePiece", ctor);
  exports.Set("trainSentencePiece", Napi::Function::New(env, &Guarded<&TrainSentencePiece>, "trainSentencePiece"));
}

}  // namespace seq2seq
