// Error translation at the JS boundary, in one place: every C++ exception becomes one JS Error, never a crash; the
// core's TypeError and RangeError (seq2seq/errors.h) become their JS namesakes.
#pragma once

#include <c10/util/Exception.h>
#include <napi.h>

#include <exception>
#include <string>

#include "seq2seq/errors.h"

namespace seq2seq {

// libtorch's c10::Error::what() appends a whole C++ backtrace; JS users get the message only.
inline std::string TorchMessage(const c10::Error& e) {
  std::string msg = e.what_without_backtrace();
  // Some libtorch builds still append "Exception raised from ..." to the message; keep what precedes it.
  const auto cut = msg.find("\nException raised from");
  if (cut != std::string::npos) msg.resize(cut);
  return msg;
}

// Runs f and rethrows any C++ exception as a JS exception (Napi::Error with NAPI_CPP_EXCEPTIONS).
template <typename F>
auto Guard(Napi::Env env, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, TorchMessage(e));
  } catch (const TypeError& e) {
    throw Napi::TypeError::New(env, e.what());
  } catch (const RangeError& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  } catch (...) {
    throw Napi::Error::New(env, "unknown native error");
  }
}

[[noreturn]] inline void ThrowType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }

[[noreturn]] inline void ThrowRange(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

}  // namespace seq2seq
