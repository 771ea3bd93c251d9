#include "binding/sgd.h"

#include "binding/addon.h"

namespace seq2seq {

void InitSGD(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = SGDWrap::Define(env);
  Data(env).sgd = Napi::Persistent(ctor);
  exports.Set("SGD", ctor);
}

}  // namespace seq2seq
