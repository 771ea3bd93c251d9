#include "binding/job_use.h"

#include <algorithm>

#include "binding/adam.h"
#include "binding/addon.h"
#include "binding/embedding.h"
#include "binding/linear.h"
#include "binding/lstm.h"
#include "binding/sgd.h"
#include "binding/tensor.h"

namespace seq2seq {

void JobUse::ThrowInUse(Napi::Env env, const std::string& job, bool writes) const {
  throw Napi::Error::New(env, "This " + what_ + " is in use by a running " + job + " job" +
                                  (writes ? ", which writes its parameters" : "") +
                                  ": wait for the job to settle or cancel it");
}

void JobUse::CheckUnused(Napi::Env env) const {
  if (!writer_.empty()) ThrowInUse(env, writer_, true);
  if (readers_ > 0) ThrowInUse(env, reader_, false);
}

void JobUse::CheckNotWritten(Napi::Env env) const {
  if (!writer_.empty()) ThrowInUse(env, writer_, true);
}

void JobUse::Acquire(const std::string& job, bool writes) {
  if (writes) {
    writer_ = job;
  } else {
    ++readers_;
    reader_ = job;
  }
}

void JobUse::Release(bool writes) {
  if (writes) {
    writer_.clear();
  } else if (--readers_ == 0) {
    reader_.clear();
  }
}

namespace {

template <typename T>
std::shared_ptr<JobUse> UseIf(const Napi::Object& object, const Napi::FunctionReference& ctor) {
  if (ctor.IsEmpty() || !object.InstanceOf(ctor.Value())) return nullptr;
  return Napi::ObjectWrap<T>::Unwrap(object)->Use();
}

}  // namespace

std::vector<std::shared_ptr<JobUse>> UsesOf(Napi::Env env, const std::vector<Napi::ObjectReference>& objects) {
  auto& data = Data(env);
  std::vector<std::shared_ptr<JobUse>> uses;
  for (const auto& ref : objects) {
    const Napi::Object object = ref.Value();
    std::shared_ptr<JobUse> use = UseIf<EmbeddingWrap>(object, data.embedding);
    if (!use) use = UseIf<LSTMWrap>(object, data.lstm);
    if (!use) use = UseIf<LinearWrap>(object, data.linear);
    if (!use) use = UseIf<AdamWrap>(object, data.adam);
    if (!use) use = UseIf<SGDWrap>(object, data.sgd);
    if (!use && TensorWrap::Is(object)) use = TensorWrap::Unwrap(object)->Owner();
    if (use && std::find(uses.begin(), uses.end(), use) == uses.end()) uses.push_back(std::move(use));
  }
  return uses;
}

}  // namespace seq2seq
