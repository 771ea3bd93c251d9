"""PyTorch's x86 dynamic int8 quantization (quantize_dynamic with per_channel_dynamic_qconfig, FBGEMM's kernels),
emulated exactly in integer and float32 arithmetic, for the parity tests of seq2seq-node's int8 models
(native/kernels/int8_linear_cpu.h states the scheme).

The weights' quantization and the activations' scale and zero point are PyTorch's own functions
(PerChannelMinMaxObserver, quantize_per_channel, torch._choose_qparams_per_tensor); what Debian's torch 1.13 cannot
run the FBGEMM way (it has oneDNN and QNNPACK, no FBGEMM) is emulated: the activations' rounding fma(x, 1/scale,
zero point) to nearest even (the fused product-sum computed in float64, then rounded to float32), the int32 product
(exact in int64), and the dequantization float32(acc - zero point x row sum) x float32(scale_x x scale_w) + bias,
each step rounded to float32. `check_against_torch` compares the emulation with the real quantized op the installed
torch runs (quantized::linear_dynamic on oneDNN, which multiplies by 1/scale instead of the fused product-sum:
rare activations one step apart).
"""

import numpy as np
import torch


def quantize_weight(w):
    """w [N, K] float32 -> (q int8 [N, K] as int64 numpy, scales float32 numpy [N]): PyTorch's per-channel
    symmetric observer and quantize_per_channel."""
    observer = torch.ao.quantization.PerChannelMinMaxObserver(
        ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric
    )
    observer(w.float())
    scales, zero_points = observer.calculate_qparams()
    q = torch.quantize_per_channel(w.float(), scales.double(), zero_points.long(), 0, torch.qint8)
    return q.int_repr().numpy().astype(np.int64), scales.float().numpy()


def activation_qparams(x):
    """x float32 tensor -> (scale float32, zero point): ChooseQuantizationParams(min, max, 0, 255, reduce_range)."""
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = "onednn" if "onednn" in torch.backends.quantized.supported_engines else previous
    try:
        scale, zero_point = torch._choose_qparams_per_tensor(x.float().contiguous(), True)
    finally:
        torch.backends.quantized.engine = previous
    return np.float32(scale), int(zero_point)


def quantize_activations(x, scale, zero_point):
    """FBGEMM's QuantizeAvx2 (LEGACY): nearbyint(fma(x, 1/scale, zero point)) clamped to 0..255."""
    xs = np.asarray(x, dtype=np.float32)
    inverse = np.float32(1.0) / np.float32(scale)
    fused = (xs.astype(np.float64) * np.float64(inverse) + np.float64(zero_point)).astype(np.float32)
    fused = np.minimum(fused, np.float32(2147483520.0))
    return np.clip(np.rint(fused), 0, 255).astype(np.int64)


def linear(x, q, scales, bias):
    """y = x W^T + b the dynamic int8 way: x [M, K] float32 quantized per tensor."""
    x32 = np.asarray(x, dtype=np.float32).reshape(-1, q.shape[1])
    scale, zero_point = activation_qparams(torch.from_numpy(x32))
    xq = quantize_activations(x32, scale, zero_point)
    acc = xq @ q.T  # exact in int64; FBGEMM's int32 sums are exact too (|sum| < 2^31)
    raw = (acc - zero_point * q.sum(axis=1)[None, :]).astype(np.float32)
    multiplier = (np.float32(scale) * scales.astype(np.float32)).astype(np.float32)
    y = (raw * multiplier[None, :]).astype(np.float32)
    if bias is not None:
        y = (y + np.asarray(bias, dtype=np.float32)[None, :]).astype(np.float32)
    return y


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_step(gx, h, c, layer):
    """One LSTM step of rows with input products gx [R, 4H] (x W_ih^T + b_ih, int8), h, c [R, H] with layer =
    {w_hh: (q, scales), b_hh}: h's product int8 (h quantized per tensor), the gates' arithmetic in float64."""
    gates = gx.astype(np.float64) + linear(h, *layer["w_hh"], layer["b_hh"]).astype(np.float64)
    H = h.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
    c2 = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h2 = _sigmoid(o) * np.tanh(c2)
    return h2.astype(np.float32), c2.astype(np.float32)


