#include "binding/background_job.h"

#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include "binding/errors.h"
#include "binding/job_threads.h"

namespace seq2seq {

Napi::Object BackgroundJob::Start(Napi::Env env, std::unique_ptr<BackgroundJob> job, const Napi::Value& onProgress,
                                  const char* name) {
  if (!onProgress.IsUndefined() && !onProgress.IsFunction()) ThrowType(env, "Expected onProgress to be a function");
  const bool writes = job->Writes();
  auto uses = UsesOf(env, job->keepAlive_);
  for (const auto& use : uses) {
    if (writes) {
      use->CheckUnused(env);
    } else {
      use->CheckNotWritten(env);
    }
  }
  std::string jobName = name;
  if (jobName.rfind("seq2seq.", 0) == 0) jobName.erase(0, 8);
  for (const auto& use : uses) use->Acquire(jobName, writes);
  BackgroundJob* self = job.release();
  self->uses_ = std::move(uses);
  self->hasProgress_ = onProgress.IsFunction();
  self->deferred_ = std::make_unique<Napi::Promise::Deferred>(env);
  const Napi::Function callback =
      self->hasProgress_ ? onProgress.As<Napi::Function>() : Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  // The finalizer runs on the JS thread after the job's thread has released the function, or when the environment
  // goes away while the job runs: it waits for Run to return, then frees.
  self->tsfn_ = Napi::ThreadSafeFunction::New(env, callback, name, 0, 1, self, [](Napi::Env, BackgroundJob* job) {
    const std::shared_ptr<Finished> finished = job->finished_;
    std::unique_lock<std::mutex> lock(finished->mutex);
    finished->changed.wait(lock, [&] { return finished->done; });
    delete job;
  });
  auto cancelled = self->cancelled_;
  auto result = Napi::Object::New(env);
  result.Set("promise", self->deferred_->Promise());
  result.Set("cancel", Napi::Function::New(env, [cancelled](const Napi::CallbackInfo& info) {
               cancelled->store(true);
               return info.Env().Undefined();
             }));
  // A kept thread keeps the intra-op thread count it was set up with: it follows the JS thread's (setNumThreads).
  const int threads = at::get_num_threads();
  RunOnJobThread([self, finished = self->finished_, threads] {
    if (at::get_num_threads() != threads) at::set_num_threads(threads);
    self->Run();
    // `self` may be deleted from here on: only the shared flag is touched.
    std::lock_guard<std::mutex> lock(finished->mutex);
    finished->done = true;
    finished->changed.notify_all();
  });
  return result;
}

void BackgroundJob::Run() {
  try {
    Execute();
  } catch (const c10::Error& e) {
    error_ = TorchMessage(e);
  } catch (const std::exception& e) {
    error_ = e.what();
  } catch (...) {
    error_ = "unknown native error";
  }
  // napi_closing means the environment is going away: nobody is left to settle for.
  tsfn_.BlockingCall([this](Napi::Env env, Napi::Function) {
    if (static_cast<napi_env>(env) != nullptr) Settle(env);
  });
  tsfn_.Release();
}

void BackgroundJob::Report(std::function<Napi::Value(Napi::Env)> make) {
  if (!hasProgress_) return;
  tsfn_.NonBlockingCall([this, make = std::move(make)](Napi::Env env, Napi::Function callback) {
    if (static_cast<napi_env>(env) == nullptr || !callbackError_.IsEmpty()) return;
    try {
      callback.Call({make(env)});
    } catch (const Napi::Error& e) {
      // A throwing progress callback stops the job, which then rejects with that error.
      callbackError_ = Napi::Reference<Napi::Value>::New(e.Value(), 1);
      cancelled_->store(true);
    }
  });
}

void BackgroundJob::Settle(Napi::Env env) {
  Napi::HandleScope scope(env);
  // The objects are free again before any JS continuation of the Promise runs.
  const bool writes = Writes();
  for (const auto& use : uses_) use->Release(writes);
  uses_.clear();
  if (!callbackError_.IsEmpty()) {
    deferred_->Reject(callbackError_.Value());
  } else if (!error_.empty()) {
    deferred_->Reject(Napi::Error::New(env, error_).Value());
  } else {
    try {
      deferred_->Resolve(Result(env));
    } catch (const Napi::Error& e) {
      deferred_->Reject(e.Value());
    }
  }
  callbackError_.Reset();
  keepAlive_.clear();
}

}  // namespace seq2seq
