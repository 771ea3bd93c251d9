#include "binding/tensor.h"

#include <cstring>
#include <string>
#include <utility>

#include "binding/addon.h"
#include "binding/convert.h"

namespace seq2seq {

namespace {

c10::TensorOptions FactoryOptions(const Napi::Value& dtype, const Napi::Value& device) {
  // Without a dtype: the default dtype (float32 unless setDefaultDtype changed it), as in PyTorch.
  auto options =
      c10::TensorOptions().dtype(dtype.IsUndefined() ? c10::get_default_dtype_as_scalartype() : ToDtype(dtype));
  return device.IsUndefined() ? options : options.device(ToDevice(device));
}

c10::ScalarType TypedArrayScalarType(const Napi::TypedArray& array) {
  switch (array.TypedArrayType()) {
    case napi_float32_array:
      return c10::ScalarType::Float;
    case napi_float64_array:
      return c10::ScalarType::Double;
    case napi_int32_array:
      return c10::ScalarType::Int;
    case napi_bigint64_array:
      return c10::ScalarType::Long;
    case napi_int16_array:
      return c10::ScalarType::Short;
    case napi_int8_array:
      return c10::ScalarType::Char;
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return c10::ScalarType::Byte;
    default:
      ThrowType(array.Env(),
                "Expected a Float32Array, Float64Array, Int32Array, BigInt64Array, Int16Array, Int8Array or "
                "Uint8Array for data");
  }
}

// A JS number as a Scalar of the kind PyTorch would infer: an int for integral values, else a double.
at::Scalar ToScalar(const Napi::Value& v, const char* name) {
  const double d = ToDouble(v, name);
  if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

int64_t DimOr(const Napi::Value& v, int64_t fallback, const char* name) {
  return v.IsUndefined() ? fallback : ToInt(v, name);
}

bool BoolOr(const Napi::Value& v, bool fallback, const char* name) {
  return v.IsUndefined() ? fallback : ToBool(v, name);
}

}  // namespace

Napi::Function TensorWrap::Define(Napi::Env env) {
  Napi::Function ctor = DefineClass(env, "TensorHandle",
                                    {
                                        StaticMethod("fromData", &Guarded<&TensorWrap::FromData>),
                                        StaticMethod("full", &Guarded<&TensorWrap::Full>),
                                        StaticMethod("randn", &Guarded<&TensorWrap::Randn>),
                                        StaticMethod("rand", &Guarded<&TensorWrap::Rand>),
                                        StaticMethod("arange", &Guarded<&TensorWrap::Arange>),
                                        Method<&TensorWrap::Shape>("shape"),
                                        Method<&TensorWrap::Dtype>("dtype"),
                                        Method<&TensorWrap::Device>("device"),
                                        Method<&TensorWrap::Item>("item"),
                                        Method<&TensorWrap::ToTypedArray>("toTypedArray"),
                                        Method<&TensorWrap::BytesView>("bytesView"),
                                        Method<&TensorWrap::Dispose>("dispose"),
                                        Method<&TensorWrap::IsDisposed>("isDisposed"),
                                        Method<&TensorWrap::View>("view"),
                                        Method<&TensorWrap::Reshape>("reshape"),
                                        Method<&TensorWrap::Unsqueeze>("unsqueeze"),
                                        Method<&TensorWrap::Squeeze>("squeeze"),
                                        Method<&TensorWrap::Select>("select"),
                                        Method<&TensorWrap::Narrow>("narrow"),
                                        Method<&TensorWrap::Transpose>("transpose"),
                                        Method<&TensorWrap::Contiguous>("contiguous"),
                                        Method<&TensorWrap::Clone>("clone"),
                                        Method<&TensorWrap::To>("to"),
                                        Method<&TensorWrap::CopyFrom>("copyFrom"),
                                        Method<&TensorWrap::Add>("add"),
                                        Method<&TensorWrap::AddInPlace>("addInPlace"),
                                        Method<&TensorWrap::Sub>("sub"),
                                        Method<&TensorWrap::Mul>("mul"),
                                        Method<&TensorWrap::Div>("div"),
                                        Method<&TensorWrap::Neg>("neg"),
                                        Method<&TensorWrap::Exp>("exp"),
                                        Method<&TensorWrap::Log>("log"),
                                        Method<&TensorWrap::Matmul>("matmul"),
                                        Method<&TensorWrap::Eq>("eq"),
                                        Method<&TensorWrap::Sum>("sum"),
                                        Method<&TensorWrap::Mean>("mean"),
                                        Method<&TensorWrap::Argmax>("argmax"),
                                        Method<&TensorWrap::Topk>("topk"),
                                        Method<&TensorWrap::Backward>("backward"),
                                        Method<&TensorWrap::Grad>("grad"),
                                        Method<&TensorWrap::Detach>("detach"),
                                        Method<&TensorWrap::RequiresGrad>("requiresGrad"),
                                        Method<&TensorWrap::SetRequiresGrad>("setRequiresGrad"),
                                    });
  Data(env).tensor = Napi::Persistent(ctor);
  return ctor;
}

TensorWrap::TensorWrap(const Napi::CallbackInfo& info) : Wrap<TensorWrap>(info) {}

Napi::Object TensorWrap::New(Napi::Env env, at::Tensor tensor) {
  Napi::Object object = Data(env).tensor.New({});
  Unwrap(object)->Reset(env, std::move(tensor));
  return object;
}

Napi::Object TensorWrap::NewParameter(Napi::Env env, at::Tensor tensor, const std::shared_ptr<JobUse>& owner) {
  Napi::Object object = New(env, std::move(tensor));
  Unwrap(object)->owner_ = owner;
  return object;
}

bool TensorWrap::Is(const Napi::Value& value) {
  return value.IsObject() && value.As<Napi::Object>().InstanceOf(Data(value.Env()).tensor.Value());
}

const at::Tensor& TensorWrap::From(const Napi::Value& value, const char* name) {
  if (!Is(value)) ThrowType(value.Env(), std::string("Expected a Tensor for ") + name);
  return Unwrap(value.As<Napi::Object>())->Get(value.Env());
}

const at::Tensor& TensorWrap::Get(Napi::Env env) const {
  if (!tensor_.defined()) throw Napi::Error::New(env, "Tensor used after dispose()");
  return tensor_;
}

// Tells V8 how much native memory this handle keeps alive, so the GC runs when tensors pile up.
const at::Tensor& TensorWrap::GetMutable(Napi::Env env) const {
  const at::Tensor& tensor = Get(env);
  if (const auto owner = owner_.lock()) owner->CheckUnused(env);
  return tensor;
}

void TensorWrap::Reset(Napi::Env env, at::Tensor tensor) {
  auto& data = Data(env);
  if (tensor_.defined()) --data.liveTensors;
  if (tensor.defined()) ++data.liveTensors;
  // nbytes plus what it does not count: the TensorImpl, its storage and autograd records.
  constexpr int64_t kOverhead = 512;
  const int64_t bytes = tensor.defined() ? static_cast<int64_t>(tensor.nbytes()) + kOverhead : 0;
  tensor_ = std::move(tensor);
  if (bytes != reportedBytes_) Napi::MemoryManagement::AdjustExternalMemory(env, bytes - reportedBytes_);
  reportedBytes_ = bytes;
}

void TensorWrap::Finalize(Napi::Env env) { Reset(env, at::Tensor()); }

// ---- factories ----

// fromData(data: TypedArray, shape: number[], dtype?: string, device?: string)
Napi::Value TensorWrap::FromData(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) ThrowType(info.Env(), "Expected a typed array for data");
  const auto array = info[0].As<Napi::TypedArray>();
  const auto shape = ToShape(info[1], "shape");
  int64_t numel = 1;
  for (const auto size : shape) {
    if (size < 0) ThrowRange(info.Env(), "Expected non-negative sizes for shape");
    numel *= size;
  }
  if (numel != static_cast<int64_t>(array.ElementLength())) {
    ThrowRange(info.Env(), "Expected " + std::to_string(numel) + " values for shape but received " +
                               std::to_string(array.ElementLength()));
  }
  const auto source = TypedArrayScalarType(array);
  auto* bytes = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  // from_blob borrows the JS buffer; the copy made by to(..., copy=true) owns its memory.
  at::Tensor view = at::from_blob(bytes, shape, c10::TensorOptions().dtype(source));
  const auto options =
      FactoryOptions(info[2].IsUndefined() ? Napi::String::New(info.Env(), DtypeName(source)) : info[2], info[3]);
  return New(info.Env(), view.to(options, /*non_blocking=*/false, /*copy=*/true));
}

// full(shape, value, dtype?, device?)
Napi::Value TensorWrap::Full(const Napi::CallbackInfo& info) {
  return New(info.Env(),
             at::full(ToShape(info[0], "shape"), ToScalar(info[1], "value"), FactoryOptions(info[2], info[3])));
}

Napi::Value TensorWrap::Randn(const Napi::CallbackInfo& info) {
  return New(info.Env(), at::randn(ToShape(info[0], "shape"), FactoryOptions(info[1], info[2])));
}

Napi::Value TensorWrap::Rand(const Napi::CallbackInfo& info) {
  return New(info.Env(), at::rand(ToShape(info[0], "shape"), FactoryOptions(info[1], info[2])));
}

// arange(end, dtype?, device?): int64 by default, like torch.arange with an integer end.
Napi::Value TensorWrap::Arange(const Napi::CallbackInfo& info) {
  auto options = FactoryOptions(info[1].IsUndefined() ? Napi::String::New(info.Env(), "int64") : info[1], info[2]);
  return New(info.Env(), at::arange(ToScalar(info[0], "end"), options));
}

// ---- properties and data ----

Napi::Value TensorWrap::Shape(const Napi::CallbackInfo& info) { return FromShape(info.Env(), Get(info.Env()).sizes()); }

Napi::Value TensorWrap::Dtype(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), DtypeName(Get(info.Env()).scalar_type()));
}

