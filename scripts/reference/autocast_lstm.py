"""nn.LSTM's forward as seq2seq-node's CPU LSTM kernel runs it under mixed precision (--precision bf16).

Torch 1.13's autocast leaves nn.LSTM in float32 on the CPU. seq2seq-node's kernel (native/kernels/lstm_cpu.cc)
runs an LSTM layer's products under autocast: the input's, over all steps at once, and the recurrent one at each
step, each with its bias, in bf16 as F.linear runs them under torch.autocast; both are widened to float32, and the
gates' nonlinearities, the cell state and the outputs stay float32. This forward does the same with F.linear under
the caller's torch.autocast, so that autograd runs the products' gradients in bf16 as the kernel's backward does.
A packed input runs padded, each sequence's state untouched past its length (what packing means).

install() replaces nn.LSTM.forward (the modules, their parameters and state-dict keys stay nn.LSTM's).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def _layer(x, h, c, w_ih, w_hh, b_ih, b_hh, lengths, reverse):
    """One layer in one direction: x [T, B, I] float32 -> outputs [T, B, H] (zero past each length), h, c."""
    T = x.size(0)
    gx = F.linear(x, w_ih, b_ih).float()  # bf16 product under autocast, widened
    outs = [None] * T
    for t in reversed(range(T)) if reverse else range(T):
        gates = F.linear(h, w_hh, b_hh).float() + gx[t]
        i, f, g, o = gates.chunk(4, 1)
        c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h_next = torch.sigmoid(o) * torch.tanh(c_next)
        if lengths is None:
            h, c, outs[t] = h_next, c_next, h_next
        else:
            live = (t < lengths).unsqueeze(1)
            h, c = torch.where(live, h_next, h), torch.where(live, c_next, c)
            outs[t] = torch.where(live, h_next, torch.zeros_like(h_next))
    return torch.stack(outs), h, c


def forward(self, input, hx=None):
    assert not self.batch_first and self.proj_size == 0 and (self.dropout == 0 or not self.training)
    packed = isinstance(input, PackedSequence)
    if packed:
        x, lengths = pad_packed_sequence(input)
        lengths = lengths.to(x.device)
    else:
        x, lengths = input, None
    d = 2 if self.bidirectional else 1
    if hx is None:
        zeros = x.new_zeros(self.num_layers * d, x.size(1), self.hidden_size)
        hx = (zeros, zeros)
    hs, cs = [], []
    for l in range(self.num_layers):
        outs = []
        for r in range(d):
            suffix = f"_l{l}" + ("_reverse" if r else "")
            params = [getattr(self, kind + suffix) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            out, h, c = _layer(x, hx[0][l * d + r], hx[1][l * d + r], *params, lengths, r == 1)
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = torch.cat(outs, 2) if d == 2 else outs[0]
    state = (torch.stack(hs), torch.stack(cs))
    if packed:
        return pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False), state
    return x, state


def install():
    nn.LSTM.forward = forward
