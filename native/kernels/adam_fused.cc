#include "kernels/adam_fused.h"

#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <memory>
#include <tuple>

#include "kernels/cpu_dispatch.h"
#include "kernels/optimizer_state.h"

namespace seq2seq {

namespace {

// The step's constants, in the parameter's type as ATen's kernels cast their scalars.
template <typename T>
struct AdamScalars {
  T beta1, oneMinusBeta1, beta2, oneMinusBeta2, sqrtCorrection2, eps, negStepSize, weightDecay;
  bool decay, amsgrad;
};

// libtorch: grad += wd p; m = m b1 + (1 - b1) g; v = v b2 + (1 - b2) g g; (amsgrad: vmax = max(vmax, v));
// denom = sqrt(v) / sqrt(1 - b2^t) + eps; p += -lr / (1 - b1^t) m / denom.
template <typename T>
inline void AdamRange(const AdamScalars<T>& s, T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                      T* __restrict vmax, int64_t begin, int64_t end) {
#pragma GCC ivdep
  for (int64_t i = begin; i < end; ++i) {
    const T grad = s.decay ? g[i] + s.weightDecay * p[i] : g[i];
    const T mi = m[i] * s.beta1 + s.oneMinusBeta1 * grad;
    const T vi = v[i] * s.beta2 + s.oneMinusBeta2 * grad * grad;
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if (s.amsgrad) {
      second = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = second;
    }
    const T denom = std::sqrt(second) / s.sqrtCorrection2 + s.eps;
    p[i] = p[i] + s.negStepSize * mi / denom;
  }
}

SEQ2SEQ_CPU_CLONES void AdamKernel(const AdamScalars<float>& s, float* p, const float* g, float* m, float* v,
                                   float* vmax, int64_t begin, int64_t end) {
  AdamRange(s, p, g, m, v, vmax, begin, end);
}

void AdamKernel(const AdamScalars<double>& s, double* p, const double* g, double* m, double* v, double* vmax,
                int64_t begin, int64_t end) {
  AdamRange(s, p, g, m, v, vmax, begin, end);
}

bool Fusable(const torch::optim::Adam& optimizer) {
  for (const auto& group : optimizer.param_groups()) {
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const at::Tensor& g = p.grad();
      if (!p.device().is_cpu() || !(p.scalar_type() == at::kFloat || p.scalar_type() == at::kDouble) ||
          g.scalar_type() != p.scalar_type() || !p.is_contiguous() || !g.is_contiguous() || g.is_sparse()) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

void FusedAdamStep(torch::optim::Adam& optimizer) {
  if (!Fusable(optimizer)) {
    optimizer.step();
    return;
  }
  at::NoGradGuard noGrad;
  auto& states = optimizer.state();
  for (auto& group : optimizer.param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const auto key = OptimizerStateKey<decltype(states)>(p);
      auto it = states.find(key);
      if (it == states.end()) {  // as libtorch initialises it
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
        fresh->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        if (options.amsgrad()) fresh->max_exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        it = states.emplace(key, std::move(fresh)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*it->second);
      // A state restored from a file may come strided; one pass wants it dense.
      if (!state.exp_avg().is_contiguous()) state.exp_avg(state.exp_avg().contiguous());
      if (!state.exp_avg_sq().is_contiguous()) state.exp_avg_sq(state.exp_avg_sq().contiguous());
      if (options.amsgrad() && !state.max_exp_avg_sq().defined()) {
        state.max_exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Contiguous));
      }
      if (options.amsgrad() && !state.max_exp_avg_sq().is_contiguous()) {
        state.max_exp_avg_sq(state.max_exp_avg_sq().contiguous());
      }
      state.step(state.step() + 1);
      const double beta1 = std::get<0>(options.betas());
      const double beta2 = std::get<1>(options.betas());
      const double correction1 = 1 - std::pow(beta1, static_cast<double>(state.step()));
      const double correction2 = 1 - std::pow(beta2, static_cast<double>(state.step()));
      at::Tensor data = p.detach();
      const at::Tensor grad = p.grad();
      AT_DISPATCH_FLOATING_TYPES(data.scalar_type(), "FusedAdamStep", [&] {
        AdamScalars<scalar_t> s;
        s.beta1 = static_cast<scalar_t>(beta1);
        s.oneMinusBeta1 = static_cast<scalar_t>(1 - beta1);
        s.beta2 = static_cast<scalar_t>(beta2);
        s.oneMinusBeta2 = static_cast<scalar_t>(1 - beta2);
        s.sqrtCorrection2 = static_cast<scalar_t>(std::sqrt(correction2));
        s.eps = static_cast<scalar_t>(options.eps());
        s.negStepSize = static_cast<scalar_t>(-options.lr() / correction1);
        s.weightDecay = static_cast<scalar_t>(options.weight_decay());
        s.decay = options.weight_decay() != 0;
        s.amsgrad = options.amsgrad();
        scalar_t* pp = data.data_ptr<scalar_t>();
        const scalar_t* gp = grad.data_ptr<scalar_t>();
        scalar_t* mp = state.exp_avg().data_ptr<scalar_t>();
        scalar_t* vp = state.exp_avg_sq().data_ptr<scalar_t>();
        scalar_t* xp = s.amsgrad ? state.max_exp_avg_sq().data_ptr<scalar_t>() : nullptr;
        at::parallel_for(0, data.numel(), 32768,
                         [&](int64_t begin, int64_t end) { AdamKernel(s, pp, gp, mp, vp, xp, begin, end); });
      });
    }
  }
}

}  // namespace seq2seq