def quantized_lstm_params(lstm_state, prefix, layers, reverse=False, int8=None):
    """The layers of an nn.LSTM state dict, quantized (or taken from `int8`, {name: (q, scales)}, the weights of
    an int8 model file): [{w_ih, b_ih, w_hh, b_hh}] per layer."""
    out = []
    suffix = "_reverse" if reverse else ""
    for layer in range(layers):
        name = lambda kind: f"{prefix}{kind}_l{layer}{suffix}"  # noqa: E731
        out.append(
            {
                "w_ih": int8[name("weight_ih")] if int8 else quantize_weight(lstm_state[name("weight_ih")]),
                "b_ih": lstm_state[name("bias_ih")].float().numpy(),
                "w_hh": int8[name("weight_hh")] if int8 else quantize_weight(lstm_state[name("weight_hh")]),
                "b_hh": lstm_state[name("bias_hh")].float().numpy(),
            }
        )
    return out


def check_against_torch(w, b, x):
    """The emulation against the installed torch's real quantized::linear_dynamic (per-channel weights,
    reduce_range): returns the largest absolute difference, or None when this torch cannot run it."""
    engines = torch.backends.quantized.supported_engines
    engine = "fbgemm" if "fbgemm" in engines else ("onednn" if "onednn" in engines else None)
    if engine is None:
        return None
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = engine
    try:
        observer = torch.ao.quantization.PerChannelMinMaxObserver(
            ch_axis=0, dtype=torch.qint8, qscheme=torch.per_channel_symmetric
        )
        observer(w)
        scales, zero_points = observer.calculate_qparams()
        qw = torch.quantize_per_channel(w, scales.double(), zero_points.long(), 0, torch.qint8)
        packed = torch.ops.quantized.linear_prepack(qw, b)
        real = torch.ops.quantized.linear_dynamic(x, packed, True).numpy()
    finally:
        torch.backends.quantized.engine = previous
    q, s = quantize_weight(w)
    emulated = linear(x.numpy(), q, s, None if b is None else b.numpy())
    return float(np.abs(real - emulated).max()), engine


class EmulatedLinear(torch.nn.Module):
    """An nn.Linear whose product is the emulated int8 one (`linear`): x quantized per call, as one tensor."""

    def __init__(self, q, scales, bias):
        super().__init__()
        self.q, self.scales, self.bias = q, scales, None if bias is None else bias.float().numpy()

    def forward(self, x):
        y = linear(x.detach().float().reshape(-1, x.shape[-1]).numpy(), self.q, self.scales, self.bias)
        return torch.from_numpy(y).view(*x.shape[:-1], -1)


class EmulatedLSTM(torch.nn.Module):
    """An nn.LSTM (sequence first) whose products are the emulated int8 ones, as quantize_dynamic's LSTM computes
    them (aten/src/ATen/native/RNN.cpp): each layer's input product for all steps at once, its input quantized as one
    tensor (a packed sequence's data: the positions within each length; an unpacked input: all of it), and each
    step's recurrent product with h quantized over the rows still running (the packed batch at that step)."""

    def __init__(self, lstm, state, prefix="", int8=None):
        super().__init__()
        self.num_layers, self.bidirectional, self.hidden_size = lstm.num_layers, lstm.bidirectional, lstm.hidden_size
        d = 2 if lstm.bidirectional else 1
        self.layers = [
            quantized_lstm_params(state, prefix, lstm.num_layers, reverse=r == 1, int8=int8) for r in range(d)
        ]

    def forward(self, input, hx=None):
        packed = isinstance(input, torch.nn.utils.rnn.PackedSequence)
        if packed:
            x, lengths = torch.nn.utils.rnn.pad_packed_sequence(input)
            lengths = lengths.tolist()
        else:
            x, lengths = input, [input.size(0)] * input.size(1)
        T, B = x.shape[0], x.shape[1]
        H, d = self.hidden_size, len(self.layers)
        x = x.detach().float().numpy()
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for r in range(d):
                params = self.layers[r][layer]
                s = layer * d + r
                if hx is None:
                    h = np.zeros((B, H), np.float32)
                    c = np.zeros((B, H), np.float32)
                else:
                    h = hx[0][s].detach().float().numpy().copy()
                    c = hx[1][s].detach().float().numpy().copy()
                out = np.zeros((T, B, H), np.float32)
                valid = [(t, b) for t in range(T) for b in range(B) if t < lengths[b]]
                gx = np.zeros((T, B, 4 * H), np.float32)
                products = linear(np.stack([x[t, b] for t, b in valid]), *params["w_ih"], params["b_ih"])
                for (t, b), g in zip(valid, products):
                    gx[t, b] = g
                for k in range(T):
                    t = T - 1 - k if r == 1 else k
                    live = [b for b in range(B) if t < lengths[b]]
                    if not live:
                        continue
                    h2, c2 = lstm_step(gx[t, live], h[live], c[live], params)
                    h[live], c[live], out[t, live] = h2, c2, h2
                outs.append(out)
                hs.append(h)
                cs.append(c)
            x = np.concatenate(outs, 2)
        out = torch.from_numpy(x)
        if packed:
            out = torch.nn.utils.rnn.pack_padded_sequence(out, torch.tensor(lengths), enforce_sorted=False)
        return out, (torch.from_numpy(np.stack(hs)), torch.from_numpy(np.stack(cs)))