Napi::Value TensorWrap::Device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), DeviceName(Get(info.Env()).device()));
}

Napi::Value TensorWrap::Item(const Napi::CallbackInfo& info) {
  const at::Scalar value = Get(info.Env()).item();
  if (value.isBoolean()) return Napi::Boolean::New(info.Env(), value.toBool());
  if (value.isIntegral(false)) return Napi::Number::New(info.Env(), static_cast<double>(value.toLong()));
  return Napi::Number::New(info.Env(), value.toDouble());
}

Napi::Value TensorWrap::ToTypedArray(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  at::Tensor t = Get(env).detach().to(at::kCPU).contiguous();
  if (t.scalar_type() == c10::ScalarType::Half) t = t.to(c10::ScalarType::Float);
  const size_t length = static_cast<size_t>(t.numel());
  auto buffer = Napi::ArrayBuffer::New(env, t.nbytes());
  if (t.nbytes() > 0) std::memcpy(buffer.Data(), t.data_ptr(), t.nbytes());
  switch (t.scalar_type()) {
    case c10::ScalarType::Float:
      return Napi::Float32Array::New(env, length, buffer, 0);
    case c10::ScalarType::Double:
      return Napi::Float64Array::New(env, length, buffer, 0);
    case c10::ScalarType::Int:
      return Napi::Int32Array::New(env, length, buffer, 0);
    case c10::ScalarType::Long:
      return Napi::TypedArrayOf<int64_t>::New(env, length, buffer, 0, napi_bigint64_array);
    case c10::ScalarType::Short:
      return Napi::Int16Array::New(env, length, buffer, 0);
    case c10::ScalarType::Char:
      return Napi::Int8Array::New(env, length, buffer, 0);
    case c10::ScalarType::Byte:
    case c10::ScalarType::Bool:
      return Napi::Uint8Array::New(env, length, buffer, 0);
    default:
      throw Napi::Error::New(env, std::string("Cannot read a tensor of dtype ") + DtypeName(t.scalar_type()));
  }
}

