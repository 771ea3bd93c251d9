// A c10d process group for data-parallel training across processes and machines: the ranks meet through a
// c10d::TCPStore that rank 0 hosts (as torch.distributed's env:// rendezvous does), then talk over Gloo.
#pragma once

#include <ATen/ATen.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace seq2seq {

struct GroupOptions {
  std::string masterAddr = "127.0.0.1";
  int port = 29500;
  int rank = 0;
  int worldSize = 1;
  std::chrono::milliseconds timeout{300000};  // rendezvous and every collective
};

class ProcessGroup {
 public:
  // Blocks until every rank has joined, or throws after options.timeout (naming the ranks still missing).
  static std::shared_ptr<ProcessGroup> Connect(const GroupOptions& options);
  virtual ~ProcessGroup() = default;

  virtual void AllReduceSum(std::vector<at::Tensor>& tensors) = 0;
  virtual void Broadcast(std::vector<at::Tensor>& tensors, int root) = 0;
  virtual void Barrier() = 0;

  int Rank() const { return options_.rank; }
  int WorldSize() const { return options_.worldSize; }
  const GroupOptions& Options() const { return options_; }

 protected:
  explicit ProcessGroup(GroupOptions options) : options_(std::move(options)) {}
  GroupOptions options_;
};

// Whether this build has Gloo (libgloo-dev at build time).
bool HasGloo();

}  // namespace seq2seq
