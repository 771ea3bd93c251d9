// Process-wide libtorch settings and facts: seeds, threads, grad mode, CUDA, build information.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <c10/util/Logging.h>
#include <dlfcn.h>
#include <link.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <string>

#include "binding/addon.h"
#include "binding/convert.h"
#include "binding/wrap.h"
#include "subword/sentencepiece_model.h"

#ifndef SEQ2SEQ_TORCH_CUDA
#define SEQ2SEQ_TORCH_CUDA 0
#endif

namespace seq2seq {

namespace {

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  torch::manual_seed(static_cast<uint64_t>(ToInt(info[0], "seed")));
  return info.Env().Undefined();
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  const int64_t n = ToInt(info[0], "threads");
  if (n < 1) ThrowRange(info.Env(), "Expected a positive integer for threads but received " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// setDefaultDtype('float32' | 'float64'), like torch.set_default_dtype: new parameters and float factories use it.
Napi::Value SetDefaultDtype(const Napi::CallbackInfo& info) {
  const c10::ScalarType type = ToDtype(info[0]);
  if (type != at::kFloat && type != at::kDouble)
    ThrowType(info.Env(), "Expected float32 or float64 for the default dtype");
  c10::set_default_dtype(c10::scalarTypeToTypeMeta(type));
  return info.Env().Undefined();
}

Napi::Value GetDefaultDtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), DtypeName(c10::typeMetaToScalarType(c10::get_default_dtype())));
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  at::GradMode::set_enabled(ToBool(info[0], "enabled"));
  return info.Env().Undefined();
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

Napi::Value CudaIsAvailable(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), torch::cuda::is_available());
}

Napi::Value CudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

Napi::Value LiveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Data(info.Env()).liveTensors));
}

// The OpenBLAS loaded with libtorch and the kernels it picked for this CPU ("OpenBLAS 0.3.21 ... Cooperlake"), or
// "" when the BLAS is another (MKL, reference). Its functions are looked up in each loaded library: libtorch
// loads it as a local dependency, out of dlsym(RTLD_DEFAULT)'s reach.
std::string OpenBlasInfo() {
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* lib, size_t, void* out) -> int {
        if (!lib->dlpi_name || !*lib->dlpi_name) return 0;
        void* handle = dlopen(lib->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
        if (!handle) return 0;
        using Text = char* (*)();
        const auto config = reinterpret_cast<Text>(dlsym(handle, "openblas_get_config"));
        const auto core = reinterpret_cast<Text>(dlsym(handle, "openblas_get_corename"));
        if (config && core) *static_cast<std::string*>(out) = std::string(config()) + "; kernels: " + core();
        dlclose(handle);
        return config && core ? 1 : 0;
      },
      &found);
  return found;
}

Napi::Value BuildInfo(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("torchVersion", TORCH_VERSION);
  out.Set("torchDir", SEQ2SEQ_TORCH_DIR);
  out.Set("cudaBuild", Napi::Boolean::New(env, SEQ2SEQ_TORCH_CUDA != 0));
  out.Set("cudnn", Napi::Boolean::New(env, at::globalContext().hasCuDNN()));
#ifdef _GLIBCXX_USE_CXX11_ABI
  out.Set("cxx11Abi", Napi::Boolean::New(env, _GLIBCXX_USE_CXX11_ABI != 0));
#endif
  out.Set("parallelInfo", at::get_parallel_info());
  out.Set("config", at::show_config());
  out.Set("openblas", OpenBlasInfo());
  // SentencePiece's version and where the build found it, or null when the addon has none.
  const auto sentencePiece = subword::SentencePieceVersion();
  out.Set("sentencepiece", sentencePiece ? Napi::String::New(env, *sentencePiece) : env.Null());
  out.Set("sentencepieceSource", sentencePiece ? Napi::String::New(env, subword::SentencePieceSource()) : env.Null());
  return out;
}

}  // namespace

void InitRuntime(Napi::Env env, Napi::Object exports) {
  // libtorch's log level from TORCH_CPP_LOG_LEVEL, as Python's torch reads it when it starts (a C++ program must
  // ask; the package sets it, see src/torch/native.ts).
  c10::initLogging();
  const auto fn = [&](const char* name, Napi::Function::Callback cb) {
    exports.Set(name, Napi::Function::New(env, cb, name));
  };
  fn("manualSeed", &Guarded<&ManualSeed>);
  fn("setNumThreads", &Guarded<&SetNumThreads>);
  fn("getNumThreads", &Guarded<&GetNumThreads>);
  fn("setDefaultDtype", &Guarded<&SetDefaultDtype>);
  fn("getDefaultDtype", &Guarded<&GetDefaultDtype>);
  fn("setGradEnabled", &Guarded<&SetGradEnabled>);
  fn("isGradEnabled", &Guarded<&IsGradEnabled>);
  fn("cudaIsAvailable", &Guarded<&CudaIsAvailable>);
  fn("cudaDeviceCount", &Guarded<&CudaDeviceCount>);
  fn("liveTensors", &Guarded<&LiveTensors>);
  fn("buildInfo", &Guarded<&BuildInfo>);
}

}  // namespace seq2seq