// bytesView() -> a Uint8Array over the tensor's own memory, not copied, for a file writer to write out (a
// checkpoint's hundreds of megabytes copied into JS first cost as much as writing them). CPU, contiguous, not
// float16 (whose file bytes toTypedArray's float32 does not hold). The view keeps the memory alive until the
// garbage collector takes it, and shows the tensor's later in-place writes: a writer takes it of a tensor no one
// changes before the write ends (a copy, or weights written before the next step).
Napi::Value TensorWrap::BytesView(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const at::Tensor& t = Get(env);
  if (!t.device().is_cpu() || !t.is_contiguous() || t.scalar_type() == c10::ScalarType::Half) {
    ThrowType(env, "bytesView() takes a contiguous CPU tensor that is not float16");
  }
  const size_t bytes = t.nbytes();
  if (bytes == 0) return Napi::Uint8Array::New(env, 0);
  // The view's own reference to the storage, dropped (and V8 told) when the view is collected.
  auto* held = new at::Tensor(t.detach());
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  auto buffer = Napi::ArrayBuffer::New(
      env, held->data_ptr(), bytes,
      [](Napi::Env finalizeEnv, void*, at::Tensor* tensor) {
        Napi::MemoryManagement::AdjustExternalMemory(finalizeEnv, -static_cast<int64_t>(tensor->nbytes()));
        delete tensor;
      },
      held);
  return Napi::Uint8Array::New(env, bytes, buffer, 0);
}

Napi::Value TensorWrap::Dispose(const Napi::CallbackInfo& info) {
  Reset(info.Env(), at::Tensor());
  return info.Env().Undefined();
}

