#include "binding/batch_from_js.h"

#include <algorithm>
#include <string>

#include "binding/errors.h"

namespace seq2seq {

namespace {

Napi::TypedArray Typed(const Napi::Object& batch, const char* key, napi_typedarray_type type, const char* typeName) {
  const Napi::Value v = batch.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    ThrowType(batch.Env(), std::string("Expected batch.") + key + " to be " + typeName);
  }
  return v.As<Napi::TypedArray>();
}

void Check(Napi::Env env, bool ok, const std::string& msg) {
  if (!ok) ThrowRange(env, "Invalid batch: " + msg);
}

}  // namespace

Batch BatchFromJS(const Napi::Value& value, const Vocabularies& vocab, const c10::Device& device) {
  const Napi::Env env = value.Env();
  if (!value.IsObject()) ThrowType(env, "Expected a batch object");
  const auto obj = value.As<Napi::Object>();
  const auto lengthsArray = Typed(obj, "sourceLengths", napi_int32_array, "an Int32Array").As<Napi::Int32Array>();
  const auto sourceArray = Typed(obj, "source", napi_int32_array, "an Int32Array").As<Napi::Int32Array>();

  Batch batch;
  const int64_t B = static_cast<int64_t>(lengthsArray.ElementLength());
  Check(env, B > 0, "no sentences");
  Check(env, sourceArray.ElementLength() % B == 0 && sourceArray.ElementLength() > 0,
        "source is not [steps x sentences]");
  const int64_t S = static_cast<int64_t>(sourceArray.ElementLength()) / B;
  batch.size = B;

  std::vector<int64_t> lengths(B);
  batch.sameSourceLength = true;
  for (int64_t b = 0; b < B; ++b) {
    lengths[b] = lengthsArray[static_cast<size_t>(b)];
    Check(env, lengths[b] >= 1 && lengths[b] <= S,
          "source length " + std::to_string(lengths[b]) + " not in 1.." + std::to_string(S));
    batch.sameSourceLength = batch.sameSourceLength && lengths[b] == S;
  }
  std::vector<int64_t> source(S * B);
  for (int64_t s = 0; s < S; ++s) {
    for (int64_t b = 0; b < B; ++b) {
      const int64_t i = sourceArray[static_cast<size_t>(s * B + b)];
      // Positions past a sentence's length are padding: whatever they hold becomes 0 and is never read.
      if (s >= lengths[b]) continue;
      Check(env, i >= 0 && i < vocab.source,
            "source index " + std::to_string(i) + " is out of range for " + std::to_string(vocab.source) + " words");
      source[s * B + b] = i;
    }
  }
  const auto longs = at::TensorOptions().dtype(at::kLong);
  batch.sourceLengths = at::tensor(lengths, longs);
  batch.source = at::tensor(source, longs).view({S, B}).to(device);

  if (const Napi::Value v = obj.Get("maxLengths"); !v.IsUndefined()) {
    const auto maxLengths = Typed(obj, "maxLengths", napi_int32_array, "an Int32Array").As<Napi::Int32Array>();
    Check(env, static_cast<int64_t>(maxLengths.ElementLength()) == B, "maxLengths has not one length per sentence");
    for (int64_t b = 0; b < B; ++b) {
      Check(env, maxLengths[static_cast<size_t>(b)] >= 1, "maxLengths must be at least 1");
      batch.maxLengths.push_back(maxLengths[static_cast<size_t>(b)]);
    }
    return batch;
  }

  const auto targetArray = Typed(obj, "target", napi_int32_array, "an Int32Array").As<Napi::Int32Array>();
  Check(env, targetArray.ElementLength() % B == 0 && targetArray.ElementLength() > 0,
        "target is not [steps x sentences]");
  const int64_t T = static_cast<int64_t>(targetArray.ElementLength()) / B;
  std::vector<int64_t> target(T * B), input(T * B), scored;
  for (int64_t b = 0; b < B; ++b) {
    bool ended = false;
    for (int64_t t = 0; t < T; ++t) {
      const int64_t i = targetArray[static_cast<size_t>(t * B + b)];
      if (i == kIgnoreIndex) {
        Check(env, t > 0, "a target sentence has no token");
        ended = true;
      } else {
        Check(env, !ended, "target padding is followed by a token");
        Check(env, i >= 0 && i < vocab.target,
              "target index " + std::to_string(i) + " is out of range for " + std::to_string(vocab.target) + " words");
        ++batch.tokens;
        scored.push_back(t * B + b);
      }
      target[t * B + b] = i;
      const int64_t previous = t == 0 ? vocab.sos : target[(t - 1) * B + b];
      input[t * B + b] = previous == kIgnoreIndex ? 0 : previous;
    }
  }
  batch.teacher.assign(T, true);
  if (const Napi::Value v = obj.Get("teacher"); !v.IsUndefined()) {
    const auto teacher = Typed(obj, "teacher", napi_uint8_array, "a Uint8Array").As<Napi::Uint8Array>();
    Check(env, static_cast<int64_t>(teacher.ElementLength()) == T, "teacher has not one coin per target step");
    for (int64_t t = 0; t < T; ++t) batch.teacher[static_cast<size_t>(t)] = teacher[static_cast<size_t>(t)] != 0;
  }

  std::sort(scored.begin(), scored.end());
  batch.scored = at::tensor(scored, longs).to(device);
  batch.target = at::tensor(target, longs).view({T, B}).to(device);
  batch.input = at::tensor(input, longs).view({T, B}).to(device);
  return batch;
}

std::vector<Batch> BatchesFromJS(const Napi::Value& value, const Vocabularies& vocab, const c10::Device& device) {
  if (!value.IsArray()) ThrowType(value.Env(), "Expected an array of batches");
  const auto array = value.As<Napi::Array>();
  std::vector<Batch> batches;
  batches.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) batches.push_back(BatchFromJS(array.Get(i), vocab, device));
  return batches;
}

Napi::Array HypothesesToJS(Napi::Env env, const std::vector<std::vector<std::vector<Hypothesis>>>& hypotheses) {
  auto out = Napi::Array::New(env, hypotheses.size());
  for (uint32_t i = 0; i < hypotheses.size(); ++i) {
    auto batch = Napi::Array::New(env, hypotheses[i].size());
    for (uint32_t b = 0; b < hypotheses[i].size(); ++b) {
      const auto& hyps = hypotheses[i][b];
      auto list = Napi::Array::New(env, hyps.size());
      for (uint32_t n = 0; n < hyps.size(); ++n) {
        auto words = Napi::Array::New(env, hyps[n].words.size());
        for (uint32_t t = 0; t < hyps[n].words.size(); ++t) words.Set(t, static_cast<double>(hyps[n].words[t]));
        auto hyp = Napi::Object::New(env);
        hyp.Set("words", words);
        hyp.Set("logProb", hyps[n].logProb);
        hyp.Set("score", hyps[n].score);
        list.Set(n, hyp);
      }
      batch.Set(b, list);
    }
    out.Set(i, batch);
  }
  return out;
}

}  // namespace seq2seq
