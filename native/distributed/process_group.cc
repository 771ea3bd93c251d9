#include "distributed/process_group.h"

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <utility>

#if defined(SEQ2SEQ_WITH_GLOO) || defined(SEQ2SEQ_WITH_NCCL)
#define SEQ2SEQ_WITH_C10D 1
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "distributed/c10d_group.h"
#include "distributed/connect_deadline.h"
#endif

namespace seq2seq {

namespace {

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

const char* BackendName(GroupBackend backend) { return backend == GroupBackend::kNccl ? "nccl" : "gloo"; }

std::vector<std::string> BuiltBackends() {
  std::vector<std::string> names;
#ifdef SEQ2SEQ_WITH_GLOO
  names.emplace_back("gloo");
#endif
#ifdef SEQ2SEQ_WITH_NCCL
  names.emplace_back("nccl");
#endif
  return names;
}

void ProcessGroup::Prepare(const GroupOptions& options) {
  if (options.backend == GroupBackend::kGloo) {
#ifndef SEQ2SEQ_WITH_GLOO
    throw std::runtime_error(
        "this build of seq2seq-node has no Gloo: install libgloo-dev (Debian) or use a libtorch that ships its "
        "headers, then npm rebuild seq2seq-node");
#endif
    return;
  }
#ifdef SEQ2SEQ_WITH_NCCL
  PrepareNccl(options);
#else
  throw std::runtime_error(
      "this build of seq2seq-node has no NCCL (it needs a CUDA libtorch built with NCCL, e.g. pip's torch, and "
      "nccl.h): use the gloo backend, or rebuild against such a libtorch");
#endif
}

#ifdef SEQ2SEQ_WITH_C10D

std::runtime_error MeetError(const GroupOptions& options, const std::exception& cause) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g", static_cast<double>(options.timeout.count()) / 1000.0);
  return std::runtime_error("rank " + std::to_string(options.rank) + " could not meet the other " +
                            std::to_string(options.worldSize - 1) + " worker(s) at " + options.masterAddr + ":" +
                            std::to_string(options.port) + " within " + seconds + " s (" + FirstLine(cause.what()) +
                            ")");
}

// Why a rendezvous that ran past its deadline failed, as far as this rank can tell.
std::runtime_error LateError(const GroupOptions& options) {
  return std::runtime_error(options.rank == 0 && options.agentStoreAttempt < 0
                                ? "the other workers did not all join in time"
                                : "no torch.distributed store answered there in time: nothing listening, or another "
                                  "program");
}

std::runtime_error CollectiveError(const GroupOptions& options, const char* what, const std::exception& cause) {
  // The backends' messages name sockets, files and communicators: say first which collective failed and why.
  return std::runtime_error(std::string(what) + " failed on rank " + std::to_string(options.rank) +
                            " (a worker stopped or the network failed): " + FirstLine(cause.what()));
}

std::shared_ptr<ProcessGroup> ProcessGroup::Connect(const GroupOptions& options) {
  // The whole rendezvous (store, then the backend's own exchange of addresses) ends by the deadline.
  ConnectDeadline deadline(options.masterAddr, options.port, options.timeout);
  std::shared_ptr<ProcessGroup> group;
  try {
    group = ConnectWithinDeadline(options);
  } catch (const std::exception&) {
    if (!deadline.Finish()) throw;
    throw MeetError(options, LateError(options));
  }
  if (deadline.Finish()) throw MeetError(options, LateError(options));
  return group;
}

std::shared_ptr<ProcessGroup> ProcessGroup::ConnectWithinDeadline(const GroupOptions& options) {
  const bool agentStore = options.agentStoreAttempt >= 0;
  c10d::TCPStoreOptions storeOptions;
  storeOptions.port = static_cast<std::uint16_t>(options.port);
  storeOptions.isServer = options.rank == 0 && !agentStore;
  storeOptions.numWorkers = options.worldSize;
  storeOptions.waitWorkers = !agentStore;
  storeOptions.timeout = options.timeout;
  c10::intrusive_ptr<c10d::Store> store;
  try {
    store = c10::make_intrusive<c10d::TCPStore>(options.masterAddr, storeOptions);
  } catch (const std::exception& e) {
    throw MeetError(options, e);
  }
  if (agentStore) {
    // torch.distributed's key space under torchrun: the agent's store outlives a restart of the workers.
    store =
        c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(options.agentStoreAttempt), store);
  }
  store = c10::make_intrusive<c10d::PrefixStore>("seq2seq", store);
#ifdef SEQ2SEQ_WITH_NCCL
  if (options.backend == GroupBackend::kNccl) return ConnectNccl(options, store);
#endif
#ifdef SEQ2SEQ_WITH_GLOO
  if (options.backend == GroupBackend::kGloo) return ConnectGloo(options, store);
#endif
  throw std::runtime_error(std::string("this build of seq2seq-node has no ") + BackendName(options.backend));
}

#else

std::shared_ptr<ProcessGroup> ProcessGroup::Connect(const GroupOptions& options) {
  Prepare(options);  // throws: no backend in this build
  throw std::runtime_error("this build of seq2seq-node has no process groups");
}

#endif

}  // namespace seq2seq
