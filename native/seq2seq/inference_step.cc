#include "seq2seq/inference_step.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels/lstm_cell_cpu.h"
#include "kernels/lstm_cpu.h"
#include "kernels/top_k_cpu.h"

namespace seq2seq {

namespace {

// Rows per parallel chunk, as the training kernel's (native/kernels/lstm_cpu.cc): small batches stay on one thread.
int64_t RowGrain(int64_t hidden) { return std::max<int64_t>(1, 32768 / (4 * hidden)); }

// Whether the training kernel's forward runs this LSTM (RunLstm's test), so that a forward of our own gives its values.
bool Fusable(const torch::nn::LSTM& lstm) {
  const auto& o = lstm->options;
  const at::Tensor& w = lstm->named_parameters(false)["weight_hh_l0"];
  return w.device().is_cpu() && (w.scalar_type() == at::kFloat || w.scalar_type() == at::kDouble) && !o.batch_first() &&
         o.proj_size() == 0 && (o.dropout() == 0.0 || !lstm->is_training());
}

}  // namespace

RowWeight& RowWeights::Of(const at::Tensor& weight, const at::Tensor& bias) {
  RowWeight& w = weights_[weight.unsafeGetTensorImpl()];
  if (!w.weight.defined()) {
    w.weight = weight;
    w.bias = bias;
  }
  return w;
}

InferenceDecoder::InferenceDecoder(Seq2SeqParts& parts, int64_t maxRows, RowWeights* rowWeights)
    : parts_(parts), weights_(rowWeights ? rowWeights : &own_) {
  dense_ = &weights_->Of(parts.decoderDense->weight, parts.decoderDense->bias);
  if (!parts.attention.combine.is_empty()) {
    combine_ = &weights_->Of(parts.attention.combine->weight, parts.attention.combine->bias);
  }
  if (Fusable(parts.encoderLstm)) {
    const auto& o = parts.encoderLstm->options;
    const auto encoder = parts.encoderLstm->named_parameters(/*recurse=*/false);
    for (int64_t l = 0; l < o.num_layers(); ++l) {
      for (const char* suffix : {"", "_reverse"}) {
        if (*suffix && !o.bidirectional()) continue;
        const std::string tail = "_l" + std::to_string(l) + suffix;
        const at::Tensor* b = encoder.find("bias_hh" + tail);
        encoderHh_.push_back(&weights_->Of(encoder["weight_hh" + tail], b ? *b : at::Tensor()));
      }
    }
  }
  fused_ = Fusable(parts.decoderLstm);
  if (parts.decoderInt8 &&
      (!fused_ || parts.decoderLstm->named_parameters(false)["weight_hh_l0"].scalar_type() != at::kFloat)) {
    throw std::invalid_argument("an int8 model decodes on the CPU, in float32");
  }
  if (!fused_) return;
  const auto params = parts.decoderLstm->named_parameters(/*recurse=*/false);
  const auto param = [&](const char* kind, int64_t layer) {
    const at::Tensor* p = params.find(std::string(kind) + "_l" + std::to_string(layer));
    return p ? *p : at::Tensor();
  };
  const int64_t L = parts.Layers(), H = parts.Hidden();
  for (int64_t l = 0; l < L; ++l) {
    Layer layer;
    layer.ih = &weights_->Of(param("weight_ih", l), param("bias_ih", l));
    layer.hh = &weights_->Of(param("weight_hh", l), param("bias_hh", l));
    if (parts.decoderInt8) {
      layer.ih8 = parts.decoderInt8->Find("lstm.weight_ih_l" + std::to_string(l));
      layer.hh8 = parts.decoderInt8->Find("lstm.weight_hh_l" + std::to_string(l));
    }
    layers_.push_back(layer);
  }
  if (parts.decoderInt8) {
    dense8_ = parts.decoderInt8->Find("dense.weight");
    if (dense8_) logits_ = at::empty({maxRows, dense8_->N()}, layers_[0].ih->weight.options());
  }
  const auto options = layers_[0].ih->weight.options();
  gx_ = at::empty({maxRows, 4 * H}, options);
  gates_ = at::empty({maxRows, 4 * H}, options);
  tanhC_ = at::empty({maxRows, H}, options);
  out_ = at::empty({maxRows, H}, options);
  for (int i = 0; i < 2; ++i) {
    h_[i] = at::empty({L, maxRows, H}, options);
    c_[i] = at::empty({L, maxRows, H}, options);
  }
}

at::Tensor InferenceDecoder::Lstm(const at::Tensor& input, DecoderState& state) {
  const int64_t R = input.size(0);
  if (!fused_ || R > gx_.size(0) || input.scalar_type() != gx_.scalar_type()) {
    LstmOutput step = RunLstm(parts_.decoderLstm, input.view({1, R, -1}), state.h, state.c);
    state.h = step.h;
    state.c = step.c;
    return step.output.squeeze(0);
  }
  const int64_t H = parts_.Hidden();
  // The other buffer than the one state.h may be a view of: this step reads the old state while writing the new.
  parity_ ^= 1;
  at::Tensor h = h_[parity_].narrow(1, 0, R), c = c_[parity_].narrow(1, 0, R);
  at::Tensor gx = gx_.narrow(0, 0, R), gates = gates_.narrow(0, 0, R);
  at::Tensor out = out_.narrow(0, 0, R);
  at::Tensor x = input.contiguous();
  for (size_t l = 0; l < layers_.size(); ++l) {
    Layer& w = layers_[l];
    // The products and additions of RunLstm's step (at::linear's addmm for the input, then h W_hh^T + b_hh), so
    // that the values are the training kernel's; x is read before the cell overwrites `out` with this layer's output.
    const at::Tensor hPrev = state.h.select(0, static_cast<int64_t>(l)).contiguous();
    const at::Tensor cPrev = state.c.select(0, static_cast<int64_t>(l)).contiguous();
    if (w.ih8) {
      Int8Product(*w.ih8, x.data_ptr<float>(), R, gx.data_ptr<float>(), 4 * H, scratch_);
    } else {
      Product(*w.ih, x, gx);
    }
    if (w.hh8) {
      Int8Product(*w.hh8, hPrev.data_ptr<float>(), R, gates.data_ptr<float>(), 4 * H, scratch_);
    } else {
      Product(*w.hh, hPrev, gates);
    }
    const at::Tensor hNext = h.select(0, static_cast<int64_t>(l)), cNext = c.select(0, static_cast<int64_t>(l));
    AT_DISPATCH_FLOATING_TYPES(gx.scalar_type(), "InferenceDecoder.Lstm", [&] {
      CellStep<scalar_t> s;
      s.hidden = H;
      s.gates = gates.data_ptr<scalar_t>();
      s.input = gx.data_ptr<scalar_t>();
      s.hPrev = hPrev.data_ptr<scalar_t>();
      s.cPrev = cPrev.data_ptr<scalar_t>();
      s.tanhC = tanhC_.data_ptr<scalar_t>();
      s.out = out.data_ptr<scalar_t>();
      s.hNext = hNext.data_ptr<scalar_t>();
      s.cNext = cNext.data_ptr<scalar_t>();
      at::parallel_for(0, R, RowGrain(H), [&](int64_t begin, int64_t end) { CellForward(s, begin, end); });
    });
    x = out;
  }
  state.h = h;
  state.c = c;
  return out;
}

at::Tensor InferenceDecoder::Product(RowWeight& w, const at::Tensor& x, at::Tensor out) {
  const int64_t M = x.size(0);
  const int64_t N = w.weight.size(0), K = w.weight.size(1);
  const bool fewRows = M >= 1 && M <= kMaxProductRows && RowsProductPays(M, N, K) && x.device().is_cpu() &&
                       x.scalar_type() == at::kFloat && w.weight.scalar_type() == at::kFloat &&
                       (!w.bias.defined() || w.bias.scalar_type() == at::kFloat);
  const float* bias = fewRows && w.bias.defined() ? w.bias.data_ptr<float>() : nullptr;
  int8_t& checked = w.checked[static_cast<size_t>(fewRows ? M : 0)];
  if (fewRows && checked == 0) {
    // Fixed probe rows (the global random generator is not touched): RowsProduct is used only where it gives the
    // BLAS's bits, as it does where the BLAS sums each output in order (OpenBLAS's sgemm kernels, K <= 256).
    at::Tensor probe = at::empty({M, K}, x.options());
    float* p = probe.data_ptr<float>();
    // Values in [-1, 1) with 24 bits each from a multiplicative hash of the index: as irregular as sin(), whose calls
    // took 4% of a short decoding job (a check per weight and row count in each job).
    for (int64_t i = 0; i < M * K; ++i) {
      const uint32_t h = static_cast<uint32_t>(i + 1) * 2654435761u;
      p[i] = static_cast<float>(static_cast<int32_t>(h >> 8) - (1 << 23)) * (1.0f / (1 << 23));
    }
    const at::Tensor expected = w.bias.defined() ? at::addmm(w.bias, probe, w.weight.t()) : at::mm(probe, w.weight.t());
    if (!w.wT.defined()) w.wT = w.weight.t().contiguous();
    at::Tensor got = at::empty({M, N}, x.options());
    RowsProduct(p, M, w.wT.data_ptr<float>(), bias, got.data_ptr<float>(), K, N);
    checked = at::equal(expected, got) ? 1 : -1;
    // W^T is kept only while some row count uses it.
    if (checked == -1 && std::find(w.checked.begin(), w.checked.end(), 1) == w.checked.end()) w.wT.reset();
  }
  if (fewRows && checked == 1) {
    const at::Tensor rows = x.contiguous();
    if (!out.defined()) out = at::empty({M, N}, x.options());
    RowsProduct(rows.data_ptr<float>(), M, w.wT.data_ptr<float>(), bias, out.data_ptr<float>(), K, N);
    return out;
  }
  if (!out.defined()) return w.bias.defined() ? at::addmm(w.bias, x, w.weight.t()) : at::mm(x, w.weight.t());
  if (w.bias.defined()) return at::addmm_out(out, w.bias, x, w.weight.t());
  return at::mm_out(out, x, w.weight.t());
}

Encoded InferenceDecoder::Encode(const Batch& batch) {
  if (parts_.encoderInt8) return EncodeInt8(batch);
  if (encoderHh_.empty() || batch.size != 1 || batch.source.scalar_type() != at::kLong)
    return seq2seq::Encode(parts_, batch);
  // seq2seq::Encode for one sentence (its source needs no packing), with EncodeOne for RunLstm.
  const at::Tensor embedded = parts_.encoderEmbedding->forward(batch.source);  // [S, 1, E]
  if (embedded.scalar_type() != at::kFloat) return seq2seq::Encode(parts_, batch);
  const auto& lstm = parts_.encoderLstm->options;
  const int64_t directions = lstm.bidirectional() ? 2 : 1;
  const auto zeros = at::zeros({parts_.Layers() * directions, 1, lstm.hidden_size()}, embedded.options());
  const LstmOutput result = EncodeOne(embedded, zeros, zeros);
  Encoded e;
  e.h = result.h;
  e.c = result.c;
  if (directions == 2) {
    // [layers x 2, 1, H/2] -> [layers, 1, H]: each layer's forward and backward states side by side.
    const auto bridge = [&](const at::Tensor& x) {
      return x.view({parts_.Layers(), 2, 1, -1}).transpose(1, 2).reshape({parts_.Layers(), 1, -1});
    };
    e.h = bridge(e.h);
    e.c = bridge(e.c);
  }
  if (parts_.attention.On()) {
    e.memory = result.output.transpose(0, 1).contiguous();  // [1, S, H]
    e.keys = AttentionKeys(parts_.attention, e.memory);
    const auto lengths = batch.sourceLengths.to(batch.source.device());
    e.mask = at::arange(batch.source.size(0), batch.source.options()).unsqueeze(0) < lengths.unsqueeze(1);
  }
  return e;
}

Encoded InferenceDecoder::EncodeInt8(const Batch& batch) {
  // seq2seq::Encode with Int8LstmForward for RunLstm.
  const at::Tensor embedded = parts_.encoderEmbedding->forward(batch.source);  // [S, B, E]
  if (!embedded.device().is_cpu() || embedded.scalar_type() != at::kFloat) {
    throw std::invalid_argument("an int8 model decodes on the CPU, in float32");
  }
  std::vector<int64_t> lengths;
  if (!batch.sameSourceLength) {
    const auto* l = batch.sourceLengths.data_ptr<int64_t>();
    lengths.assign(l, l + batch.size);
  }
  const LstmOutput result = Int8LstmForward(*parts_.encoderInt8, parts_.encoderLstm->options, embedded, lengths);
  Encoded e;
  e.h = result.h;
  e.c = result.c;
  if (parts_.Bidirectional()) {
    // [layers x 2, B, H/2] -> [layers, B, H]: each layer's forward and backward states side by side.
    const auto bridge = [&](const at::Tensor& x) {
      return x.view({parts_.Layers(), 2, batch.size, -1}).transpose(1, 2).reshape({parts_.Layers(), batch.size, -1});
    };
    e.h = bridge(e.h);
    e.c = bridge(e.c);
  }
  if (parts_.attention.On()) {
    e.memory = result.output.transpose(0, 1).contiguous();  // [B, S, H]
    e.keys = AttentionKeys(parts_.attention, e.memory);
    const auto sourceLengths = batch.sourceLengths.to(batch.source.device());
    e.mask = at::arange(batch.source.size(0), batch.source.options()).unsqueeze(0) < sourceLengths.unsqueeze(1);
  }
  return e;
}

LstmOutput InferenceDecoder::EncodeOne(const at::Tensor& input, const at::Tensor& h0, const at::Tensor& c0) {
  // RunLstm's forward for one sentence (no lengths), without autograd's node and its saved buffers.
  const auto& o = parts_.encoderLstm->options;
  const int64_t T = input.size(0), H = o.hidden_size(), directions = o.bidirectional() ? 2 : 1;
  const auto params = parts_.encoderLstm->named_parameters(/*recurse=*/false);
  at::Tensor x = input;
  std::vector<at::Tensor> hs, cs;
  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    std::vector<at::Tensor> outs;
    for (int64_t d = 0; d < directions; ++d) {
      const bool reverse = d == 1;
      const std::string tail = "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
      const at::Tensor* bIh = params.find("bias_ih" + tail);
      const at::Tensor gx = at::linear(x, params["weight_ih" + tail], bIh ? *bIh : at::Tensor()).contiguous();
      const int64_t s = layer * directions + d;
      RowWeight& hh = *encoderHh_[static_cast<size_t>(s)];
      at::Tensor out = at::empty({T, 1, H}, gx.options());
      at::Tensor h = h0[s].contiguous(), c = c0[s].contiguous();
      at::Tensor gates = at::empty({1, 4 * H}, gx.options()), tanhC = at::empty({1, H}, gx.options());
      for (int64_t k = 0; k < T; ++k) {
        const int64_t t = reverse ? T - 1 - k : k;
        Product(hh, h, gates);
        const at::Tensor hNext = at::empty({1, H}, gx.options()), cNext = at::empty({1, H}, gx.options());
        CellStep<float> step;
        step.hidden = H;
        step.gates = gates.data_ptr<float>();
        step.input = gx.data_ptr<float>() + t * 4 * H;
        step.hPrev = h.data_ptr<float>();
        step.cPrev = c.data_ptr<float>();
        step.tanhC = tanhC.data_ptr<float>();
        step.out = out.data_ptr<float>() + t * H;
        step.hNext = hNext.data_ptr<float>();
        step.cNext = cNext.data_ptr<float>();
        CellForward(step, 0, 1);
        h = hNext;
        c = cNext;
      }
      outs.push_back(out);
      hs.push_back(h);
      cs.push_back(c);
    }
    x = directions == 2 ? at::cat(outs, 2) : outs[0];
  }
  return {x, at::stack(hs), at::stack(cs)};
}

