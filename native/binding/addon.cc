// The addon's entry point: per-environment state, then every file's exports.
#include "binding/addon.h"

#include "binding/errors.h"
#include "binding/malloc_tuning.h"

namespace seq2seq {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  TuneMalloc();
  env.SetInstanceData(new InstanceData());
  return Guard(env, [&] {
    InitTensor(env, exports);
    InitEmbedding(env, exports);
    InitLSTM(env, exports);
    InitLinear(env, exports);
    InitFunctional(env, exports);
    InitAdam(env, exports);
    InitSGD(env, exports);
    InitRuntime(env, exports);
    InitNotebookStep(env, exports);
    InitBatched(env, exports);
    InitEnsemble(env, exports);
    InitDistributed(env, exports);
    InitSentencePiece(env, exports);
    InitInt8Weights(env, exports);
    InitTesting(env, exports);
    return exports;
  });
}

}  // namespace seq2seq

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return seq2seq::Init(env, exports); }

NODE_API_MODULE(seq2seq, InitAddon)
