#include "kernels/lstm_cpu.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>
#include <torch/nn/utils/rnn.h>

#include <cmath>
#include <string>
#include <tuple>

#include "kernels/lstm_cell_cpu.h"
#include "seq2seq/autocast.h"

namespace seq2seq {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Rows per parallel chunk: about 32k gate values, ATen's grain, so small batches stay on one thread.
int64_t RowGrain(int64_t hidden) { return std::max<int64_t>(1, 32768 / (4 * hidden)); }

// One layer in one direction over all steps. Inputs: gx [T, B, 4H] (the input's projection with bias_ih, for all
// steps at once), h0, c0 [B, H], w_hh [4H, H], b_hh [4H] (may be undefined). Outputs: out [T, B, H], hT, cT.
// Saved per step: the gates after their nonlinearities, tanh(c), and the state the step started from.
// `low` (mixed precision: bf16) is the dtype of the recurrent products, forward and backward, as F.linear runs
// them under autocast; the gates' arithmetic, the state and everything saved stay in gx's dtype (float32).
struct LstmLayer : public torch::autograd::Function<LstmLayer> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& gx, const at::Tensor& h0, const at::Tensor& c0,
                               const at::Tensor& w_hh, const at::Tensor& b_hh, const std::vector<int64_t>& lengths,
                               bool reverse, at::ScalarType low) {
    const int64_t T = gx.size(0), B = gx.size(1), H = h0.size(1);
    const at::Tensor x = gx.contiguous();
    at::Tensor gates = at::empty({T, B, 4 * H}, x.options());
    at::Tensor hPrev = at::empty({T, B, H}, x.options());  // the state each step starts from (time order)
    at::Tensor cPrev = at::empty({T, B, H}, x.options());
    at::Tensor tanhC = at::empty({T, B, H}, x.options());
    at::Tensor out = at::empty({T, B, H}, x.options());
    at::Tensor hT = at::empty({B, H}, x.options());
    at::Tensor cT = at::empty({B, H}, x.options());
    const bool mixed = low != x.scalar_type();
    const at::Tensor wT = mixed ? w_hh.to(low).t() : w_hh.t();
    const at::Tensor bias = mixed && b_hh.defined() ? b_hh.to(low) : b_hh;
    // Mixed precision: the step's state and product in `low`, in buffers of the whole layer's call.
    at::Tensor hLow, gLow;
    if (mixed) {
      hLow = at::empty({B, H}, x.options().dtype(low));
      gLow = at::empty({B, 4 * H}, x.options().dtype(low));
    }
    const int64_t first = reverse ? T - 1 : 0;
    hPrev[first].copy_(h0);
    cPrev[first].copy_(c0);
    const int64_t* lengthsPtr = lengths.empty() ? nullptr : lengths.data();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "LstmLayer.forward", [&] {
      for (int64_t k = 0; k < T; ++k) {
        const int64_t t = reverse ? T - 1 - k : k;
        const bool last = k + 1 == T;
        const int64_t next = reverse ? t - 1 : t + 1;
        at::Tensor g = gates[t];
        // gates = h W_hh^T + b_hh, then + the input's part: ATen's order of additions.
        if (mixed) {
          hLow.copy_(hPrev[t]);
          if (bias.defined()) {
            at::addmm_out(gLow, bias, hLow, wT);
          } else {
            at::mm_out(gLow, hLow, wT);
          }
          g.copy_(gLow);
        } else if (b_hh.defined()) {
          at::addmm_out(g, b_hh, hPrev[t], wT);
        } else {
          at::mm_out(g, hPrev[t], wT);
        }
        CellStep<scalar_t> s;
        s.hidden = H;
        s.lengths = lengthsPtr;
        s.time = t;
        s.gates = g.data_ptr<scalar_t>();
        s.input = x[t].data_ptr<scalar_t>();
        s.hPrev = hPrev[t].data_ptr<scalar_t>();
        s.cPrev = cPrev[t].data_ptr<scalar_t>();
        s.tanhC = tanhC[t].data_ptr<scalar_t>();
        s.out = out[t].data_ptr<scalar_t>();
        s.hNext = (last ? hT : hPrev[next]).data_ptr<scalar_t>();
        s.cNext = (last ? cT : cPrev[next]).data_ptr<scalar_t>();
        at::parallel_for(0, B, RowGrain(H), [&](int64_t begin, int64_t end) { CellForward(s, begin, end); });
      }
    });
    ctx->save_for_backward({w_hh, gates, hPrev, cPrev, tanhC});
    ctx->saved_data["lengths"] = lengths;
    ctx->saved_data["reverse"] = reverse;
    ctx->saved_data["bias"] = b_hh.defined();
    ctx->saved_data["low"] = static_cast<int64_t>(low);
    return {out, hT, cT};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& w_hh = saved[0];
    const at::Tensor& gates = saved[1];
    const at::Tensor& hPrev = saved[2];
    const at::Tensor& cPrev = saved[3];
    const at::Tensor& tanhC = saved[4];
    const std::vector<int64_t> lengths = ctx->saved_data["lengths"].toIntVector();
    const bool reverse = ctx->saved_data["reverse"].toBool();
    const auto low = static_cast<at::ScalarType>(ctx->saved_data["low"].toInt());
    const bool mixed = low != gates.scalar_type();
    const at::Tensor w = mixed ? w_hh.to(low) : w_hh;
    at::Tensor dLow, prodLow;  // mixed precision: the step's dGates and dGates W_hh in `low`
    if (mixed) {
      dLow = at::empty({gates.size(1), gates.size(2)}, gates.options().dtype(low));
      prodLow = at::empty({gates.size(1), w_hh.size(1)}, gates.options().dtype(low));
    }
    const int64_t T = gates.size(0), B = gates.size(1), H = hPrev.size(2);
    const at::Tensor dOut = grads[0].defined() ? grads[0].contiguous() : at::zeros({T, B, H}, gates.options());
    at::Tensor dh =
        grads[1].defined() ? grads[1].clone(at::MemoryFormat::Contiguous) : at::zeros({B, H}, gates.options());
    at::Tensor dc =
        grads[2].defined() ? grads[2].clone(at::MemoryFormat::Contiguous) : at::zeros({B, H}, gates.options());
    at::Tensor dGates = at::empty({T, B, 4 * H}, gates.options());
    const int64_t* lengthsPtr = lengths.empty() ? nullptr : lengths.data();
    AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "LstmLayer.backward", [&] {
      for (int64_t k = T - 1; k >= 0; --k) {
        const int64_t t = reverse ? T - 1 - k : k;
        CellGrad<scalar_t> s;
        s.hidden = H;
        s.lengths = lengthsPtr;
        s.time = t;
        s.gates = gates[t].data_ptr<scalar_t>();
        s.tanhC = tanhC[t].data_ptr<scalar_t>();
        s.cPrev = cPrev[t].data_ptr<scalar_t>();
        s.dOut = dOut[t].data_ptr<scalar_t>();
        s.dh = dh.data_ptr<scalar_t>();
        s.dc = dc.data_ptr<scalar_t>();
        s.dGates = dGates[t].data_ptr<scalar_t>();
        at::parallel_for(0, B, RowGrain(H), [&](int64_t begin, int64_t end) { CellBackward(s, begin, end); });
        // The active rows' dh was zeroed: it becomes dGates W_hh.
        if (mixed) {
          dLow.copy_(dGates[t]);
          at::mm_out(prodLow, dLow, w);
          dh.add_(prodLow);
        } else {
          dh.addmm_(dGates[t], w_hh);
        }
      }
    });
    const at::Tensor flatGates = dGates.view({T * B, 4 * H});
    const at::Tensor dW = mixed ? flatGates.to(low).t().mm(hPrev.view({T * B, H}).to(low)).to(w_hh.scalar_type())
                                : flatGates.t().mm(hPrev.view({T * B, H}));
    const at::Tensor db = ctx->saved_data["bias"].toBool() ? flatGates.sum(0) : at::Tensor();
    return {dGates, dh, dc, dW, db, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool Fused(const torch::nn::LSTM& lstm, const at::Tensor& input) {
  const auto& o = lstm->options;
  return input.device().is_cpu() && (input.scalar_type() == at::kFloat || input.scalar_type() == at::kDouble) &&
         !o.batch_first() && o.proj_size() == 0 && (o.dropout() == 0.0 || !lstm->is_training());
}

LstmOutput ModuleForward(torch::nn::LSTM& lstm, const at::Tensor& input, const at::Tensor& h0, const at::Tensor& c0,
                         const std::vector<int64_t>& lengths) {
  const auto state = std::make_tuple(h0, c0);
  LstmOutput r;
  if (lengths.empty()) {
    auto result = lstm->forward(input, state);
    r.output = std::get<0>(result);
    std::tie(r.h, r.c) = std::get<1>(result);
    return r;
  }
  const at::Tensor lengthsTensor = at::tensor(lengths, at::TensorOptions().dtype(at::kLong));
  const auto packed = torch::nn::utils::rnn::pack_padded_sequence(input, lengthsTensor, /*batch_first=*/false,
                                                                  /*enforce_sorted=*/false);
  auto result = lstm->forward_with_packed_input(packed, state);
  std::tie(r.h, r.c) = std::get<1>(result);
  r.output = std::get<0>(torch::nn::utils::rnn::pad_packed_sequence(std::get<0>(result), /*batch_first=*/false,
                                                                    /*padding_value=*/0.0, input.size(0)));
  return r;
}

}  // namespace

