#include "kernels/int8_linear_cpu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels/cpu_dispatch.h"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's AVX-512 headers start min/max from _mm512_undefined_ps(), which -Wmaybe-uninitialized reports.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define SEQ2SEQ_X86 1
#define SEQ2SEQ_TARGET_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#define SEQ2SEQ_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define SEQ2SEQ_X86 0
#endif

// This file is compiled with -ffp-contract=off (CMakeLists.txt): FBGEMM rounds x scale and + bias separately.

namespace seq2seq {

namespace {

constexpr float kSmallScale = 6.1e-5f;           // QuantUtils.h's SMALL_SCALE_THRESHOLD
constexpr float kInt32FloatMax = 2147483520.0f;  // the largest float below 2^31 (FBGEMM clips there before cvtps)
constexpr int kMaxRows = 4;                      // rows of one tile
constexpr int kMaxBlocks = 4;                    // blocks of one tile (AVX-512)

float QuantizeOne(float x, float inverse, float zeroPoint) {
  float t = std::fma(x, inverse, zeroPoint);
  t = std::min(t, kInt32FloatMax);
  t = std::nearbyint(t);
  return t < 0.0f ? 0.0f : (t > 255.0f ? 255.0f : t);
}

void MinMaxScalar(const float* x, int64_t n, float* min, float* max) {
  float lo = x[0], hi = x[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  *min = lo;
  *max = hi;
}

void QuantizeScalar(const float* x, int64_t n, float inverse, float zeroPoint, uint8_t* q) {
  for (int64_t i = 0; i < n; ++i) q[i] = static_cast<uint8_t>(QuantizeOne(x[i], inverse, zeroPoint));
}

// acc tile [rows, blocks x 16] from the plain rows q [N, K] (the reference the vector paths must equal).
void TileScalar(const int8_t* q, int64_t N, int64_t K, int64_t firstRow, const uint8_t* x, int64_t ldx, int rows,
                int blocks, int32_t* tile) {
  const int64_t width = blocks * Int8Matrix::kBlock;
  for (int r = 0; r < rows; ++r) {
    const uint8_t* xr = x + r * ldx;
    for (int64_t j = 0; j < width; ++j) {
      const int64_t n = firstRow + j;
      int32_t sum = 0;
      if (n < N) {
        const int8_t* w = q + n * K;
        for (int64_t k = 0; k < K; ++k) sum += static_cast<int32_t>(xr[k]) * static_cast<int32_t>(w[k]);
      }
      tile[r * kMaxBlocks * Int8Matrix::kBlock + j] = sum;
    }
  }
}

#if SEQ2SEQ_X86

SEQ2SEQ_TARGET_VNNI void MinMaxVnni(const float* x, int64_t n, float* min, float* max) {
  __m512 lo = _mm512_set1_ps(x[0]), hi = lo;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    lo = _mm512_min_ps(lo, v);
    hi = _mm512_max_ps(hi, v);
  }
  if (i < n) {
    const __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1u);
    lo = _mm512_mask_min_ps(lo, mask, lo, _mm512_maskz_loadu_ps(mask, x + i));
    hi = _mm512_mask_max_ps(hi, mask, hi, _mm512_maskz_loadu_ps(mask, x + i));
  }
  float l[16], h[16];
  _mm512_storeu_ps(l, lo);
  _mm512_storeu_ps(h, hi);
  float a = l[0], b = h[0];
  for (int j = 1; j < 16; ++j) {
    a = std::min(a, l[j]);
    b = std::max(b, h[j]);
  }
  *min = a;
  *max = b;
}

SEQ2SEQ_TARGET_VNNI void QuantizeVnni(const float* x, int64_t n, float inverse, float zeroPoint, uint8_t* q) {
  const __m512 inv = _mm512_set1_ps(inverse), zp = _mm512_set1_ps(zeroPoint), limit = _mm512_set1_ps(kInt32FloatMax);
  const __m512i zero = _mm512_setzero_si512(), top = _mm512_set1_epi32(255);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 mask = n - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - i)) - 1u);
    __m512 t = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, x + i), inv, zp);
    t = _mm512_min_ps(t, limit);
    __m512i r = _mm512_cvtps_epi32(t);  // the current rounding mode: to nearest, ties to even
    r = _mm512_min_epi32(_mm512_max_epi32(r, zero), top);
    _mm_mask_storeu_epi8(q + i, mask, _mm512_cvtepi32_epi8(r));
  }
}

