// Per-environment state (worker_threads each get their own): class constructors and counters.
#pragma once

#include <napi.h>

#include <cstdint>

namespace seq2seq {

struct InstanceData {
  Napi::FunctionReference tensor;
  Napi::FunctionReference embedding;
  Napi::FunctionReference lstm;
  Napi::FunctionReference linear;
  Napi::FunctionReference adam;
  Napi::FunctionReference sgd;
  Napi::FunctionReference processGroup;
  Napi::FunctionReference sentencePiece;
  Napi::FunctionReference int8Weights;
  int64_t liveTensors = 0;
};

inline InstanceData& Data(Napi::Env env) { return *env.GetInstanceData<InstanceData>(); }

// Each file registers its exports here.
void InitTensor(Napi::Env env, Napi::Object exports);
void InitEmbedding(Napi::Env env, Napi::Object exports);
void InitLSTM(Napi::Env env, Napi::Object exports);
void InitLinear(Napi::Env env, Napi::Object exports);
void InitFunctional(Napi::Env env, Napi::Object exports);
void InitAdam(Napi::Env env, Napi::Object exports);
void InitSGD(Napi::Env env, Napi::Object exports);
void InitRuntime(Napi::Env env, Napi::Object exports);
void InitNotebookStep(Napi::Env env, Napi::Object exports);
void InitBatched(Napi::Env env, Napi::Object exports);
void InitEnsemble(Napi::Env env, Napi::Object exports);
void InitDistributed(Napi::Env env, Napi::Object exports);
void InitSentencePiece(Napi::Env env, Napi::Object exports);
void InitInt8Weights(Napi::Env env, Napi::Object exports);
void InitTesting(Napi::Env env, Napi::Object exports);

}  // namespace seq2seq