Napi::Value TensorWrap::IsDisposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !tensor_.defined());
}

// ---- shape and movement ----

Napi::Value TensorWrap::View(const Napi::CallbackInfo& info) {
  return New(info.Env(), Get(info.Env()).view(ToShape(info[0], "shape")));
}

Napi::Value TensorWrap::Reshape(const Napi::CallbackInfo& info) {
  return New(info.Env(), Get(info.Env()).reshape(ToShape(info[0], "shape")));
}

Napi::Value TensorWrap::Unsqueeze(const Napi::CallbackInfo& info) {
  return New(info.Env(), Get(info.Env()).unsqueeze(ToInt(info[0], "dim")));
}

Napi::Value TensorWrap::Squeeze(const Napi::CallbackInfo& info) {
  const auto& t = Get(info.Env());
  return New(info.Env(), info[0].IsUndefined() ? t.squeeze() : t.squeeze(ToInt(info[0], "dim")));
}

Napi::Value TensorWrap::Select(const Napi::CallbackInfo& info) {
  return New(info.Env(), Get(info.Env()).select(ToInt(info[0], "dim"), ToInt(info[1], "index")));
}

Napi::Value TensorWrap::Narrow(const Napi::CallbackInfo& info) {
  return New(info.Env(),
             Get(info.Env()).narrow(ToInt(info[0], "dim"), ToInt(info[1], "start"), ToInt(info[2], "length")));
}

Napi::Value TensorWrap::Transpose(const Napi::CallbackInfo& info) {
  return New(info.Env(), Get(info.Env()).transpose(ToInt(info[0], "dim0"), ToInt(info[1], "dim1")));
}

Napi::Value TensorWrap::Contiguous(const Napi::CallbackInfo& info) {
  return New(info.Env(), Get(info.Env()).contiguous());
}

Napi::Value TensorWrap::Clone(const Napi::CallbackInfo& info) { return New(info.Env(), Get(info.Env()).clone()); }

// to(device?: string, dtype?: string)
Napi::Value TensorWrap::To(const Napi::CallbackInfo& info) {
  const auto& t = Get(info.Env());
  const auto device = info[0].IsUndefined() ? t.device() : ToDevice(info[0]);
  const auto dtype = info[1].IsUndefined() ? t.scalar_type() : ToDtype(info[1]);
  return New(info.Env(), t.to(device, dtype));
}

Napi::Value TensorWrap::CopyFrom(const Napi::CallbackInfo& info) {
  GetMutable(info.Env()).copy_(From(info[0], "source"));
  return info.This();
}

// ---- arithmetic and reductions ----

namespace {
template <typename OnTensor, typename OnScalar>
at::Tensor Binary(const Napi::CallbackInfo& info, const at::Tensor& self, OnTensor onTensor, OnScalar onScalar) {
  if (info[0].IsNumber()) return onScalar(self, ToScalar(info[0], "other"));
  return onTensor(self, TensorWrap::From(info[0], "other"));
}
}  // namespace

// add(other, alpha?): self + alpha * other
Napi::Value TensorWrap::Add(const Napi::CallbackInfo& info) {
  const at::Scalar alpha = info[1].IsUndefined() ? at::Scalar(1) : ToScalar(info[1], "alpha");
  return New(info.Env(),
             Binary(
                 info, Get(info.Env()), [&](const at::Tensor& a, const at::Tensor& b) { return a.add(b, alpha); },
                 [&](const at::Tensor& a, const at::Scalar& b) { return a.add(b, alpha); }));
}

// addInPlace(other, alpha?): self += alpha * other, PyTorch's add_
Napi::Value TensorWrap::AddInPlace(const Napi::CallbackInfo& info) {
  const at::Scalar alpha = info[1].IsUndefined() ? at::Scalar(1) : ToScalar(info[1], "alpha");
  auto& self = const_cast<at::Tensor&>(GetMutable(info.Env()));
  if (info[0].IsNumber()) {
    self.add_(ToScalar(info[0], "other"), alpha);
  } else {
    self.add_(From(info[0], "other"), alpha);
  }
  return info.This();
}

Napi::Value TensorWrap::Sub(const Napi::CallbackInfo& info) {
  return New(info.Env(), Binary(
                             info, Get(info.Env()), [](const at::Tensor& a, const at::Tensor& b) { return a.sub(b); },
                             [](const at::Tensor& a, const at::Scalar& b) { return a.sub(b); }));
}

