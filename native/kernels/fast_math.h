// Float32 exp and tanh written so that the compiler vectorises the loops calling them (the C library's would stop
// it), for the fused CPU loops (LSTM cell, softmax and loss). Compile their callers with -fno-trapping-math.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#define SEQ2SEQ_INLINE inline __attribute__((always_inline))

namespace seq2seq {

SEQ2SEQ_INLINE float FromBits(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

SEQ2SEQ_INLINE int32_t Bits(float f) {
  int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}

// e^x after Cephes' expf: x = n ln2 + r with |r| <= ln2 / 2, e^r by a degree-6 polynomial, 2^n built in the
// exponent bits (so x is kept where n stays a normal exponent; e^x there is below 1.2e-38 or above 2.1e38).
// Relative error within 2 float ulps, as ATen's (SLEEF's) vectorised expf.
SEQ2SEQ_INLINE float ExpF(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  constexpr float kRound = 12582912.0f;  // 1.5 x 2^23: adding it rounds to an integer held in the low bits
  const float t = x * 1.44269504088896341f + kRound;
  const float n = t - kRound;
  const int32_t k = Bits(t) - Bits(kRound);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  return p * FromBits((k + 127) << 23);
}

// tanh after Cephes' tanhf: an odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1) above.
SEQ2SEQ_INLINE float TanhF(float x) {
  const float ax = std::fabs(x);
  float big = 1.0f - 2.0f / (ExpF(ax + ax) + 1.0f);
  big = x < 0.0f ? -big : big;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = x + x * z * p;
  return ax < 0.625f ? small : big;
}

}  // namespace seq2seq
