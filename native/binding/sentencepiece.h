// The JS class SentencePiece over subword::SentencePieceModel, and trainSentencePiece.
#pragma once

#include <napi.h>

#include <memory>

#include "binding/wrap.h"
#include "subword/sentencepiece_model.h"

namespace seq2seq {

class SentencePieceWrap : public Wrap<SentencePieceWrap> {
 public:
  // new SentencePiece(bytes: Uint8Array): parses a serialized model; a JS Error when the bytes are not one.
  explicit SentencePieceWrap(const Napi::CallbackInfo& info);
  static Napi::Function Define(Napi::Env env);

 private:
  // The model, or a TypeError once disposed. Jobs hold their own reference: dispose() never frees a model in use.
  std::shared_ptr<const subword::SentencePieceModel> Model(Napi::Env env) const;

  Napi::Value Pieces(const Napi::CallbackInfo& info);
  Napi::Value UnkId(const Napi::CallbackInfo& info);
  Napi::Value BosId(const Napi::CallbackInfo& info);
  Napi::Value EosId(const Napi::CallbackInfo& info);
  Napi::Value PadId(const Napi::CallbackInfo& info);
  Napi::Value Encode(const Napi::CallbackInfo& info);
  Napi::Value EncodeAsync(const Napi::CallbackInfo& info);
  Napi::Value Decode(const Napi::CallbackInfo& info);
  Napi::Value Serialize(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsDisposed(const Napi::CallbackInfo& info);

  std::shared_ptr<const subword::SentencePieceModel> model_;
};

}  // namespace seq2seq