Napi::Value TensorWrap::Mul(const Napi::CallbackInfo& info) {
  return New(info.Env(), Binary(
                             info, Get(info.Env()), [](const at::Tensor& a, const at::Tensor& b) { return a.mul(b); },
                             [](const at::Tensor& a, const at::Scalar& b) { return a.mul(b); }));
}

Napi::Value TensorWrap::Div(const Napi::CallbackInfo& info) {
  return New(info.Env(), Binary(
                             info, Get(info.Env()), [](const at::Tensor& a, const at::Tensor& b) { return a.div(b); },
                             [](const at::Tensor& a, const at::Scalar& b) { return a.div(b); }));
}

Napi::Value TensorWrap::Eq(const Napi::CallbackInfo& info) {
  return New(info.Env(), Binary(
                             info, Get(info.Env()), [](const at::Tensor& a, const at::Tensor& b) { return a.eq(b); },
                             [](const at::Tensor& a, const at::Scalar& b) { return a.eq(b); }));
}

Napi::Value TensorWrap::Neg(const Napi::CallbackInfo& info) { return New(info.Env(), Get(info.Env()).neg()); }

Napi::Value TensorWrap::Exp(const Napi::CallbackInfo& info) { return New(info.Env(), Get(info.Env()).exp()); }

Napi::Value TensorWrap::Log(const Napi::CallbackInfo& info) { return New(info.Env(), Get(info.Env()).log()); }

Napi::Value TensorWrap::Matmul(const Napi::CallbackInfo& info) {
  return New(info.Env(), Get(info.Env()).matmul(From(info[0], "other")));
}

// sum(dim?, keepdim?)
Napi::Value TensorWrap::Sum(const Napi::CallbackInfo& info) {
  const auto& t = Get(info.Env());
  if (info[0].IsUndefined()) return New(info.Env(), t.sum());
  return New(info.Env(), t.sum(at::IntArrayRef{ToInt(info[0], "dim")}, BoolOr(info[1], false, "keepdim")));
}

Napi::Value TensorWrap::Mean(const Napi::CallbackInfo& info) {
  const auto& t = Get(info.Env());
  if (info[0].IsUndefined()) return New(info.Env(), t.mean());
  return New(info.Env(), t.mean(at::IntArrayRef{ToInt(info[0], "dim")}, BoolOr(info[1], false, "keepdim")));
}

Napi::Value TensorWrap::Argmax(const Napi::CallbackInfo& info) {
  const auto& t = Get(info.Env());
  if (info[0].IsUndefined()) return New(info.Env(), t.argmax());
  return New(info.Env(), t.argmax(ToInt(info[0], "dim"), BoolOr(info[1], false, "keepdim")));
}

// topk(k, dim = -1, largest = true, sorted = true) -> [values, indices]
Napi::Value TensorWrap::Topk(const Napi::CallbackInfo& info) {
  const auto result = Get(info.Env())
                          .topk(ToInt(info[0], "k"), DimOr(info[1], -1, "dim"), BoolOr(info[2], true, "largest"),
                                BoolOr(info[3], true, "sorted"));
  auto out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, New(info.Env(), std::get<0>(result)));
  out.Set(1u, New(info.Env(), std::get<1>(result)));
  return out;
}

// ---- autograd ----

// backward(gradient?, retainGraph?)
Napi::Value TensorWrap::Backward(const Napi::CallbackInfo& info) {
  const at::Tensor gradient = info[0].IsUndefined() ? at::Tensor() : From(info[0], "gradient");
  c10::optional<bool> retain;
  if (!info[1].IsUndefined()) retain = ToBool(info[1], "retainGraph");
  Get(info.Env()).backward(gradient, retain);
  return info.Env().Undefined();
}

Napi::Value TensorWrap::Grad(const Napi::CallbackInfo& info) {
  const at::Tensor& grad = Get(info.Env()).grad();
  return grad.defined() ? static_cast<Napi::Value>(New(info.Env(), grad)) : info.Env().Undefined();
}

Napi::Value TensorWrap::Detach(const Napi::CallbackInfo& info) { return New(info.Env(), Get(info.Env()).detach()); }

Napi::Value TensorWrap::RequiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Get(info.Env()).requires_grad());
}

Napi::Value TensorWrap::SetRequiresGrad(const Napi::CallbackInfo& info) {
  const_cast<at::Tensor&>(GetMutable(info.Env())).requires_grad_(ToBool(info[0], "requiresGrad"));
  return info.This();
}

void InitTensor(Napi::Env env, Napi::Object exports) { exports.Set("TensorHandle", TensorWrap::Define(env)); }

}  // namespace seq2seq
