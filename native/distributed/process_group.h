// A c10d process group for data-parallel training across processes and machines: the ranks meet through a
// c10d::TCPStore that rank 0 hosts (as torch.distributed's env:// rendezvous does), then talk over Gloo (CPU or
// CUDA tensors) or NCCL (CUDA tensors, one GPU per rank).
#pragma once

#include <ATen/ATen.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace seq2seq {

enum class GroupBackend { kGloo, kNccl };

struct GroupOptions {
  std::string masterAddr = "127.0.0.1";
  int port = 29500;
  int rank = 0;
  int worldSize = 1;
  std::chrono::milliseconds timeout{300000};  // rendezvous and every collective
  GroupBackend backend = GroupBackend::kGloo;
  c10::Device device{c10::DeviceType::CPU};  // where this rank's tensors live (NCCL: its GPU)
  // >= 0: a launcher (torchrun's elastic agent) hosts the store at masterAddr:port; every rank is its client
  // and keeps to the keys of this restart attempt, as torch.distributed does under torchrun.
  int agentStoreAttempt = -1;
};

class ProcessGroup {
 public:
  // On the calling (JS) thread, before Connect: throws if this build lacks the backend or it cannot serve the
  // device, and sets what the backend reads from the environment.
  static void Prepare(const GroupOptions& options);
  // Blocks until every rank has joined, or throws after options.timeout (naming the ranks still missing).
  static std::shared_ptr<ProcessGroup> Connect(const GroupOptions& options);
  virtual ~ProcessGroup() = default;

  // Collectives on tensors of options.device; they throw one line naming the collective and this rank.
  virtual void AllReduceSum(std::vector<at::Tensor>& tensors) = 0;
  virtual void Broadcast(std::vector<at::Tensor>& tensors, int root) = 0;

  int Rank() const { return options_.rank; }
  int WorldSize() const { return options_.worldSize; }
  const GroupOptions& Options() const { return options_; }

 protected:
  explicit ProcessGroup(GroupOptions options) : options_(std::move(options)) {}
  GroupOptions options_;

 private:
  // Connect's work, which a ConnectDeadline bounds.
  static std::shared_ptr<ProcessGroup> ConnectWithinDeadline(const GroupOptions& options);
};

// The backends this build has: "gloo" (Gloo's headers at build time: Debian's libgloo-dev), "nccl" (a CUDA
// libtorch built with NCCL, and nccl.h).
std::vector<std::string> BuiltBackends();
const char* BackendName(GroupBackend backend);

}  // namespace seq2seq
