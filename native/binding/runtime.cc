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
#include "binding/malloc_tuning.h"
#include "binding/wrap.h"
#include "kernels/cpu_features.h"
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

// A function of a library loaded with libtorch, or null: libtorch loads its BLAS as a local dependency, out of
// dlsym(RTLD_DEFAULT)'s reach, so each loaded library is asked. The library stays loaded (libtorch needs it), so the
// pointer stays valid after dlclose.
void* LoadedFunction(const char* name) {
  struct Search {
    const char* name;
    void* found;
  } search{name, nullptr};
  dl_iterate_phdr(
      [](dl_phdr_info* lib, size_t, void* data) -> int {
        auto* s = static_cast<Search*>(data);
        if (!lib->dlpi_name || !*lib->dlpi_name) return 0;
        void* handle = dlopen(lib->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
        if (!handle) return 0;
        s->found = dlsym(handle, s->name);
        dlclose(handle);
        return s->found ? 1 : 0;
      },
      &search);
  return search.found;
}

// OpenBLAS (the BLAS of Debian's libtorch, pthreads build) keeps a thread pool of its own, sized to the machine and
// deaf to OpenMP's settings, and libtorch does not know it is OpenBLAS: without this, `setNumThreads(1)` still runs
// every matrix product on every core, the idle half spinning.
void SetBlasThreads(int n) {
  using SetThreads = void (*)(int);
  static const auto set = reinterpret_cast<SetThreads>(LoadedFunction("openblas_set_num_threads"));
  if (set) set(n);
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  const int64_t n = ToInt(info[0], "threads");
  if (n < 1) ThrowRange(info.Env(), "Expected a positive integer for threads but received " + std::to_string(n));
  at::set_num_threads(static_cast<int>(n));
  SetBlasThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

// OpenBLAS's thread count, or null when the BLAS is another.
Napi::Value GetBlasThreads(const Napi::CallbackInfo& info) {
  using GetThreads = int (*)();
  static const auto get = reinterpret_cast<GetThreads>(LoadedFunction("openblas_get_num_threads"));
  return get ? Napi::Number::New(info.Env(), get()) : info.Env().Null();
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
// "" when the BLAS is another (MKL, reference).
std::string OpenBlasInfo() {
  using Text = char* (*)();
  const auto config = reinterpret_cast<Text>(LoadedFunction("openblas_get_config"));
  const auto core = reinterpret_cast<Text>(LoadedFunction("openblas_get_corename"));
  return config && core ? std::string(config()) + "; kernels: " + core() : std::string();
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
  // The CPU's native bf16 instructions ("amx-bf16, avx512-bf16", or "none"): what `--precision bf16` needs.
  out.Set("cpuBf16", CpuBf16Support().Describe());
  out.Set("malloc", MallocTuning());
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
  fn("getBlasThreads", &Guarded<&GetBlasThreads>);
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
