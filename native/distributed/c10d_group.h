// What the c10d backends share (process_group_gloo.cc, process_group_nccl.cc): a ProcessGroup over one c10d
// backend object, and the one-line errors. Internal to the process-group files.
#pragma once

#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>
#include <utility>
#include <vector>

#include "distributed/process_group.h"

namespace seq2seq {

// "rank R could not meet the other N worker(s) at HOST:PORT within T s (first line of the cause)"
std::runtime_error MeetError(const GroupOptions& options, const std::exception& cause);
// "WHAT failed on rank R (a worker stopped or the network failed): first line of the cause"
std::runtime_error CollectiveError(const GroupOptions& options, const char* what, const std::exception& cause);

// Backend: c10d::ProcessGroupGloo or c10d::ProcessGroupNCCL (a c10d::Backend in libtorch 2, a c10d::ProcessGroup
// in 1.13: the same collectives either way).
template <typename Backend>
class C10dGroup : public ProcessGroup {
 public:
  C10dGroup(GroupOptions options, c10::intrusive_ptr<c10d::Store> store, c10::intrusive_ptr<Backend> backend)
      : ProcessGroup(std::move(options)), store_(std::move(store)), backend_(std::move(backend)) {}

  ~C10dGroup() override {
    try {
      Shutdown(*backend_, 0);
    } catch (...) {  // a peer already gone: nothing left to release cleanly
    }
  }

  void AllReduceSum(std::vector<at::Tensor>& tensors) override {
    c10d::AllreduceOptions opts;
    opts.timeout = options_.timeout;
    Wait([&] { return backend_->allreduce(tensors, opts); }, "all-reduce");
  }

  void Broadcast(std::vector<at::Tensor>& tensors, int root) override {
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    opts.timeout = options_.timeout;
    Wait([&] { return backend_->broadcast(tensors, opts); }, "broadcast");
  }

 private:
  template <typename Start>
  void Wait(Start start, const char* what) {
    try {
      start()->wait(options_.timeout);
    } catch (const std::exception& e) {
      throw CollectiveError(options_, what, e);
    }
  }

  // libtorch 2's NCCL backend wants shutdown() before it is destroyed; 1.13 has none.
  template <typename B>
  static auto Shutdown(B& backend, int) -> decltype(backend.shutdown(), void()) {
    backend.shutdown();
  }
  template <typename B>
  static void Shutdown(B&, long) {}

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Backend> backend_;
};

// Each is defined by its backend's file, in builds that have the backend.
std::shared_ptr<ProcessGroup> ConnectGloo(const GroupOptions& options, const c10::intrusive_ptr<c10d::Store>& store);
std::shared_ptr<ProcessGroup> ConnectNccl(const GroupOptions& options, const c10::intrusive_ptr<c10d::Store>& store);
void PrepareNccl(const GroupOptions& options);

}  // namespace seq2seq
