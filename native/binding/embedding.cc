#include "binding/embedding.h"

#include "binding/addon.h"

namespace seq2seq {

void InitEmbedding(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = EmbeddingWrap::Define(env);
  Data(env).embedding = Napi::Persistent(ctor);
  exports.Set("Embedding", ctor);
}

}  // namespace seq2seq
