// JS side of the c10d process group:
//   connectGroup({ masterAddr, port, rank, worldSize, timeoutMs, backend, device, agentStoreAttempt? })
//                                                 -> { promise: ProcessGroup, cancel }
//   broadcastTensors(group, tensors, root)        -> { promise, cancel }  (in place)
//   allReduceTensors(group, tensors)              -> { promise, cancel }  (sums in place)
//   processGroupBackends()                        -> string[]: the backends this build has ("gloo", "nccl")
// Every call that waits for other processes runs on a thread of its own, so the event loop keeps turning.
#include "binding/distributed.h"

#include <ATen/core/grad_mode.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "binding/addon.h"
#include "binding/background_job.h"
#include "binding/convert.h"
#include "binding/errors.h"
#include "binding/tensor.h"

namespace seq2seq {

Napi::Function ProcessGroupWrap::Define(Napi::Env env) {
  return DefineClass(env, "ProcessGroup",
                     {
                         Method<&ProcessGroupWrap::GetRank>("rank"),
                         Method<&ProcessGroupWrap::GetWorldSize>("worldSize"),
                         Method<&ProcessGroupWrap::Close>("close"),
                     });
}

Napi::Object ProcessGroupWrap::New(Napi::Env env, std::shared_ptr<ProcessGroup> group) {
  Napi::Object object = Data(env).processGroup.New({});
  Unwrap(object)->group_ = std::move(group);
  return object;
}

std::shared_ptr<ProcessGroup> ProcessGroupWrap::From(const Napi::Value& value, const char* what) {
  auto* wrap = UnwrapAs<ProcessGroupWrap>(value, Data(value.Env()).processGroup, what);
  if (!wrap->group_) ThrowType(value.Env(), std::string(what) + " is closed");
  return wrap->group_;
}

Napi::Value ProcessGroupWrap::GetRank(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), From(info.This(), "a process group")->Rank());
}

Napi::Value ProcessGroupWrap::GetWorldSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), From(info.This(), "a process group")->WorldSize());
}

// Drops this handle's reference; the group's sockets close when no job uses it any more.
Napi::Value ProcessGroupWrap::Close(const Napi::CallbackInfo& info) {
  group_.reset();
  return info.Env().Undefined();
}

namespace {

class ConnectJob : public BackgroundJob {
 public:
  explicit ConnectJob(const Napi::CallbackInfo& info) {
    const Napi::Env env = info.Env();
    const Napi::Value opts = info[0];
    if (!opts.IsObject()) ThrowType(env, "Expected an options object");
    options_.masterAddr = ToString(Option(opts, "masterAddr"), "masterAddr");
    options_.port = static_cast<int>(ToInt(Option(opts, "port"), "port"));
    options_.rank = static_cast<int>(ToInt(Option(opts, "rank"), "rank"));
    options_.worldSize = static_cast<int>(ToInt(Option(opts, "worldSize"), "worldSize"));
    const double timeoutMs = ToDouble(Option(opts, "timeoutMs"), "timeoutMs");
    if (options_.port < 1 || options_.port > 65535) ThrowRange(env, "port must be from 1 to 65535");
    if (options_.worldSize < 1) ThrowRange(env, "worldSize must be at least 1");
    if (options_.rank < 0 || options_.rank >= options_.worldSize)
      ThrowRange(env, "rank must be from 0 to worldSize - 1");
    if (!(timeoutMs >= 1)) ThrowRange(env, "timeoutMs must be at least 1");
    options_.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeoutMs));
    const std::string backend = ToString(Option(opts, "backend"), "backend");
    if (backend != "gloo" && backend != "nccl") ThrowType(env, "backend must be \"gloo\" or \"nccl\"");
    options_.backend = backend == "nccl" ? GroupBackend::kNccl : GroupBackend::kGloo;
    options_.device = ToDevice(Option(opts, "device"));
    if (const Napi::Value attempt = Option(opts, "agentStoreAttempt"); !attempt.IsUndefined()) {
      options_.agentStoreAttempt = static_cast<int>(ToInt(attempt, "agentStoreAttempt"));
      if (options_.agentStoreAttempt < 0) ThrowRange(env, "agentStoreAttempt must be at least 0");
    }
    ProcessGroup::Prepare(options_);
  }

 protected:
  void Execute() override { group_ = ProcessGroup::Connect(options_); }
  Napi::Value Result(Napi::Env env) override { return ProcessGroupWrap::New(env, group_); }

 private:
  GroupOptions options_;
  std::shared_ptr<ProcessGroup> group_;
};

