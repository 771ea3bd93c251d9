// y = x W^T + b on int8 weights with dynamically quantized activations, on the CPU: the scheme of PyTorch's x86
// dynamic quantization (torch.ao.quantization.quantize_dynamic with per_channel_dynamic_qconfig, FBGEMM's kernels),
// reproduced exactly so that its results are PyTorch's:
//   - W: int8, symmetric per output row (zero point 0): scale_n = max(max_k |W_nk| / 127.5, float32 eps), q =
//     clamp(nearbyint(W_nk x (1 / scale_n)), -128, 127), in float32 (PerChannelMinMaxObserver, quantize_per_channel);
//   - x: uint8 per tensor with reduce_range (0..127): scale and zero point from the tensor's min and max by
//     ChooseQuantizationParams (aten/src/ATen/native/quantized/cpu/QuantUtils.h), q = clamp(nearbyint(fma(x,
//     1 / scale, zero point)), 0, 255) (FBGEMM's QuantizeAvx2, LEGACY);
//   - int32 sums of q_x q_W, then y_n = float(acc - zero point x sum_k q_W_nk) x (scale_x x scale_n) + b_n
//     (FBGEMM's requantizeForFloatAvx2), each product and sum rounded to float32 (no fused multiply-add).
// The int32 products run on AVX-512 VNNI (vpdpbusd), AVX2 (vpmaddubsw + vpmaddwd: exact because the activations are
// at most 128, so that no pair sum saturates int16) or plain C++, chosen at run time; all give the same integers.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace seq2seq {

// real = scale x (q - zeroPoint).
struct ActivationQuant {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
};

// ChooseQuantizationParams(min, max, qmin 0, qmax 255, no sparsity, no power of two, reduce_range): qmax 127.
ActivationQuant ChooseActivationQuant(float min, float max);

// The int32 product's instruction sets, best last.
enum class Int8Isa { Scalar = 0, Avx2 = 1, Avx512Vnni = 2 };

bool Int8IsaAvailable(Int8Isa isa);
Int8Isa BestInt8Isa();
const char* Int8IsaName(Int8Isa isa);

// min and max of x[0, n) (0 and 0 when n is 0).
void FindMinMax(const float* x, int64_t n, float* min, float* max, Int8Isa isa = BestInt8Isa());

// q[i] = clamp(nearbyint(fma(x[i], 1 / scale, zeroPoint)), 0, 255), i < n.
void QuantizeActivations(const float* x, int64_t n, const ActivationQuant& quant, uint8_t* q,
                         Int8Isa isa = BestInt8Isa());

// The rows of w [N, K] quantized: q [N, K], scales [N].
void QuantizeWeightRows(const float* w, int64_t N, int64_t K, int8_t* q, float* scales);

// A quantized weight [N, K] with its row scales and (optional) float bias, packed once for the vector products:
// blocks of 16 rows, within a block groups of 4 columns, each group 16 x 4 bytes (row-major within the group).
class Int8Matrix {
 public:
  // Rows of 16 output columns per block; activation rows are read in groups of 4 bytes (see Stride).
  static constexpr int64_t kBlock = 16;

  Int8Matrix(const int8_t* q, const float* scales, const float* bias, int64_t N, int64_t K);

  int64_t N() const { return N_; }
  int64_t K() const { return K_; }
  // The row stride activations need: K rounded up to 4 (the bytes past K are read, and multiplied by zeros).
  int64_t Stride() const { return groups_ * 4; }
  int64_t Blocks() const { return blocks_; }
  const int8_t* Rows() const { return q_.data(); }
  const float* Scales() const { return scales_.data(); }

  // acc [M, N] = xq [M, Stride()] x q^T in int32.
  void Int32Product(const uint8_t* xq, int64_t M, int32_t* acc, Int8Isa isa = BestInt8Isa()) const;

  // y [M, ldy] columns of blocks [blockBegin, blockEnd): the dequantized product plus bias, for xq quantized with
  // `quant`.
  void Apply(const uint8_t* xq, int64_t M, const ActivationQuant& quant, float* y, int64_t ldy, int64_t blockBegin,
             int64_t blockEnd, Int8Isa isa = BestInt8Isa()) const;

 private:
  int64_t N_, K_, groups_, blocks_;
  std::vector<int8_t> q_;         // [N, K], as given
  std::vector<float> scales_;     // [N]
  std::vector<float> bias_;       // [N], zeros when none was given
  std::vector<int32_t> rowSums_;  // [blocks x 16]: sum_k q_nk (0 past N)
  std::unique_ptr<int8_t[], void (*)(void*)> packed_;
};

}  // namespace seq2seq
