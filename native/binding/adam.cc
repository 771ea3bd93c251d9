#include "binding/adam.h"

#include "binding/addon.h"

namespace seq2seq {

void InitAdam(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = AdamWrap::Define(env);
  Data(env).adam = Napi::Persistent(ctor);
  exports.Set("Adam", ctor);
}

}  // namespace seq2seq