template <int R, int C>
SEQ2SEQ_TARGET_VNNI void TileVnni(const int8_t* w, int64_t blockBytes, const uint8_t* x, int64_t ldx, int64_t groups,
                                  int32_t* tile) {
  __m512i acc[R][C];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) acc[r][c] = _mm512_setzero_si512();
  for (int64_t g = 0; g < groups; ++g) {
    __m512i wv[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) wv[c] = _mm512_loadu_si512(w + c * blockBytes + g * 64);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      int32_t four;
      std::memcpy(&four, x + r * ldx + g * 4, 4);
      const __m512i xb = _mm512_set1_epi32(four);
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], xb, wv[c]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) _mm512_storeu_si512(tile + r * kMaxBlocks * 16 + c * 16, acc[r][c]);
}

SEQ2SEQ_TARGET_AVX2 void MinMaxAvx2(const float* x, int64_t n, float* min, float* max) {
  __m256 lo = _mm256_set1_ps(x[0]), hi = lo;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    lo = _mm256_min_ps(lo, v);
    hi = _mm256_max_ps(hi, v);
  }
  float l[8], h[8];
  _mm256_storeu_ps(l, lo);
  _mm256_storeu_ps(h, hi);
  float a = l[0], b = h[0];
  for (int j = 1; j < 8; ++j) {
    a = std::min(a, l[j]);
    b = std::max(b, h[j]);
  }
  for (; i < n; ++i) {
    a = std::min(a, x[i]);
    b = std::max(b, x[i]);
  }
  *min = a;
  *max = b;
}

SEQ2SEQ_TARGET_AVX2 void QuantizeAvx2(const float* x, int64_t n, float inverse, float zeroPoint, uint8_t* q) {
  const __m256 inv = _mm256_set1_ps(inverse), zp = _mm256_set1_ps(zeroPoint), limit = _mm256_set1_ps(kInt32FloatMax);
  const __m256i zero = _mm256_setzero_si256(), top = _mm256_set1_epi32(255);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 t = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), inv, zp);
    t = _mm256_min_ps(t, limit);
    __m256i r = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(t), zero), top);
    alignas(32) int32_t out[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), r);
    for (int j = 0; j < 8; ++j) q[i + j] = static_cast<uint8_t>(out[j]);
  }
  for (; i < n; ++i) q[i] = static_cast<uint8_t>(QuantizeOne(x[i], inverse, zeroPoint));
}

template <int R>
SEQ2SEQ_TARGET_AVX2 void TileAvx2(const int8_t* w, const uint8_t* x, int64_t ldx, int64_t groups, int32_t* tile) {
  // One block: columns 0-7 and 8-15 in two registers. vpmaddubsw sums two u8 x s8 products into int16 (exact: the
  // activations are at most 128, so |sum| <= 2 x 128 x 128), vpmaddwd with ones sums the pairs into int32.
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[R][2];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t g = 0; g < groups; ++g) {
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + g * 64));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + g * 64 + 32));
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      int32_t four;
      std::memcpy(&four, x + r * ldx + g * 4, 4);
      const __m256i xb = _mm256_set1_epi32(four);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(_mm256_maddubs_epi16(xb, w0), ones));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(_mm256_maddubs_epi16(xb, w1), ones));
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + r * kMaxBlocks * 16), acc[r][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + r * kMaxBlocks * 16 + 8), acc[r][1]);
  }
}

template <int R>
void TileVnniRows(int blocks, const int8_t* w, int64_t blockBytes, const uint8_t* x, int64_t ldx, int64_t groups,
                  int32_t* tile) {
  switch (blocks) {
    case 1:
      return TileVnni<R, 1>(w, blockBytes, x, ldx, groups, tile);
    case 2:
      return TileVnni<R, 2>(w, blockBytes, x, ldx, groups, tile);
    case 3:
      return TileVnni<R, 3>(w, blockBytes, x, ldx, groups, tile);
    default:
      return TileVnni<R, 4>(w, blockBytes, x, ldx, groups, tile);
  }
}

#endif  // SEQ2SEQ_X86

}  // namespace