LstmOutput RunLstmLayerwise(torch::nn::LSTM& lstm, const at::Tensor& input, const at::Tensor& h0, const at::Tensor& c0,
                            const std::vector<int64_t>& lengths, const Dropout& dropout) {
  namespace rnn = torch::nn::utils::rnn;
  const auto& o = lstm->options;
  const int64_t directions = o.bidirectional() ? 2 : 1;
  const auto params = lstm->named_parameters(/*recurse=*/false);
  const at::Tensor lengthsTensor =
      lengths.empty() ? at::Tensor() : at::tensor(lengths, at::TensorOptions().dtype(at::kLong));
  at::Tensor x = input;
  std::vector<at::Tensor> hs, cs;
  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    if (layer > 0) x = ApplyDropout(x, dropout);
    std::vector<at::Tensor> weights;  // at::lstm's order: per direction w_ih, w_hh, b_ih, b_hh
    for (int64_t d = 0; d < directions; ++d) {
      for (const char* kind : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) {
        const std::string name = std::string(kind) + "_l" + std::to_string(layer) + (d == 1 ? "_reverse" : "");
        if (const at::Tensor* p = params.find(name)) weights.push_back(*p);
      }
    }
    const at::Tensor h = h0.narrow(0, layer * directions, directions);
    const at::Tensor c = c0.narrow(0, layer * directions, directions);
    if (lengths.empty()) {
      auto [out, hy, cy] = at::lstm(x, {h, c}, weights, o.bias(), 1, 0.0, lstm->is_training(), o.bidirectional(),
                                    /*batch_first=*/false);
      x = out;
      hs.push_back(hy);
      cs.push_back(cy);
      continue;
    }
    const auto packed = rnn::pack_padded_sequence(x, lengthsTensor, /*batch_first=*/false, /*enforce_sorted=*/false);
    const at::Tensor& sorted = packed.sorted_indices();
    const at::Tensor& unsorted = packed.unsorted_indices();
    auto [data, hy, cy] =
        at::lstm(packed.data(), packed.batch_sizes(), {h.index_select(1, sorted), c.index_select(1, sorted)}, weights,
                 o.bias(), 1, 0.0, lstm->is_training(), o.bidirectional());
    x = std::get<0>(rnn::pad_packed_sequence(rnn::PackedSequence(data, packed.batch_sizes(), sorted, unsorted),
                                             /*batch_first=*/false, /*padding_value=*/0.0, input.size(0)));
    hs.push_back(hy.index_select(1, unsorted));
    cs.push_back(cy.index_select(1, unsorted));
  }
  return {x, at::cat(hs), at::cat(cs)};
}

