// PyTorch-compatible files: torch::pickle_save writes what Python's torch.load reads, and pickle_load reads
// what torch.save wrote (a dict of tensors). Bytes cross to JS, which writes them atomically.
#include <ATen/core/Dict.h>
#include <torch/serialize.h>

#include <string>
#include <vector>

#include "addon.h"
#include "convert.h"
#include "tensor.h"

namespace seq2seq {

namespace {

// pickleSave(names: string[], tensors: Tensor[]) -> Buffer holding a pickled {name: tensor} dict
Napi::Value PickleSave(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsArray() || !info[1].IsArray()) ThrowType(env, "Expected arrays of names and tensors");
  const auto names = info[0].As<Napi::Array>();
  const auto tensors = info[1].As<Napi::Array>();
  if (names.Length() != tensors.Length()) ThrowRange(env, "Expected as many names as tensors");
  c10::Dict<std::string, at::Tensor> dict;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    // Saved from the CPU so that the file loads on machines without the device it was trained on.
    dict.insert(ToString(names.Get(i), "name"), TensorWrap::From(tensors.Get(i), "tensor").detach().cpu());
  }
  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  return Napi::Buffer<char>::Copy(env, bytes.data(), bytes.size());
}

// pickleLoad(bytes: Uint8Array) -> [name, Tensor][] from a pickled dict of tensors
Napi::Value PickleLoad(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) ThrowType(env, "Expected a Uint8Array of file contents");
  const auto array = info[0].As<Napi::Uint8Array>();
  const std::vector<char> bytes(reinterpret_cast<const char*>(array.Data()),
                                reinterpret_cast<const char*>(array.Data()) + array.ByteLength());
  const c10::IValue value = torch::pickle_load(bytes);
  if (!value.isGenericDict()) ThrowType(env, "Expected the file to hold a dict of tensors");
  auto out = Napi::Array::New(env);
  uint32_t i = 0;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString() || !item.value().isTensor()) {
      ThrowType(env, "Expected the file to hold a dict of tensors keyed by strings");
    }
    auto pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::String::New(env, item.key().toStringRef()));
    pair.Set(1u, TensorWrap::New(env, item.value().toTensor()));
    out.Set(i++, pair);
  }
  return out;
}

}  // namespace

void InitSerialize(Napi::Env env, Napi::Object exports) {
  exports.Set("pickleSave", Napi::Function::New(env, &Guarded<&PickleSave>, "pickleSave"));
  exports.Set("pickleLoad", Napi::Function::New(env, &Guarded<&PickleLoad>, "pickleLoad"));
}

}  // namespace seq2seq
