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


def lstm_step(x, h, c, layer):
    """One LSTM step of rows x [R, I], h, c [R, H] with layer = {w_ih: (q, scales), b_ih, w_hh: (q, scales), b_hh}:
    both products int8 (each input quantized per tensor), the gates' arithmetic in float64 (the reference's)."""
    gates = linear(x, *layer["w_ih"], layer["b_ih"]).astype(np.float64) + linear(
        h, *layer["w_hh"], layer["b_hh"]
    ).astype(np.float64)
    H = h.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
    c2 = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    h2 = _sigmoid(o) * np.tanh(c2)
    return h2.astype(np.float32), c2.astype(np.float32)


def quantized_lstm_params(lstm_state, prefix, layers, reverse=False):
    """The layers of an nn.LSTM state dict, quantized: [{w_ih, b_ih, w_hh, b_hh}] per layer."""
    out = []
    suffix = "_reverse" if reverse else ""
    for layer in range(layers):
        name = lambda kind: f"{prefix}{kind}_l{layer}{suffix}"  # noqa: E731
        out.append(
            {
                "w_ih": quantize_weight(lstm_state[name("weight_ih")]),
                "b_ih": lstm_state[name("bias_ih")].float().numpy(),
                "w_hh": quantize_weight(lstm_state[name("weight_hh")]),
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
