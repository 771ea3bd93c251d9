#include "binding/lstm.h"

#include "binding/addon.h"

namespace seq2seq {

void InitLSTM(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = LSTMWrap::Define(env);
  Data(env).lstm = Napi::Persistent(ctor);
  exports.Set("LSTM", ctor);
}

}  // namespace seq2seq
