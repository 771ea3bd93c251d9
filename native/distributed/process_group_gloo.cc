// c10d's Gloo backend: CPU tensors (and CUDA ones, staged through the host), over TCP.
#ifdef SEQ2SEQ_WITH_GLOO

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>

#include "distributed/c10d_group.h"

namespace seq2seq {

std::shared_ptr<ProcessGroup> ConnectGloo(const GroupOptions& options, const c10::intrusive_ptr<c10d::Store>& store) {
  auto glooOptions = c10d::ProcessGroupGloo::Options::create(options.timeout);
  // The interface that reaches the master address (loopback for a local job).
  glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(options.masterAddr));
  c10::intrusive_ptr<c10d::ProcessGroupGloo> backend;
  try {
    backend = c10::make_intrusive<c10d::ProcessGroupGloo>(store, options.rank, options.worldSize, glooOptions);
  } catch (const std::exception& e) {
    throw MeetError(options, e);  // the peers exchange their addresses through the store: a missing one times out
  }
  return std::make_shared<C10dGroup<c10d::ProcessGroupGloo>>(options, store, backend);
}

}  // namespace seq2seq

#endif
