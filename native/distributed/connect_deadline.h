// A deadline on joining a job. c10d's TCPStore client blocks in recv without end when the master address is
// answered by a program that is not a store, and its own timeouts add up to about twice the one asked for; past
// the deadline this watchdog shuts down this process's sockets to the master address (never closes them: their
// descriptors stay c10d's), so the blocked call fails at once and the rendezvous ends in one clear error.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace seq2seq {

class ConnectDeadline {
 public:
  ConnectDeadline(std::string host, int port, std::chrono::milliseconds timeout);
  ~ConnectDeadline();
  ConnectDeadline(const ConnectDeadline&) = delete;
  ConnectDeadline& operator=(const ConnectDeadline&) = delete;

  // Ends the watch; true when the deadline had passed (the sockets may have been shut down: the join failed).
  bool Finish();

 private:
  void Watch(std::chrono::steady_clock::time_point deadline);

  std::string host_;
  int port_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace seq2seq
