// Which background jobs use a wrapped module or optimizer, set and cleared on the JS thread (in the manner of
// node-llama-cpp): a call that would change or free an object while a job reads or writes it throws an Error that
// names the job, instead of racing it. A job that writes an object (training, a broadcast into parameters)
// excludes every other use of it; jobs that only read it (evaluation, decoding) may run side by side.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

namespace seq2seq {

class JobUse {
 public:
  explicit JobUse(std::string what) : what_(std::move(what)) {}

  // Before changing or freeing the object: throws while any job uses it.
  void CheckUnused(Napi::Env env) const;
  // Before reading the object: throws while a job writes it.
  void CheckNotWritten(Napi::Env env) const;

  // Marks the object as used by `job` (after the checks above); Release undoes it when the job settles.
  void Acquire(const std::string& job, bool writes);
  void Release(bool writes);

 private:
  [[noreturn]] void ThrowInUse(Napi::Env env, const std::string& job, bool writes) const;

  std::string what_;    // "LSTM", "Adam optimizer", ...: the object in messages
  std::string writer_;  // the job writing the object, or empty
  int readers_ = 0;     // jobs reading it
  std::string reader_;  // the latest of them
};

// The use marks of the objects a job keeps alive (modules, optimizers, and the modules owning parameter tensors),
// each once.
std::vector<std::shared_ptr<JobUse>> UsesOf(Napi::Env env, const std::vector<Napi::ObjectReference>& objects);

}  // namespace seq2seq