def int8_state(path):
    """An int8 model file's state dict, dequantized (W = q * scale[:, None]), and its int8 weights by name."""
    state = torch.load(path)
    floats, int8 = {}, {}
    for key, t in state.items():
        if key.endswith("_scale") and key[: -len("_scale")] in state:
            continue
        if key + "_scale" in state:
            scale = state[key + "_scale"]
            int8[key] = (t.numpy().astype(np.int64), scale.numpy())
            floats[key] = t.float() * scale[:, None]
        else:
            floats[key] = t
    return floats, int8


def load_int8_model(folder, emulate=True):
    """The reference classes (attention_model.py) for an int8 model folder: emulate=True swaps each LSTM and the
    output layer for the emulation of PyTorch's int8 scheme on the folder's own int8 weights; emulate=False
    gives the float modules with the dequantized weights (for quantize_dynamic)."""
    import json
    import os

    from attention_model import AttentionDecoder, Encoder

    config = json.load(open(os.path.join(folder, "config.json")))
    enc = Encoder(config["src_vocab_size"], config["hidden"], config["embedding"], config["layers"],
                  bidirectional=config.get("bidirectional", False))
    dec = AttentionDecoder(config["tgt_vocab_size"], config["hidden"], config["embedding"], config["layers"],
                           config.get("attention", "none"), config.get("input_feed"))
    enc_state, enc_int8 = int8_state(os.path.join(folder, "encoder.pt"))
    dec_state, dec_int8 = int8_state(os.path.join(folder, "decoder.pt"))
    enc.load_state_dict(enc_state)
    dec.load_state_dict(dec_state)
    if emulate:
        enc.lstm = EmulatedLSTM(enc.lstm, enc_state, "lstm.", enc_int8)
        dec.lstm = EmulatedLSTM(dec.lstm, dec_state, "lstm.", dec_int8)
        if "dense.weight" in dec_int8:
            dec.dense = EmulatedLinear(*dec_int8["dense.weight"], dec_state.get("dense.bias"))
    return enc.eval(), dec.eval()


def quantize_dynamic_model(enc, dec):
    """PyTorch's own dynamic quantization of the float modules (per-channel weights; the LSTMs and the output
    layer), on the engine the installed torch has: what a PyTorch user would run."""
    engines = torch.backends.quantized.supported_engines
    torch.backends.quantized.engine = "fbgemm" if "fbgemm" in engines else "onednn"
    qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
    enc = torch.ao.quantization.quantize_dynamic(enc, {"lstm": qconfig})
    dec = torch.ao.quantization.quantize_dynamic(dec, {"lstm": qconfig, "dense": qconfig})
    return enc, dec


def check_lstm_against_torch(lstm, x, lengths):
    """The emulated int8 LSTM against the installed torch's quantize_dynamic of `lstm` (per-channel weights) on the
    packed input x [T, B, I] with `lengths`: the largest absolute difference of the outputs and final states, and
    the engine; None when this torch has no x86 quantized engine."""
    engines = torch.backends.quantized.supported_engines
    engine = "fbgemm" if "fbgemm" in engines else ("onednn" if "onednn" in engines else None)
    if engine is None:
        return None
    previous = torch.backends.quantized.engine
    torch.backends.quantized.engine = engine
    try:
        qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
        real = torch.ao.quantization.quantize_dynamic(torch.nn.Sequential(lstm), {torch.nn.LSTM: qconfig})[0]
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        with torch.no_grad():
            out_r, (h_r, c_r) = real(packed)
    finally:
        torch.backends.quantized.engine = previous
    emulated = EmulatedLSTM(lstm, lstm.state_dict())
    out_e, (h_e, c_e) = emulated(packed)
    pad = torch.nn.utils.rnn.pad_packed_sequence
    diffs = [(pad(out_r)[0] - pad(out_e)[0]).abs().max(), (h_r - h_e).abs().max(), (c_r - c_e).abs().max()]
    return float(max(diffs)), engine
