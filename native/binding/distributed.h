// The JS handle of a c10d process group (see process_group.h), passed to training jobs in their options.
#pragma once

#include <napi.h>

#include <memory>

#include "binding/wrap.h"
#include "distributed/process_group.h"

namespace seq2seq {

class ProcessGroupWrap : public Wrap<ProcessGroupWrap> {
 public:
  using Wrap<ProcessGroupWrap>::Wrap;
  static Napi::Function Define(Napi::Env env);
  static Napi::Object New(Napi::Env env, std::shared_ptr<ProcessGroup> group);
  // The group behind a JS handle; a TypeError naming `what` for anything else or a closed one.
  static std::shared_ptr<ProcessGroup> From(const Napi::Value& value, const char* what);

 private:
  Napi::Value GetRank(const Napi::CallbackInfo& info);
  Napi::Value GetWorldSize(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<ProcessGroup> group_;
};

}  // namespace seq2seq
