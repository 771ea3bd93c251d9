#include "kernels/output_loss.h"

#include <ATen/Parallel.h>
#include <torch/autograd.h>

#include <vector>

#include "kernels/softmax_loss_cpu.h"

namespace seq2seq {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The summed loss of `logits`' rows; with `gradient`, logits become d loss / d logits.
at::Tensor RowLosses(at::Tensor& logits, const at::Tensor& target, double smoothing, int64_t ignoreIndex,
                     bool gradient) {
  const int64_t rows = logits.size(0);
  std::vector<double> loss(static_cast<size_t>(rows));
  SoftmaxLossRows r;
  r.vocab = logits.size(1);
  r.logits = logits.data_ptr<float>();
  r.target = target.data_ptr<int64_t>();
  r.ignore = ignoreIndex;
  r.smoothing = smoothing;
  r.gradient = gradient;
  r.loss = loss.data();
  // A row is a few microseconds of work at real vocabularies: a few rows a task.
  at::parallel_for(0, rows, 4, [&](int64_t begin, int64_t end) { SoftmaxLoss(r, begin, end); });
  double sum = 0.0;
  for (const double l : loss) sum += l;
  return at::scalar_tensor(sum, logits.options());
}

at::Tensor Logits(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  // at::linear's own product for 2-d inputs: the logits are those of the module's forward, bit for bit.
  return b.defined() ? at::addmm(b, x, w.t()) : at::mm(x, w.t());
}

void CheckTargets(const at::Tensor& target, int64_t rows, int64_t vocab, int64_t ignoreIndex) {
  TORCH_CHECK(target.dim() == 1 && target.size(0) == rows, "output loss: one target per row");
  const int64_t* t = target.data_ptr<int64_t>();
  for (int64_t i = 0; i < rows; ++i) {
    TORCH_CHECK(t[i] == ignoreIndex || (t[i] >= 0 && t[i] < vocab), "output loss: target ", t[i],
                " is outside the vocabulary of ", vocab);
  }
}

struct OutputLoss : public torch::autograd::Function<OutputLoss> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                            const at::Tensor& target, double smoothing, int64_t ignoreIndex) {
    at::Tensor g = Logits(x, w, b);
    const at::Tensor loss = RowLosses(g, target, smoothing, ignoreIndex, true);
    // d loss / d logits is complete: the layer's gradients now, so that g is freed before backward.
    ctx->saved_data["dx"] = x.requires_grad() ? g.mm(w) : at::Tensor();
    ctx->saved_data["dw"] = w.requires_grad() ? g.t().mm(x) : at::Tensor();
    ctx->saved_data["db"] = b.defined() && b.requires_grad() ? g.sum(0) : at::Tensor();
    return loss;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const at::Tensor& scale = grads[0];
    const auto scaled = [&](const char* name) {
      const at::Tensor d = ctx->saved_data[name].toTensor();
      return d.defined() ? d * scale : at::Tensor();
    };
    return {scaled("dx"), scaled("dw"), scaled("db"), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

bool OutputLayerLossApplies(const at::Tensor& features, const at::Tensor& weight) {
  return features.device().is_cpu() && weight.device().is_cpu() && features.scalar_type() == at::kFloat &&
         weight.scalar_type() == at::kFloat && features.dim() == 2;
}

at::Tensor OutputLayerLoss(const at::Tensor& features, const at::Tensor& weight, const at::Tensor& bias,
                           const at::Tensor& target, double smoothing, int64_t ignoreIndex) {
  TORCH_CHECK(OutputLayerLossApplies(features, weight), "output loss: CPU float32 rows");
  TORCH_CHECK(weight.dim() == 2 && weight.size(1) == features.size(1), "output loss: weight is [vocabulary, features]");
  TORCH_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)),
              "output loss: bias is [vocabulary]");
  TORCH_CHECK(target.scalar_type() == at::kLong && target.device().is_cpu(), "output loss: int64 CPU targets");
  const at::Tensor x = features.contiguous();
  const at::Tensor t = target.contiguous();
  CheckTargets(t, x.size(0), weight.size(0), ignoreIndex);
  const bool wanted = at::GradMode::is_enabled() &&
                      (x.requires_grad() || weight.requires_grad() || (bias.defined() && bias.requires_grad()));
  if (!wanted) {
    at::Tensor logits = Logits(x, weight, bias);
    return RowLosses(logits, t, smoothing, ignoreIndex, false);
  }
  // Autograd functions take defined tensors only: a layer without bias gets zeros (x + 0 is x: the same logits).
  const at::Tensor b = bias.defined() ? bias : at::zeros({weight.size(0)}, weight.options());
  return OutputLoss::apply(x, weight, b, t, smoothing, ignoreIndex);
}

}  // namespace seq2seq
