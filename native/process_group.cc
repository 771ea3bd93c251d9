#include "process_group.h"

#include <cstdio>
#include <stdexcept>
#include <utility>

#ifdef SEQ2SEQ_WITH_GLOO
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace seq2seq {

#ifdef SEQ2SEQ_WITH_GLOO

namespace {

class GlooGroup : public ProcessGroup {
 public:
  GlooGroup(GroupOptions options, c10::intrusive_ptr<c10d::Store> store,
            c10::intrusive_ptr<c10d::ProcessGroupGloo> group)
      : ProcessGroup(std::move(options)), store_(std::move(store)), group_(std::move(group)) {}

  void AllReduceSum(std::vector<at::Tensor>& tensors) override {
    c10d::AllreduceOptions opts;
    opts.timeout = options_.timeout;
    Wait(group_->allreduce(tensors, opts), "all-reduce");
  }

  void Broadcast(std::vector<at::Tensor>& tensors, int root) override {
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    opts.timeout = options_.timeout;
    Wait(group_->broadcast(tensors, opts), "broadcast");
  }

  void Barrier() override {
    c10d::BarrierOptions opts;
    opts.timeout = options_.timeout;
    Wait(group_->barrier(opts), "barrier");
  }

 private:
  void Wait(const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
    try {
      work->wait(options_.timeout);
    } catch (const std::exception& e) {
      // Gloo's messages name sockets and files; say first which collective failed and that a peer is gone.
      throw std::runtime_error(std::string(what) + " failed on rank " + std::to_string(options_.rank) +
                               " (a worker stopped or the network failed): " + FirstLine(e.what()));
    }
  }

  static std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

std::runtime_error MeetError(const GroupOptions& options, const std::exception& e) {
  std::string what = e.what();
  what = what.substr(0, what.find('\n'));
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(options.timeout.count()) / 1000.0);
  return std::runtime_error("rank " + std::to_string(options.rank) + " could not meet the other " +
                            std::to_string(options.worldSize - 1) + " worker(s) at " + options.masterAddr + ":" +
                            std::to_string(options.port) + " within " + seconds + " s (" + what + ")");
}

}  // namespace

std::shared_ptr<ProcessGroup> ProcessGroup::Connect(const GroupOptions& options) {
  c10d::TCPStoreOptions storeOptions;
  storeOptions.port = static_cast<std::uint16_t>(options.port);
  storeOptions.isServer = options.rank == 0;
  storeOptions.numWorkers = options.worldSize;
  storeOptions.waitWorkers = true;
  storeOptions.timeout = options.timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(options.masterAddr, storeOptions);
  } catch (const std::exception& e) {
    throw MeetError(options, e);
  }
  auto groupOptions = c10d::ProcessGroupGloo::Options::create(options.timeout);
  // The interface that reaches the master address (loopback for a local job).
  groupOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(options.masterAddr));
  auto prefixed = c10::make_intrusive<c10d::PrefixStore>("seq2seq", store);
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  try {
    group = c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed, options.rank, options.worldSize, groupOptions);
  } catch (const std::exception& e) {
    throw MeetError(options, e);  // the peers exchange their addresses through the store: a missing one times out
  }
  return std::make_shared<GlooGroup>(options, store, group);
}

bool HasGloo() { return true; }

#else

std::shared_ptr<ProcessGroup> ProcessGroup::Connect(const GroupOptions&) {
  throw std::runtime_error(
      "this build of seq2seq-node has no Gloo: install libgloo-dev (Debian) or use a libtorch that ships its "
      "headers, then npm rebuild");
}

bool HasGloo() { return false; }

#endif

}  // namespace seq2seq