LstmOutput RunLstm(torch::nn::LSTM& lstm, const at::Tensor& input, const at::Tensor& h0, const at::Tensor& c0,
                   const std::vector<int64_t>& lengths, const Dropout* dropout) {
  const auto& o = lstm->options;
  const int64_t directions = o.bidirectional() ? 2 : 1;
  TORCH_CHECK(input.dim() == 3 && input.size(2) == o.input_size(), "Expected the LSTM's input as [steps, batch, ",
              o.input_size(), "], got ", input.sizes());
  const std::vector<int64_t> state{o.num_layers() * directions, input.size(1), o.hidden_size()};
  TORCH_CHECK(h0.sizes() == state && c0.sizes() == state, "Expected the LSTM's state as ", c10::IntArrayRef(state),
              ", got ", h0.sizes(), " and ", c0.sizes());
  TORCH_CHECK(h0.scalar_type() == input.scalar_type() && c0.scalar_type() == input.scalar_type() &&
                  h0.device() == input.device() && c0.device() == input.device(),
              "Expected the LSTM's input and state of one dtype on one device");
  TORCH_CHECK(lengths.empty() || static_cast<int64_t>(lengths.size()) == input.size(1),
              "Expected one length per sequence");
  for (const int64_t n : lengths) {
    TORCH_CHECK(n >= 1 && n <= input.size(0), "Expected sequence lengths from 1 to ", input.size(0), ", got ", n);
  }
  const bool dropped = dropout && dropout->On() && o.num_layers() > 1;
  if (!Fused(lstm, input)) {
    return dropped ? RunLstmLayerwise(lstm, input, h0, c0, lengths, *dropout)
                   : ModuleForward(lstm, input, h0, c0, lengths);
  }
  const auto params = lstm->named_parameters(/*recurse=*/false);
  const auto param = [&](const char* kind, int64_t layer, bool reverse) {
    const std::string name = std::string(kind) + "_l" + std::to_string(layer) + (reverse ? "_reverse" : "");
    const at::Tensor* p = params.find(name);
    return p ? *p : at::Tensor();
  };
  // Under autocast (bf16 on the CPU) the input products come out of at::linear in bf16 and are widened for the
  // gates' arithmetic; the recurrent ones run in bf16 too (LstmLayer).
  const at::ScalarType autocast = AutocastDtype(input.device());
  const at::ScalarType low = autocast == at::ScalarType::Undefined ? input.scalar_type() : autocast;
  at::Tensor x = input;
  std::vector<at::Tensor> hs, cs;
  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    if (layer > 0 && dropped) x = ApplyDropout(x, *dropout);
    std::vector<at::Tensor> outs;
    for (int64_t d = 0; d < directions; ++d) {
      const bool reverse = d == 1;
      const at::Tensor gx =
          at::linear(x, param("weight_ih", layer, reverse), param("bias_ih", layer, reverse)).to(input.scalar_type());
      const int64_t s = layer * directions + d;
      auto r = LstmLayer::apply(gx, h0[s], c0[s], param("weight_hh", layer, reverse), param("bias_hh", layer, reverse),
                                lengths, reverse, low);
      outs.push_back(r[0]);
      hs.push_back(r[1]);
      cs.push_back(r[2]);
    }
    x = directions == 2 ? at::cat(outs, 2) : outs[0];  // the module's own dropout option: Fused leaves it to it
  }
  return {x, at::stack(hs), at::stack(cs)};
}

}  // namespace seq2seq