class CollectiveJob : public BackgroundJob {
 public:
  CollectiveJob(const Napi::CallbackInfo& info, bool broadcast) : broadcast_(broadcast) {
    const Napi::Env env = info.Env();
    group_ = ProcessGroupWrap::From(info[0], "a process group");
    if (!info[1].IsArray()) ThrowType(env, "Expected an array of tensors");
    const auto array = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < array.Length(); ++i) {
      tensors_.push_back(TensorWrap::From(array.Get(i), "tensors"));
      keepAlive_.push_back(Napi::Persistent(array.Get(i).As<Napi::Object>()));
    }
    if (broadcast_) {
      root_ = static_cast<int>(ToInt(info[2], "root"));
      if (root_ < 0 || root_ >= group_->WorldSize()) ThrowRange(env, "root must be a rank of the group");
    }
  }

 protected:
  // Both write their tensors in place (a broadcast of parameters at the start of data-parallel training).
  bool Writes() const override { return true; }

  void Execute() override {
    if (tensors_.empty()) return;
    // One buffer per call reduces best: the tensors travel flattened and come back in place. NCCL moves only
    // tensors on the rank's GPU: figures kept on the CPU (an epoch's totals) go there and back.
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> flat{at::cat(Flatten(tensors_))};
    const GroupOptions& options = group_->Options();
    if (options.backend == GroupBackend::kNccl && flat[0].device() != options.device) {
      flat[0] = flat[0].to(options.device);
    }
    if (broadcast_) {
      group_->Broadcast(flat, root_);
    } else {
      group_->AllReduceSum(flat);
    }
    int64_t at = 0;
    for (auto& t : tensors_) {
      t.copy_(flat[0].narrow(0, at, t.numel()).view_as(t));
      at += t.numel();
    }
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  static std::vector<at::Tensor> Flatten(const std::vector<at::Tensor>& tensors) {
    std::vector<at::Tensor> views;
    for (const auto& t : tensors) views.push_back(t.detach().reshape({-1}));
    return views;
  }

  bool broadcast_;
  int root_ = 0;
  std::shared_ptr<ProcessGroup> group_;
  std::vector<at::Tensor> tensors_;
};

Napi::Value ConnectGroup(const Napi::CallbackInfo& info) {
  return BackgroundJob::Start(info.Env(), std::make_unique<ConnectJob>(info), info.Env().Undefined(),
                              "seq2seq.connectGroup");
}

Napi::Value BroadcastTensors(const Napi::CallbackInfo& info) {
  return BackgroundJob::Start(info.Env(), std::make_unique<CollectiveJob>(info, true), info.Env().Undefined(),
                              "seq2seq.broadcastTensors");
}

Napi::Value AllReduceTensors(const Napi::CallbackInfo& info) {
  return BackgroundJob::Start(info.Env(), std::make_unique<CollectiveJob>(info, false), info.Env().Undefined(),
                              "seq2seq.allReduceTensors");
}

Napi::Value ProcessGroupBackends(const Napi::CallbackInfo& info) {
  const std::vector<std::string> names = BuiltBackends();
  Napi::Array array = Napi::Array::New(info.Env(), names.size());
  for (uint32_t i = 0; i < names.size(); ++i) array.Set(i, names[i]);
  return array;
}

}  // namespace

void InitDistributed(Napi::Env env, Napi::Object exports) {
  const Napi::Function ctor = ProcessGroupWrap::Define(env);
  Data(env).processGroup = Napi::Persistent(ctor);
  exports.Set("ProcessGroup", ctor);
  exports.Set("connectGroup", Napi::Function::New(env, &Guarded<&ConnectGroup>, "connectGroup"));
  exports.Set("broadcastTensors", Napi::Function::New(env, &Guarded<&BroadcastTensors>, "broadcastTensors"));
  exports.Set("allReduceTensors", Napi::Function::New(env, &Guarded<&AllReduceTensors>, "allReduceTensors"));
  exports.Set("processGroupBackends",
              Napi::Function::New(env, &Guarded<&ProcessGroupBackends>, "processGroupBackends"));
}

}  // namespace seq2seq