ActivationQuant ChooseActivationQuant(float min, float max) {
  // QuantUtils.h's ChooseQuantizationParams with qmin 0, qmax 255 halved by reduce_range: its double and float
  // steps kept as they are (the zero point from the unrounded double scale, the scale used rounded to float).
  const int32_t qmin = 0, qmax = 127;
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale))) scale = 0.1;
  if (scale < kSmallScale) {
    const float original = static_cast<float>(scale);
    scale = kSmallScale;
    if (min == 0.0f) {
      max = kSmallScale * (qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScale * (qmax - qmin);
    } else {
      const float amplifier = kSmallScale / original;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double fromMin = qmin - min / scale;
  const double fromMax = qmax - max / scale;
  const double fromMinError = std::abs(qmin) - std::abs(min / scale);
  const double fromMaxError = std::abs(qmax) - std::abs(max / scale);
  const double initial = fromMinError < fromMaxError ? fromMin : fromMax;
  int32_t zeroPoint;
  if (initial < qmin) {
    zeroPoint = qmin;
  } else if (initial > qmax) {
    zeroPoint = qmax;
  } else {
    zeroPoint = static_cast<int32_t>(std::nearbyint(initial));
  }
  return {static_cast<float>(scale), zeroPoint};
}

bool Int8IsaAvailable(Int8Isa isa) {
  if (isa == Int8Isa::Scalar) return true;
#if SEQ2SEQ_X86
  if (isa == Int8Isa::Avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

Int8Isa BestInt8Isa() {
  static const Int8Isa best = Int8IsaAvailable(Int8Isa::Avx512Vnni) ? Int8Isa::Avx512Vnni
                              : Int8IsaAvailable(Int8Isa::Avx2)     ? Int8Isa::Avx2
                                                                    : Int8Isa::Scalar;
  return best;
}

const char* Int8IsaName(Int8Isa isa) {
  switch (isa) {
    case Int8Isa::Avx512Vnni:
      return "avx512-vnni";
    case Int8Isa::Avx2:
      return "avx2";
    default:
      return "scalar";
  }
}

void FindMinMax(const float* x, int64_t n, float* min, float* max, Int8Isa isa) {
  if (n <= 0) {
    *min = *max = 0.0f;
    return;
  }
#if SEQ2SEQ_X86
  if (isa == Int8Isa::Avx512Vnni) return MinMaxVnni(x, n, min, max);
  if (isa == Int8Isa::Avx2) return MinMaxAvx2(x, n, min, max);
#endif
  MinMaxScalar(x, n, min, max);
}

void QuantizeActivations(const float* x, int64_t n, const ActivationQuant& quant, uint8_t* q, Int8Isa isa) {
  const float inverse = 1.0f / quant.scale, zeroPoint = static_cast<float>(quant.zeroPoint);
#if SEQ2SEQ_X86
  if (isa == Int8Isa::Avx512Vnni) return QuantizeVnni(x, n, inverse, zeroPoint, q);
  if (isa == Int8Isa::Avx2) return QuantizeAvx2(x, n, inverse, zeroPoint, q);
#endif
  QuantizeScalar(x, n, inverse, zeroPoint, q);
}

void QuantizeWeightRows(const float* w, int64_t N, int64_t K, int8_t* q, float* scales) {
  // PerChannelMinMaxObserver (per_channel_symmetric, qint8): max(-min(min, 0), max(max, 0)) / ((127 - -128) / 2),
  // at least float32's eps; then quantize_per_channel: nearbyint(w x (1 / scale)) clamped to int8.
  const float eps = std::numeric_limits<float>::epsilon();
  for (int64_t n = 0; n < N; ++n) {
    const float* row = w + n * K;
    float amax = 0.0f;
    for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(row[k]));
    const float scale = std::max(amax / 127.5f, eps);
    const float inverse = 1.0f / scale;
    scales[n] = scale;
    for (int64_t k = 0; k < K; ++k) {
      const float t = std::nearbyint(row[k] * inverse);
      q[n * K + k] = static_cast<int8_t>(t < -128.0f ? -128.0f : (t > 127.0f ? 127.0f : t));
    }
  }
}

Int8Matrix::Int8Matrix(const int8_t* q, const float* scales, const float* bias, int64_t N, int64_t K)
    : N_(N),
      K_(K),
      groups_((K + 3) / 4),
      blocks_((N + kBlock - 1) / kBlock),
      q_(q, q + N * K),
      scales_(scales, scales + N),
      bias_(bias ? std::vector<float>(bias, bias + N) : std::vector<float>(static_cast<size_t>(N), 0.0f)),
      rowSums_(static_cast<size_t>(blocks_ * kBlock), 0),
      packed_(nullptr, std::free) {
  if (N <= 0 || K <= 0) throw std::invalid_argument("an int8 weight needs at least one row and one column");
  const size_t bytes = static_cast<size_t>(blocks_ * groups_ * 64);
  packed_.reset(static_cast<int8_t*>(std::aligned_alloc(64, bytes)));
  if (!packed_) throw std::bad_alloc();
  std::memset(packed_.get(), 0, bytes);
  for (int64_t n = 0; n < N; ++n) {
    const int64_t b = n / kBlock, c = n % kBlock;
    int32_t sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int8_t v = q[n * K + k];
      sum += v;
      packed_[static_cast<size_t>((b * groups_ + k / 4) * 64 + c * 4 + k % 4)] = v;
    }
    rowSums_[static_cast<size_t>(n)] = sum;
  }
}

namespace {

// The int32 tile of rows [0, rows) of x and blocks [block, block + blocks).
void Tile(const Int8Matrix& m, const int8_t* packed, Int8Isa isa, int64_t block, int blocks, const uint8_t* x, int rows,
          int32_t* tile) {
  const int64_t ldx = m.Stride(), groups = m.Stride() / 4, blockBytes = groups * 64;
  const int8_t* w = packed + block * blockBytes;
#if SEQ2SEQ_X86
  if (isa == Int8Isa::Avx512Vnni) {
    switch (rows) {
      case 1:
        return TileVnniRows<1>(blocks, w, blockBytes, x, ldx, groups, tile);
      case 2:
        return TileVnniRows<2>(blocks, w, blockBytes, x, ldx, groups, tile);
      case 3:
        return TileVnniRows<3>(blocks, w, blockBytes, x, ldx, groups, tile);
      default:
        return TileVnniRows<4>(blocks, w, blockBytes, x, ldx, groups, tile);
    }
  }
  if (isa == Int8Isa::Avx2) {
    for (int c = 0; c < blocks; ++c) {
      const int8_t* wc = w + c * blockBytes;
      int32_t* t = tile + c * Int8Matrix::kBlock;
      switch (rows) {
        case 1:
          TileAvx2<1>(wc, x, ldx, groups, t);
          break;
        case 2:
          TileAvx2<2>(wc, x, ldx, groups, t);
          break;
        case 3:
          TileAvx2<3>(wc, x, ldx, groups, t);
          break;
        default:
          TileAvx2<4>(wc, x, ldx, groups, t);
          break;
      }
    }
    return;
  }
#endif
  TileScalar(m.Rows(), m.N(), m.K(), block * Int8Matrix::kBlock, x, ldx, rows, blocks, tile);
}

template <typename Store>
void ForTiles(const Int8Matrix& m, const int8_t* packed, Int8Isa isa, const uint8_t* xq, int64_t M, int64_t blockBegin,
              int64_t blockEnd, Store store) {
  if (!Int8IsaAvailable(isa)) throw std::invalid_argument(std::string("this CPU lacks ") + Int8IsaName(isa));
  alignas(64) int32_t tile[kMaxRows * kMaxBlocks * Int8Matrix::kBlock];
  for (int64_t b = blockBegin; b < blockEnd; b += kMaxBlocks) {
    const int blocks = static_cast<int>(std::min<int64_t>(kMaxBlocks, blockEnd - b));
    for (int64_t r = 0; r < M; r += kMaxRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kMaxRows, M - r));
      Tile(m, packed, isa, b, blocks, xq + r * m.Stride(), rows, tile);
      const int64_t first = b * Int8Matrix::kBlock, last = std::min(m.N(), (b + blocks) * Int8Matrix::kBlock);
      for (int i = 0; i < rows; ++i) store(r + i, first, last, tile + i * kMaxBlocks * Int8Matrix::kBlock);
    }
  }
}

}  // namespace

