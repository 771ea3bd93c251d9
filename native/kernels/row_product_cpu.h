// y = x W^T (+ b) for one row x, float32, on the CPU, from W^T laid out [K, N]: without the packing of W that a BLAS
// gemm does on every call (at one row, packing costs OpenBLAS's sgemm 2.5 times its arithmetic). Each output is one
// fused multiply-add chain over k in order, from zero, with the bias added last: how OpenBLAS's Haswell sgemm kernel
// sums a one-row product when K fits its block. Callers use it only where a check at run time has shown that it gives
// the BLAS's bits for the weights at hand (native/seq2seq/inference_step.cc), so results do not change.
#pragma once

#include <cstdint>

namespace seq2seq {

// x [K], wT [K, N] (row-major), bias [N] or null, y [N].
void RowProduct(const float* x, const float* wT, const float* bias, float* y, int64_t K, int64_t N);

}  // namespace seq2seq