at::Tensor InferenceDecoder::Features(const Encoded& encoded, const at::Tensor& x, DecoderState& state, int64_t group,
                                      at::Tensor* weights) {
  AttentionParts& a = parts_.attention;
  const at::Tensor embedded = parts_.decoderEmbedding->forward(x);  // [R, E]
  at::Tensor features;
  if (!a.On()) {
    features = Lstm(embedded, state);
  } else if (a.kind == AttentionKind::Bahdanau) {
    auto [context, w] = AttendGrouped(a, state.h.select(0, -1), encoded.memory, encoded.keys, encoded.mask, group);
    features = at::cat({Lstm(at::cat({embedded, context}, 1), state), context}, 1);
    if (weights) *weights = w;
  } else {
    const at::Tensor out = Lstm(a.inputFeed ? at::cat({embedded, state.feed}, 1) : embedded, state);
    auto [context, w] = AttendGrouped(a, out, encoded.memory, encoded.keys, encoded.mask, group);
    features = at::tanh(Product(*combine_, at::cat({context, out}, 1)));
    if (a.inputFeed) state.feed = features;
    if (weights) *weights = w;
  }
  return features;
}

at::Tensor InferenceDecoder::Logits8(const at::Tensor& features) {
  const int64_t R = features.size(0);
  const at::Tensor f = features.contiguous();
  at::Tensor logits = R <= logits_.size(0) ? logits_.narrow(0, 0, R) : at::empty({R, dense8_->N()}, f.options());
  Int8Product(*dense8_, f.data_ptr<float>(), R, logits.data_ptr<float>(), dense8_->N(), scratch_);
  return logits;
}

