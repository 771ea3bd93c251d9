// Long work on a thread of its own (not libuv's small pool, which fs and DNS share), settling a Promise on the
// JS thread. Job threads are kept and reused (binding/job_threads.h): libtorch sets up each new thread's intra-op
// threads on its first parallel loop, which rebuilds its global thread pool (milliseconds on a busy machine, on every
// decode call when each job had a new thread). Progress reaches an optional JS callback through a ThreadSafeFunction;
// cancel() asks the work to stop at its next check. The JS objects the work uses are referenced until it ends, and
// marked as in use by the job (binding/job_use.h) so that JS cannot change or free them meanwhile.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "binding/job_use.h"

namespace seq2seq {

class BackgroundJob {
 public:
  virtual ~BackgroundJob() = default;

  // Starts `job` (taking ownership) and returns { promise, cancel } to JS. onProgress: a function or undefined.
  // `name` is "seq2seq.<the JS function>"; errors about objects in use name the job by its function. Throws,
  // starting nothing, when an object the job uses is in use by another job that excludes it.
  static Napi::Object Start(Napi::Env env, std::unique_ptr<BackgroundJob> job, const Napi::Value& onProgress,
                            const char* name);

 protected:
  // Runs on the job's thread; throws to reject the Promise.
  virtual void Execute() = 0;
  // Runs on the JS thread once Execute has returned: the Promise's value.
  virtual Napi::Value Result(Napi::Env env) = 0;

  // Whether the job writes the parameters of the modules it uses (training), or only reads them.
  virtual bool Writes() const { return false; }

  bool Cancelled() const { return cancelled_->load(); }
  // From the job's thread: `make` builds the progress value on the JS thread. Dropped when JS is gone.
  void Report(std::function<Napi::Value(Napi::Env)> make);

  // JS objects whose native parts Execute uses; released on the JS thread when the job ends.
  std::vector<Napi::ObjectReference> keepAlive_;

 private:
  void Run();
  void Settle(Napi::Env env);

  // Set when Run has returned: the finalizer waits for it before deleting the job (the thread is a pool's).
  struct Finished {
    std::mutex mutex;
    std::condition_variable changed;
    bool done = false;
  };

  std::vector<std::shared_ptr<JobUse>> uses_;  // marked on start, released when the job settles
  std::shared_ptr<Finished> finished_ = std::make_shared<Finished>();
  Napi::ThreadSafeFunction tsfn_;
  std::unique_ptr<Napi::Promise::Deferred> deferred_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  bool hasProgress_ = false;
  std::string error_;                           // what Execute threw
  Napi::Reference<Napi::Value> callbackError_;  // what the progress callback threw
};

}  // namespace seq2seq
