#include "binding/convert.h"

#include <ATen/Context.h>
#include <torch/cuda.h>

#include <cmath>
#include <string>

#include "binding/errors.h"

namespace seq2seq {

int64_t ToInt(const Napi::Value& v, const char* name) {
  if (v.IsBigInt()) {
    bool lossless = false;
    const int64_t out = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) ThrowRange(v.Env(), std::string("Expected a 64-bit integer for ") + name);
    return out;
  }
  if (!v.IsNumber()) ThrowType(v.Env(), std::string("Expected an integer for ") + name);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 9007199254740991.0) {
    ThrowType(v.Env(), std::string("Expected an integer for ") + name + " but received " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

double ToDouble(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) ThrowType(v.Env(), std::string("Expected a number for ") + name);
  return v.As<Napi::Number>().DoubleValue();
}

bool ToBool(const Napi::Value& v, const char* name) {
  if (!v.IsBoolean()) ThrowType(v.Env(), std::string("Expected a boolean for ") + name);
  return v.As<Napi::Boolean>().Value();
}

std::string ToString(const Napi::Value& v, const char* name) {
  if (!v.IsString()) ThrowType(v.Env(), std::string("Expected a string for ") + name);
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int64_t> ToShape(const Napi::Value& v, const char* name) {
  if (!v.IsArray()) ThrowType(v.Env(), std::string("Expected an array of integers for ") + name);
  const auto array = v.As<Napi::Array>();
  std::vector<int64_t> shape(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) shape[i] = ToInt(array.Get(i), name);
  return shape;
}

Napi::Array FromShape(Napi::Env env, c10::IntArrayRef shape) {
  auto out = Napi::Array::New(env, shape.size());
  for (size_t i = 0; i < shape.size(); ++i) out.Set(i, Napi::Number::New(env, static_cast<double>(shape[i])));
  return out;
}

namespace {
struct DtypeEntry {
  const char* name;
  c10::ScalarType type;
};
constexpr DtypeEntry kDtypes[] = {
    {"float32", c10::ScalarType::Float}, {"float64", c10::ScalarType::Double}, {"float16", c10::ScalarType::Half},
    {"int32", c10::ScalarType::Int},     {"int64", c10::ScalarType::Long},     {"uint8", c10::ScalarType::Byte},
    {"int8", c10::ScalarType::Char},     {"bool", c10::ScalarType::Bool},
};
}  // namespace

c10::ScalarType ToDtype(const Napi::Value& v) {
  const std::string name = ToString(v, "dtype");
  for (const auto& entry : kDtypes) {
    if (name == entry.name) return entry.type;
  }
  ThrowType(
      v.Env(),
      "Expected one of float32, float64, float16, int32, int64, int8, uint8, bool for dtype but received " + name);
}

const char* DtypeName(c10::ScalarType type) {
  for (const auto& entry : kDtypes) {
    if (type == entry.type) return entry.name;
  }
  return c10::toString(type);
}

c10::Device ToDevice(const Napi::Value& v) {
  const Napi::Env env = v.Env();
  const std::string spec = ToString(v, "device");
  if (spec == "cpu") return c10::Device(c10::DeviceType::CPU);
  if (spec.rfind("cuda", 0) != 0) {
    ThrowType(env, "Expected \"cpu\", \"cuda\" or \"cuda:N\" for device but received \"" + spec + "\"");
  }
  int64_t index = 0;
  if (spec.size() > 4) {
    const std::string digits = spec.substr(5);
    if (spec[4] != ':' || digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      ThrowType(env, "Expected \"cpu\", \"cuda\" or \"cuda:N\" for device but received \"" + spec + "\"");
    }
    index = std::stoll(digits);
  }
  if (!torch::cuda::is_available()) {
    ThrowType(env,
              "Device \"" + spec + "\" was requested but " +
                  (at::hasCUDA() ? std::string("no CUDA device is visible (check the driver and CUDA_VISIBLE_DEVICES)")
                                 : std::string("this libtorch was built without CUDA; rebuild against a CUDA "
                                               "libtorch (see README: Using CUDA)")));
  }
  const auto count = static_cast<int64_t>(torch::cuda::device_count());
  if (index >= count) {
    ThrowRange(
        env, "Device \"" + spec + "\" was requested but only " + std::to_string(count) + " CUDA device(s) are visible");
  }
  return c10::Device(c10::DeviceType::CUDA, static_cast<c10::DeviceIndex>(index));
}

std::string DeviceName(const c10::Device& device) {
  if (device.is_cpu()) return "cpu";
  if (device.is_cuda()) return "cuda:" + std::to_string(device.has_index() ? device.index() : 0);
  return device.str();
}

Napi::Value Option(const Napi::Value& options, const char* key) {
  if (options.IsUndefined() || options.IsNull()) return options.Env().Undefined();
  if (!options.IsObject()) ThrowType(options.Env(), "Expected an options object");
  return options.As<Napi::Object>().Get(key);
}

}  // namespace seq2seq
