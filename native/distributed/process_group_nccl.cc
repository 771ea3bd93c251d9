// c10d's NCCL backend: CUDA tensors, one GPU per rank, over NVLink, PCIe or the network (NCCL picks).
#ifdef SEQ2SEQ_WITH_NCCL

#include <c10/core/DeviceGuard.h>

#include <cstdlib>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "distributed/c10d_group.h"

namespace seq2seq {

void PrepareNccl(const GroupOptions& options) {
  if (!options.device.is_cuda()) {
    throw std::runtime_error("the nccl backend moves CUDA tensors: train on a cuda device, or use the gloo backend");
  }
  // Blocking wait: wait() returns when the collective has ended, or throws once its timeout has passed. Without
  // it a collective whose peer died hangs until the watchdog tears the whole process down. The user's own setting
  // wins. Set here, on the JS thread, because the backend reads it when it is made (libtorch 1.x: the second name).
  setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
  setenv("NCCL_BLOCKING_WAIT", "1", 0);
}

std::shared_ptr<ProcessGroup> ConnectNccl(const GroupOptions& options, const c10::intrusive_ptr<c10d::Store>& store) {
  auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
  ncclOptions->timeout = options.timeout;
  const c10::DeviceGuard onDevice(options.device);
  std::shared_ptr<ProcessGroup> group;
  try {
    auto backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, options.rank, options.worldSize, ncclOptions);
    group = std::make_shared<C10dGroup<c10d::ProcessGroupNCCL>>(options, store, backend);
  } catch (const std::exception& e) {
    throw MeetError(options, e);
  }
  // NCCL makes its communicator at the first collective, exchanging its id through the store: make it now, so
  // that a peer that never comes (or two ranks on one GPU) shows as a failure to meet.
  std::vector<at::Tensor> hello{at::zeros({1}, at::TensorOptions().device(options.device))};
  try {
    group->AllReduceSum(hello);
  } catch (const std::exception& e) {
    throw MeetError(options, e);
  }
  return group;
}

}  // namespace seq2seq

#endif
