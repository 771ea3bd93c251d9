#include "kernels/lstm_cell_cpu.h"

#include <cmath>
#include <cstring>

#include "kernels/cpu_dispatch.h"
#include "kernels/fast_math.h"

namespace seq2seq {

namespace {

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