at::Tensor InferenceDecoder::Step(const Encoded& encoded, const at::Tensor& x, DecoderState& state, int64_t group,
                                  at::Tensor* weights) {
  const at::Tensor features = Features(encoded, x, state, group, weights);
  return at::log_softmax(dense8_ ? Logits8(features) : Product(*dense_, features), 1);
}

std::tuple<at::Tensor, at::Tensor> InferenceDecoder::StepTop(const Encoded& encoded, const at::Tensor& x,
                                                             DecoderState& state, int64_t k, int64_t group,
                                                             at::Tensor* weights) {
  const int64_t V = parts_.decoderDense->weight.size(0);
  k = std::min(k, V);
  if (!dense8_ || k < 1 || k > 64) return TopRows(Step(encoded, x, state, group, weights), k);
  const at::Tensor logits = Logits8(Features(encoded, x, state, group, weights));
  const int64_t R = logits.size(0);
  at::Tensor values = at::empty({R, k}, logits.options());
  at::Tensor indices = at::empty({R, k}, logits.options().dtype(at::kLong));
  LogSoftmaxTopK(logits.data_ptr<float>(), R, V, k, values.data_ptr<float>(), indices.data_ptr<int64_t>());
  return {values, indices};
}

std::tuple<at::Tensor, at::Tensor> TopRows(const at::Tensor& x, int64_t k) {
  const bool own = x.device().is_cpu() && x.dim() == 2 && k >= 1 && k <= 64 && k <= x.size(1) &&
                   (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble);
  if (!own) return x.topk(k, 1);
  const at::Tensor in = x.contiguous();
  const int64_t rows = in.size(0), V = in.size(1);
  at::Tensor values = at::empty({rows, k}, in.options()), indices = at::empty({rows, k}, in.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES(in.scalar_type(), "TopRows", [&] {
    TopK<scalar_t>(in.data_ptr<scalar_t>(), rows, V, k, values.data_ptr<scalar_t>(), indices.data_ptr<int64_t>());
  });
  return {values, indices};
}

std::pair<at::Tensor, at::Tensor> AttendGrouped(AttentionParts& attention, const at::Tensor& query,
                                                const at::Tensor& memory, const at::Tensor& keys,
                                                const at::Tensor& mask, int64_t group) {
  if (group == 1) return Attend(attention, query, memory, keys, mask);
  const int64_t A = memory.size(0), S = memory.size(1), H = query.size(1);
  if (attention.kind == AttentionKind::LuongConcat) {
    const at::Tensor rows = at::arange(A, mask.options().dtype(at::kLong)).repeat_interleave(group);
    return Attend(attention, query, memory.index_select(0, rows), keys.index_select(0, rows),
                  mask.index_select(0, rows));
  }
  at::Tensor scores;  // [A, group, S]
  if (attention.kind == AttentionKind::Bahdanau) {
    const at::Tensor asked = attention.query->forward(query).view({A, group, 1, H});
    scores = attention.v->forward(at::tanh(asked + keys.unsqueeze(1))).squeeze(3);
  } else {
    // keys [A, S, H] x queries [A, H, group]: Attend's product with the group's queries as columns.
    scores = at::bmm(keys, query.view({A, group, H}).transpose(1, 2)).transpose(1, 2);
  }
  const at::Tensor weights =
      at::softmax(scores.masked_fill(mask.logical_not().unsqueeze(1), -std::numeric_limits<double>::infinity()), 2);
  const at::Tensor context = at::bmm(weights, memory);  // [A, group, H]
  return {context.view({A * group, H}), weights.reshape({A * group, S})};
}

}  // namespace seq2seq
