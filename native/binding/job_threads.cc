#include "binding/job_threads.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace seq2seq {

namespace {

// Never destroyed: idle threads wait in it until the process ends (detached, so exit does not wait for them).
struct JobThreads {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::function<void()>> queue;
  int idle = 0;
};

JobThreads& Threads() {
  static auto* threads = new JobThreads();
  return *threads;
}

void Serve(JobThreads& threads, std::function<void()> work) {
  for (;;) {
    work();
    work = nullptr;
    std::unique_lock<std::mutex> lock(threads.mutex);
    ++threads.idle;
    threads.ready.wait(lock, [&] { return !threads.queue.empty(); });
    --threads.idle;
    work = std::move(threads.queue.front());
    threads.queue.pop_front();
  }
}

}  // namespace

void RunOnJobThread(std::function<void()> work) {
  JobThreads& threads = Threads();
  {
    std::lock_guard<std::mutex> lock(threads.mutex);
    // An idle thread not yet claimed by queued work takes it.
    if (threads.idle > static_cast<int>(threads.queue.size())) {
      threads.queue.push_back(std::move(work));
      threads.ready.notify_one();
      return;
    }
  }
  std::thread(Serve, std::ref(threads), std::move(work)).detach();
}

}  // namespace seq2seq
