#include "binding/linear.h"

#include "binding/addon.h"

namespace seq2seq {

void InitLinear(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = LinearWrap::Define(env);
  Data(env).linear = Napi::Persistent(ctor);
  exports.Set("Linear", ctor);
}

}  // namespace seq2seq
