// Adam's step as one pass over each parameter (moments, denominator and update together) instead of libtorch's
// eight elementwise kernels and their temporaries: per-sentence training steps a million parameters per
// sentence, and there the optimizer is a seventh of the time. The state it reads and writes is the optimizer's
// own (step, exp_avg, exp_avg_sq, max_exp_avg_sq), so checkpoints, resuming and getState see no difference.
#pragma once

#include <torch/optim/adam.h>

namespace seq2seq {

// torch::optim::Adam::step() for dense CPU float32/float64 parameters; anything else (CUDA) takes
// libtorch's own step. Same formula and order of operations as libtorch; rounding may differ in the last bit.
void FusedAdamStep(torch::optim::Adam& optimizer);

}  // namespace seq2seq
