// The elementwise part of one LSTM step on the CPU, fused into one pass per row: the gates' nonlinearities, the
// new cell and hidden state (forward), and the gradients of the gates' pre-activations (backward). Gates are
// laid out as PyTorch's [input, forget, cell, output] blocks of H. The products around it (h W_hh^T, dGates W_hh)
// are BLAS calls made by the caller (native/lstm_cpu.cc).
#pragma once

#include <cstdint>

namespace seq2seq {

// One step of rows [begin, end) of a batch, each row's pointer advanced by row x its width (4H for gates, H else).
template <typename T>
struct CellStep {
  int64_t hidden = 0;
  const int64_t* lengths = nullptr;  // a row whose length is <= time keeps its state; null: all rows active
  int64_t time = 0;
  T* gates = nullptr;        // in: h W_hh^T + b_hh; out: i, f, g, o after their nonlinearities (saved for backward)
  const T* input = nullptr;  // the input's part of the gates, x W_ih^T + b_ih
  const T* hPrev = nullptr;
  const T* cPrev = nullptr;
  T* tanhC = nullptr;  // out: tanh of the new cell (saved for backward)
  T* out = nullptr;    // out: the new hidden state, zero for inactive rows
  T* hNext = nullptr;  // out: the state the next step starts from
  T* cNext = nullptr;
};

// Backward of one step: reads the saved gates, tanh(c) and previous cell; dh, dc hold the gradients flowing into
// the step's state (updated in place to those of the previous state, dh zeroed for active rows: the caller adds
// dGates W_hh); dOut the gradient of the step's output.
template <typename T>
struct CellGrad {
  int64_t hidden = 0;
  const int64_t* lengths = nullptr;
  int64_t time = 0;
  const T* gates = nullptr;
  const T* tanhC = nullptr;
  const T* cPrev = nullptr;
  const T* dOut = nullptr;
  T* dh = nullptr;
  T* dc = nullptr;
  T* dGates = nullptr;  // out: gradient of the gates' pre-activations, zero for inactive rows
};

void CellForward(const CellStep<float>& s, int64_t begin, int64_t end);
void CellForward(const CellStep<double>& s, int64_t begin, int64_t end);
void CellBackward(const CellGrad<float>& g, int64_t begin, int64_t end);
void CellBackward(const CellGrad<double>& g, int64_t begin, int64_t end);

}  // namespace seq2seq
