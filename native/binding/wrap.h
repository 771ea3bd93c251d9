// Base for every wrapped libtorch object: methods are registered through Method<&T::Fn>, which runs
// them inside Guard so that no libtorch exception crosses into V8 unhandled.
#pragma once

#include <napi.h>

#include <string>

#include "binding/errors.h"

namespace seq2seq {

template <typename T>
class Wrap : public Napi::ObjectWrap<T> {
 public:
  using Napi::ObjectWrap<T>::ObjectWrap;

 protected:
  using Handler = Napi::Value (T::*)(const Napi::CallbackInfo&);

  // M may be a member of T or of a base class of T (ModuleWrap's shared methods).
  template <auto M>
  static Napi::ClassPropertyDescriptor<T> Method(const char* name) {
    return Napi::ObjectWrap<T>::InstanceMethod(name, static_cast<Handler>(&Wrap::template Call<M>));
  }

 private:
  template <auto M>
  Napi::Value Call(const Napi::CallbackInfo& info) {
    return Guard(info.Env(), [&] { return (static_cast<T*>(this)->*M)(info); });
  }
};

// The wrapped object behind `value`, checked against the class's constructor; a TypeError names `what`.
template <typename T>
T* UnwrapAs(const Napi::Value& value, const Napi::FunctionReference& ctor, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(ctor.Value())) {
    ThrowType(value.Env(), std::string("Expected ") + what);
  }
  return Napi::ObjectWrap<T>::Unwrap(value.As<Napi::Object>());
}

// A free function exposed to JS, run inside Guard.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&] { return F(info); });
}

}  // namespace seq2seq
