#include "seq2seq/int8_weights.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <stdexcept>

#include "kernels/lstm_cell_cpu.h"

namespace seq2seq {

void Int8Weights::Add(const std::string& name, std::shared_ptr<const Int8Matrix> matrix) {
  matrices_[name] = std::move(matrix);
}

const Int8Matrix* Int8Weights::Find(const std::string& name) const {
  const auto it = matrices_.find(name);
  return it == matrices_.end() ? nullptr : it->second.get();
}

uint8_t* Int8Scratch::Rows(int64_t rows, int64_t stride) {
  const size_t need = static_cast<size_t>(rows * stride);
  if (bytes_.size() < need) bytes_.resize(need);
  return bytes_.data();
}

void Int8Product(const Int8Matrix& w, const float* x, int64_t R, float* y, int64_t ldy, Int8Scratch& scratch) {
  float lo = 0.0f, hi = 0.0f;
  FindMinMax(x, R * w.K(), &lo, &hi);
  Int8Product(w, x, R, ChooseActivationQuant(lo, hi), y, ldy, scratch);
}

void Int8Product(const Int8Matrix& w, const float* x, int64_t R, const ActivationQuant& quant, float* y, int64_t ldy,
                 Int8Scratch& scratch) {
  const int64_t K = w.K(), stride = w.Stride();
  uint8_t* xq = scratch.Rows(R, stride);
  for (int64_t r = 0; r < R; ++r) QuantizeActivations(x + r * K, K, quant, xq + r * stride);
  // Threads only for chunks of at least 8M multiply-adds (~20 microseconds on VNNI): waking OpenMP's sleeping threads
  // costs more than that here, so a step of one sentence (or its five beams) stays on one thread; with 2^16 per
  // chunk, int8 beam search of one sentence at a time ran 2.4x slower on 2 threads than on 1.
  const int64_t perBlock = R * stride * Int8Matrix::kBlock;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 23) / perBlock);
  at::parallel_for(0, w.Blocks(), grain,
                   [&](int64_t begin, int64_t end) { w.Apply(xq, R, quant, y, ldy, begin, end); });
}

namespace {

// Rows per parallel chunk of the cell, as the training kernel's.
int64_t RowGrain(int64_t hidden) { return std::max<int64_t>(1, 32768 / (4 * hidden)); }

const Int8Matrix& Need(const Int8Weights& weights, const std::string& name) {
  const Int8Matrix* m = weights.Find(name);
  if (!m) throw std::invalid_argument("the int8 weights lack " + name);
  return *m;
}

}  // namespace

LstmOutput Int8LstmForward(const Int8Weights& weights, const torch::nn::LSTMOptions& options, const at::Tensor& input,
                           const std::vector<int64_t>& lengths) {
  const int64_t T = input.size(0), B = input.size(1), H = options.hidden_size();
  const int64_t directions = options.bidirectional() ? 2 : 1;
  const auto f32 = input.options().dtype(at::kFloat);
  at::Tensor x = input.to(at::kFloat).contiguous();
  Int8Scratch scratch;
  at::Tensor gx = at::empty({T, B, 4 * H}, f32), gates = at::empty({B, 4 * H}, f32), tanhC = at::empty({B, H}, f32);
  at::Tensor liveH = at::empty({B, H}, f32), liveGates = at::empty({B, 4 * H}, f32);
  std::vector<int64_t> live;
  live.reserve(static_cast<size_t>(B));
  std::vector<at::Tensor> hs, cs;
  for (int64_t layer = 0; layer < options.num_layers(); ++layer) {
    const int64_t I = x.size(2);
    // The input product of every step at once, x quantized over the positions within each length (a packed
    // sequence's data); padded positions are computed too, clamped to that range, and never used.
    float lo = 0.0f, hi = 0.0f;
    bool any = false;
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t b = 0; b < B; ++b) {
        if (!lengths.empty() && t >= lengths[static_cast<size_t>(b)]) continue;
        float l, h;
        FindMinMax(x.data_ptr<float>() + (t * B + b) * I, I, &l, &h);
        lo = any ? std::min(lo, l) : l;
        hi = any ? std::max(hi, h) : h;
        any = true;
      }
    }
    const ActivationQuant inputQuant = ChooseActivationQuant(lo, hi);
    std::vector<at::Tensor> outs;
    for (int64_t d = 0; d < directions; ++d) {
      const bool reverse = d == 1;
      const std::string tail = "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
      const Int8Matrix& ih = Need(weights, "lstm.weight_ih" + tail);
      const Int8Matrix& hh = Need(weights, "lstm.weight_hh" + tail);
      if (ih.K() != I || hh.K() != H || ih.N() != 4 * H || hh.N() != 4 * H) {
        throw std::invalid_argument("the int8 weights of lstm" + tail + " do not fit the LSTM's sizes");
      }
      Int8Product(ih, x.data_ptr<float>(), T * B, inputQuant, gx.data_ptr<float>(), 4 * H, scratch);
      at::Tensor out = at::empty({T, B, H}, f32);
      at::Tensor h[2] = {at::zeros({B, H}, f32), at::empty({B, H}, f32)};
      at::Tensor c[2] = {at::zeros({B, H}, f32), at::empty({B, H}, f32)};
      int cur = 0;
      for (int64_t k = 0; k < T; ++k) {
        const int64_t t = reverse ? T - 1 - k : k;
        live.clear();
        for (int64_t b = 0; b < B; ++b) {
          if (lengths.empty() || t < lengths[static_cast<size_t>(b)]) live.push_back(b);
        }
        const int64_t L = static_cast<int64_t>(live.size());
        if (L == B) {
          Int8Product(hh, h[cur].data_ptr<float>(), B, gates.data_ptr<float>(), 4 * H, scratch);
        } else if (L > 0) {
          // The rows still running, gathered: a packed sequence's batch at this step, quantized as one tensor.
          float* lh = liveH.data_ptr<float>();
          const float* hp = h[cur].data_ptr<float>();
          for (int64_t i = 0; i < L; ++i) std::copy_n(hp + live[static_cast<size_t>(i)] * H, H, lh + i * H);
          Int8Product(hh, lh, L, liveGates.data_ptr<float>(), 4 * H, scratch);
          for (int64_t i = 0; i < L; ++i) {
            const int64_t b = live[static_cast<size_t>(i)];
            std::copy_n(liveGates.data_ptr<float>() + i * 4 * H, 4 * H, gates.data_ptr<float>() + b * 4 * H);
          }
        }
        CellStep<float> s;
        s.hidden = H;
        s.lengths = lengths.empty() ? nullptr : lengths.data();
        s.time = t;
        s.gates = gates.data_ptr<float>();
        s.input = gx.data_ptr<float>() + t * B * 4 * H;
        s.hPrev = h[cur].data_ptr<float>();
        s.cPrev = c[cur].data_ptr<float>();
        s.tanhC = tanhC.data_ptr<float>();
        s.out = out.data_ptr<float>() + t * B * H;
        s.hNext = h[1 - cur].data_ptr<float>();
        s.cNext = c[1 - cur].data_ptr<float>();
        at::parallel_for(0, B, RowGrain(H), [&](int64_t begin, int64_t end) { CellForward(s, begin, end); });
        cur = 1 - cur;
      }
      outs.push_back(out);
      hs.push_back(h[cur]);
      cs.push_back(c[cur]);
    }
    x = directions == 2 ? at::cat(outs, 2) : outs[0];
  }
  return {x, at::stack(hs), at::stack(cs)};
}

}  // namespace seq2seq
