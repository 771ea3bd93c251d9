// Checked conversions from JS values to libtorch's types; each names the argument it rejects.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <c10/util/ArrayRef.h>
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace seq2seq {

int64_t ToInt(const Napi::Value& v, const char* name);
double ToDouble(const Napi::Value& v, const char* name);
bool ToBool(const Napi::Value& v, const char* name);
std::string ToString(const Napi::Value& v, const char* name);
std::vector<int64_t> ToShape(const Napi::Value& v, const char* name);
Napi::Array FromShape(Napi::Env env, c10::IntArrayRef shape);

c10::ScalarType ToDtype(const Napi::Value& v);
const char* DtypeName(c10::ScalarType type);

// Parses "cpu", "cuda" or "cuda:N" and checks that this libtorch and this machine can honour it.
c10::Device ToDevice(const Napi::Value& v);
std::string DeviceName(const c10::Device& device);

// The property `key` of an options object, or undefined when absent.
Napi::Value Option(const Napi::Value& options, const char* key);

}  // namespace seq2seq
