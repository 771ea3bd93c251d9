#include "kernels/lstm_cell_cpu.h"

#include <cmath>
#include <cstring>

#include "kernels/cpu_dispatch.h"

#define SEQ2SEQ_INLINE inline __attribute__((always_inline))

namespace seq2seq {

namespace {

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

struct FloatMath {
  static SEQ2SEQ_INLINE float Sigmoid(float x) { return 1.0f / (1.0f + ExpF(-x)); }
  static SEQ2SEQ_INLINE float Tanh(float x) { return TanhF(x); }
};

// float64 runs the C library's functions: it is for exact comparisons, not for speed.
struct DoubleMath {
  static SEQ2SEQ_INLINE double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
  static SEQ2SEQ_INLINE double Tanh(double x) { return std::tanh(x); }
};

template <typename T, typename M>
SEQ2SEQ_INLINE void ForwardRows(const CellStep<T>& s, int64_t begin, int64_t end) {
  const int64_t H = s.hidden;
  for (int64_t b = begin; b < end; ++b) {
    const T* __restrict hp = s.hPrev + b * H;
    const T* __restrict cp = s.cPrev + b * H;
    T* __restrict out = s.out + b * H;
    T* __restrict hn = s.hNext + b * H;
    T* __restrict cn = s.cNext + b * H;
    if (s.lengths && s.time >= s.lengths[b]) {  // past its length: the state passes through untouched
      for (int64_t j = 0; j < H; ++j) {
        hn[j] = hp[j];
        cn[j] = cp[j];
        out[j] = 0;
      }
      continue;
    }
    T* __restrict gi = s.gates + b * 4 * H;
    T* __restrict gf = gi + H;
    T* __restrict gg = gi + 2 * H;
    T* __restrict go = gi + 3 * H;
    const T* __restrict xi = s.input + b * 4 * H;
    const T* __restrict xf = xi + H;
    const T* __restrict xg = xi + 2 * H;
    const T* __restrict xo = xi + 3 * H;
    T* __restrict tc = s.tanhC + b * H;
    // The rows' arrays never overlap; without the pragma GCC counts too many possible overlaps to vectorise.
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T i = M::Sigmoid(gi[j] + xi[j]);
      const T f = M::Sigmoid(gf[j] + xf[j]);
      const T g = M::Tanh(gg[j] + xg[j]);
      const T o = M::Sigmoid(go[j] + xo[j]);
      const T c = f * cp[j] + i * g;
      const T t = M::Tanh(c);
      gi[j] = i;
      gf[j] = f;
      gg[j] = g;
      go[j] = o;
      tc[j] = t;
      cn[j] = c;
      hn[j] = o * t;
      out[j] = o * t;
    }
  }
}

template <typename T>
SEQ2SEQ_INLINE void BackwardRows(const CellGrad<T>& s, int64_t begin, int64_t end) {
  const int64_t H = s.hidden;
  for (int64_t b = begin; b < end; ++b) {
    T* __restrict di = s.dGates + b * 4 * H;
    T* __restrict df = di + H;
    T* __restrict dg = di + 2 * H;
    T* __restrict dO = di + 3 * H;
    if (s.lengths && s.time >= s.lengths[b]) {  // the state passed through: so do its gradients
      for (int64_t j = 0; j < 4 * H; ++j) di[j] = 0;
      continue;
    }
    const T* __restrict gi = s.gates + b * 4 * H;
    const T* __restrict gf = gi + H;
    const T* __restrict gg = gi + 2 * H;
    const T* __restrict go = gi + 3 * H;
    const T* __restrict tc = s.tanhC + b * H;
    const T* __restrict cp = s.cPrev + b * H;
    const T* __restrict dout = s.dOut + b * H;
    T* __restrict dh = s.dh + b * H;
    T* __restrict dc = s.dc + b * H;
#pragma GCC ivdep
    for (int64_t j = 0; j < H; ++j) {
      const T i = gi[j], f = gf[j], g = gg[j], o = go[j], t = tc[j];
      const T dH = dh[j] + dout[j];
      const T dC = dc[j] + dH * o * (1 - t * t);
      di[j] = dC * g * i * (1 - i);
      df[j] = dC * cp[j] * f * (1 - f);
      dg[j] = dC * i * (1 - g * g);
      dO[j] = dH * t * o * (1 - o);
      dc[j] = dC * f;
      dh[j] = 0;
    }
  }
}

}  // namespace

// The float passes are vectorised by the compiler, exp and tanh included (calls to the C library's would prevent
// it), once per instruction set (cpu_dispatch.h).
SEQ2SEQ_CPU_CLONES void CellForward(const CellStep<float>& s, int64_t begin, int64_t end) {
  ForwardRows<float, FloatMath>(s, begin, end);
}

void CellForward(const CellStep<double>& s, int64_t begin, int64_t end) {
  ForwardRows<double, DoubleMath>(s, begin, end);
}

SEQ2SEQ_CPU_CLONES void CellBackward(const CellGrad<float>& g, int64_t begin, int64_t end) {
  BackwardRows<float>(g, begin, end);
}

void CellBackward(const CellGrad<double>& g, int64_t begin, int64_t end) { BackwardRows<double>(g, begin, end); }

}  // namespace seq2seq
