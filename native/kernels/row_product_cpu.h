// y = x W^T (+ b) for a few rows x (one sentence's beams, the last rows of a batch), float32, on the CPU, from W^T
// laid out [K, N]: without the packing of W that a BLAS gemm does on every call (at five rows and W 8,000 x 128,
// packing costs OpenBLAS's sgemm twice its arithmetic). Each output is one fused multiply-add chain over k in order,
// from zero, with the bias added last: how OpenBLAS's Haswell and SkylakeX sgemm kernels sum a product when K fits
// their block (not their small-matrix kernels, nor the Haswell kernel at 4 rows and more on one thread). Callers use
// it only where a check at run time has shown that it gives the BLAS's bits for the weights and row count at hand
// (native/seq2seq/inference_step.cc), so results do not change.
#pragma once

#include <cstdint>

namespace seq2seq {

// The instruction sets of RowsProduct; all give the same bits (each output is the same exact FMA chain).
enum class RowsIsa { Portable = 0, Avx2 = 1, Avx512 = 2 };

bool RowsIsaAvailable(RowsIsa isa);
RowsIsa BestRowsIsa();

// The most rows RowsProduct is ever used for.
constexpr int64_t kMaxProductRows = 96;

// Whether RowsProduct is expected to beat the BLAS for M rows of W [N, K]. Measured here (AMD EPYC, AVX-512, OpenBLAS
// 0.3.21 sgemm, one thread), ours against the BLAS: W 8,000 x 128: 3.1x at 1 row, 2.8x at 5, 1.07x at 24, 0.82x at
// 64; W 512 x 128 (fits a core's L2 cache): 4.5x at 5 rows, 1.33x at 64, 1.17x at 96, 0.97x at 128. The portable
// loop (no AVX2) keeps to one row, as measured before the vector blocks.
bool RowsProductPays(int64_t M, int64_t N, int64_t K, RowsIsa isa = BestRowsIsa());

// x [M, K], wT [K, N], y [M, N] (row-major), bias [N] or null. Splits the columns over ATen's threads when the
// product is large enough to pay for it.
void RowsProduct(const float* x, int64_t M, const float* wT, const float* bias, float* y, int64_t K, int64_t N,
                 RowsIsa isa = BestRowsIsa());

}  // namespace seq2seq