void Int8Matrix::Int32Product(const uint8_t* xq, int64_t M, int32_t* acc, Int8Isa isa) const {
  ForTiles(*this, packed_.get(), isa, xq, M, 0, blocks_,
           [&](int64_t row, int64_t first, int64_t last, const int32_t* t) {
             for (int64_t n = first; n < last; ++n) acc[row * N_ + n] = t[n - first];
           });
}

namespace {

// Columns of one row of Apply's output from their int32 sums: FBGEMM's (sum - zero point x row sum) as float, times
// (activation scale x row scale), plus the bias, each rounded on its own. Vectorised per instruction set
// (cpu_dispatch.h): compiled for x86-64's baseline, its 32-bit multiply was SSE2's emulation, and the loop took more
// time than the int8 dot products.
SEQ2SEQ_CPU_CLONES void Dequantize(const int32_t* acc, int64_t count, const int32_t* sums, const float* scales,
                                   const float* bias, float aScale, int32_t zp, float* out) {
  for (int64_t n = 0; n < count; ++n) {
    const float multiplier = aScale * scales[n];
    const float v = static_cast<float>(acc[n] - zp * sums[n]);
    out[n] = v * multiplier + bias[n];
  }
}

}  // namespace

void Int8Matrix::Apply(const uint8_t* xq, int64_t M, const ActivationQuant& quant, float* y, int64_t ldy,
                       int64_t blockBegin, int64_t blockEnd, Int8Isa isa) const {
  const float* scales = scales_.data();
  const float* bias = bias_.data();
  const int32_t* sums = rowSums_.data();
  ForTiles(*this, packed_.get(), isa, xq, M, blockBegin, blockEnd,
           [&](int64_t row, int64_t first, int64_t last, const int32_t* t) {
             Dequantize(t, last - first, sums + first, scales + first, bias + first, quant.scale, quant.zeroPoint,
                        y + row * ldy + first);
           });
}

}  // namespace seq2seq
