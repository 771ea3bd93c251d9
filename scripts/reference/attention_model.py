"""The attention models of seq2seq-node in plain PyTorch: the classes that load its exported state dicts
(`seq2seq export`) and that the parity tests build with the same weights.

Sutskever's model (the notebook's Encoder and Decoder, scripts/reference/notebook_model.py) gives the decoder
only the encoder's final state. Here the decoder also looks at every encoder output at every step:

- Bahdanau et al. 2015 (additive, `bahdanau`): the previous top-layer state s_{t-1} queries the encoder
  outputs h_j, e_tj = v^T tanh(W s_{t-1} + U h_j); the context c_t = sum_j a_tj h_j joins the embedded input
  word in the LSTM's input, and the output layer reads [s_t; c_t].
- Luong et al. 2015 (`luong-dot`, `luong-general`, `luong-concat`): the LSTM runs first, its top output h_t
  queries the encoder outputs with dot: h_t . h_j, general: h_t . W h_j, concat: v^T tanh(W [h_t; h_j]); the
  attentional state ht_t = tanh(W_c [c_t; h_t]) feeds the output layer and, with input feeding (the paper's
  default, `input_feed=True`), the next step's LSTM input beside the embedded word (zeros at the first step).

No attention layer has a bias, as in the papers. Padding positions of the sources get no attention.

A bidirectional encoder gives each direction hidden_size // 2 units, and each layer's forward and backward
final states are concatenated into the decoder's initial state of that layer ([h_fwd; h_bwd], as OpenNMT
does); its outputs are [fwd; bwd] too, so every attention kind sees outputs of the decoder's hidden size.

State-dict keys: the encoder's are the notebook's (`embedding.weight`, `lstm.weight_ih_l0`, ...) plus
`lstm.*_reverse` when bidirectional; the decoder's are the notebook's (`embedding.weight`, `lstm.*`,
`dense.weight`, `dense.bias`) plus `attention.query.weight`, `attention.key.weight`, `attention.v.weight`
(bahdanau), `attention.W.weight` (luong-general), `attention.W.weight`, `attention.v.weight` (luong-concat),
and `combine.weight` (every Luong kind). The LSTM's input is embedding + hidden wide with Bahdanau attention
or Luong input feeding, and the output layer reads 2 x hidden with Bahdanau attention.

Training-time dropout, as seq2seq-node places it (OpenNMT-py's places): set `model.drop = Dropout(p, seed)` on the
encoder and the decoder (the same object) and they drop the embeddings, each LSTM layer's output but the last
(nn.LSTM's dropout, the layers run one at a time over padded outputs) and the features entering the output layer
(Luong: the attentional state, which input feeding passes on dropped), with F.dropout's arithmetic from a
torch.Generator of its own: the masks seq2seq-node draws with the same seed, in the same order.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

KINDS = ("bahdanau", "luong-dot", "luong-general", "luong-concat")


class Dropout:
    """F.dropout(x, p) in training, its masks drawn from a generator seeded with `seed`."""

    def __init__(self, p, seed, device="cpu"):
        self.p = p
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(seed)

    def __call__(self, x):
        noise = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)
        noise.div_(1 - self.p)
        return x * noise


def keep(x):
    return x


def widen(logits):
    """Logits from bf16 products (under autocast: seq2seq-node's --precision bf16) in float32 for the log-softmax."""
    return logits.float() if logits.dtype == torch.bfloat16 else logits


_LAYERS = {}


def lstm_layers(lstm, x, state, lengths, drop):
    """lstm(x, state) with `drop` on each layer's output but the last: x [T, B, I] padded, state (h0, c0) or None,
    lengths [B] or None -> padded output [T, B, directions x H] and (h, c) as nn.LSTM returns them."""
    if lstm.num_layers == 1 or drop is keep:
        if lengths is None:
            return lstm(x, state)
        out, hc = lstm(pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False), state)
        return pad_packed_sequence(out, total_length=x.size(0))[0], hc
    d = 2 if lstm.bidirectional else 1
    if id(lstm) not in _LAYERS:  # one-layer LSTMs holding the layers' own parameters (not registered)
        layers = []
        for l in range(lstm.num_layers):
            size = lstm.input_size if l == 0 else d * lstm.hidden_size
            layer = nn.LSTM(size, lstm.hidden_size, bidirectional=lstm.bidirectional)
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                for suffix in ("", "_reverse")[:d]:
                    setattr(layer, f"{kind}_l0{suffix}", getattr(lstm, f"{kind}_l{l}{suffix}"))
            layers.append(layer)
        _LAYERS[id(lstm)] = layers
    if state is None:
        zeros = x.new_zeros(lstm.num_layers * d, x.size(1), lstm.hidden_size)
        state = (zeros, zeros)
    hs, cs = [], []
    for l, layer in enumerate(_LAYERS[id(lstm)]):
        if l > 0:
            x = drop(x)
        hc = (state[0][l * d : (l + 1) * d], state[1][l * d : (l + 1) * d])
        if lengths is None:
            x, (h, c) = layer(x, hc)
        else:
            out, (h, c) = layer(pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False), hc)
            x = pad_packed_sequence(out, total_length=x.size(0))[0]
        hs.append(h)
        cs.append(c)
    return x, (torch.cat(hs), torch.cat(cs))


class Encoder(nn.Module):
    def __init__(self, vocab_size, hidden_size, embedding_dim, num_layers, bidirectional=False):
        super().__init__()
        if bidirectional and hidden_size % 2:
            raise ValueError("a bidirectional encoder needs an even hidden size")
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(
            embedding_dim, hidden_size // 2 if bidirectional else hidden_size, num_layers, bidirectional=bidirectional
        )
        self.drop = keep

    def forward(self, src, lengths):
        """src [S, B] word indices (padding anywhere past each length), lengths [B] -> outputs [S, B, H] (zero
        past each length) and the decoder's initial (h, c), [num_layers, B, H] each."""
        S, B = src.shape
        out, (h, c) = lstm_layers(self.lstm, self.drop(self.embedding(src)), None, lengths, self.drop)
        if self.bidirectional:
            h = h.view(self.num_layers, 2, B, -1).transpose(1, 2).reshape(self.num_layers, B, -1)
            c = c.view(self.num_layers, 2, B, -1).transpose(1, 2).reshape(self.num_layers, B, -1)
        return out, (h, c)


class Attention(nn.Module):
    def __init__(self, kind, hidden_size):
        super().__init__()
        self.kind = kind
        if kind == "bahdanau":
            self.query = nn.Linear(hidden_size, hidden_size, bias=False)
            self.key = nn.Linear(hidden_size, hidden_size, bias=False)
            self.v = nn.Linear(hidden_size, 1, bias=False)
        elif kind == "luong-general":
            self.W = nn.Linear(hidden_size, hidden_size, bias=False)
        elif kind == "luong-concat":
            self.W = nn.Linear(2 * hidden_size, hidden_size, bias=False)
            self.v = nn.Linear(hidden_size, 1, bias=False)
        elif kind != "luong-dot":
            raise ValueError(f"unknown attention {kind}")

    def forward(self, query, memory, mask):
        """query [B, H], memory [B, S, H], mask [B, S] (True where a source word is) -> context [B, H] and the
        attention weights [B, S]."""
        if self.kind == "bahdanau":
            scores = self.v(torch.tanh(self.query(query).unsqueeze(1) + self.key(memory))).squeeze(2)
        elif self.kind == "luong-dot":
            scores = torch.bmm(memory, query.unsqueeze(2)).squeeze(2)
        elif self.kind == "luong-general":
            scores = torch.bmm(self.W(memory), query.unsqueeze(2)).squeeze(2)
        else:
            both = torch.cat([query.unsqueeze(1).expand(-1, memory.size(1), -1), memory], 2)
            scores = self.v(torch.tanh(self.W(both))).squeeze(2)
        weights = F.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
        return torch.bmm(weights.unsqueeze(1), memory).squeeze(1), weights


class AttentionDecoder(nn.Module):
    """attention: none (the notebook's Decoder, same keys), bahdanau, luong-dot, luong-general, luong-concat."""

    def __init__(self, vocab_size, hidden_size, embedding_dim, num_layers, attention, input_feed=None):
        super().__init__()
        self.kind = attention
        self.input_feed = attention.startswith("luong-") and (True if input_feed is None else input_feed)
        wide_input = attention == "bahdanau" or self.input_feed
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim + (hidden_size if wide_input else 0), hidden_size, num_layers)
        if attention != "none":
            self.attention = Attention(attention, hidden_size)
        if attention.startswith("luong-"):
            self.combine = nn.Linear(2 * hidden_size, hidden_size, bias=False)
        self.dense = nn.Linear(2 * hidden_size if attention == "bahdanau" else hidden_size, vocab_size)
        self.drop = keep

    def initial_feed(self, batch_size, like):
        """Luong input feeding's attentional state before the first step."""
        return like.new_zeros(batch_size, self.hidden_size)

    def forward(self, x, state, memory, mask):
        """x [B] word indices, state (h, c, feed), memory [B, S, H], mask [B, S] -> log-probabilities [B, V],
        the new state and the attention weights [B, S] (None without attention)."""
        h, c, feed = state
        drop = self.drop
        embedded = drop(self.embedding(x))
        if self.kind == "none":  # the notebook's decoder (beside a bidirectional encoder)
            out, (h, c) = lstm_layers(self.lstm, embedded.unsqueeze(0), (h, c), None, drop)
            return F.log_softmax(widen(self.dense(drop(out[0]))), 1), (h, c, feed), None
        if self.kind == "bahdanau":
            context, weights = self.attention(h[-1], memory, mask)
            out, (h, c) = lstm_layers(self.lstm, torch.cat([embedded, context], 1).unsqueeze(0), (h, c), None, drop)
            logits = self.dense(drop(torch.cat([out[0], context], 1)))
        else:
            inp = torch.cat([embedded, feed], 1) if self.input_feed else embedded
            out, (h, c) = lstm_layers(self.lstm, inp.unsqueeze(0), (h, c), None, drop)
            context, weights = self.attention(out[0], memory, mask)
            feed = drop(torch.tanh(self.combine(torch.cat([context, out[0]], 1))))
            logits = self.dense(feed)
        return F.log_softmax(widen(logits), 1), (h, c, feed), weights


def encode(encoder, src, lengths):
    """The decoder's memory, its mask and initial state from a batch of (reversed) sources."""
    out, (h, c) = encoder(src, lengths)
    memory = out.transpose(0, 1)  # [B, S, H]
    mask = torch.arange(src.size(0)).unsqueeze(0) < lengths.unsqueeze(1)
    return memory, mask.to(memory.device), (h, c)


def teacher_forced(encoder, decoder, src, lengths, inputs):
    """inputs [T, B] (<sos>, then the target shifted) -> log-probabilities [T, B, V] and attention [T, B, S]."""
    memory, mask, (h, c) = encode(encoder, src, lengths)
    state = (h, c, decoder.initial_feed(src.size(1), h))
    log_probs, attention = [], []
    for t in range(inputs.size(0)):
        lp, state, weights = decoder(inputs[t], state, memory, mask)
        log_probs.append(lp)
        if weights is not None:
            attention.append(weights)
    return torch.stack(log_probs), torch.stack(attention) if attention else torch.zeros(0)


def greedy_decode(encoder, decoder, src, lengths, sos, eos, max_length):
    """Each sentence's greedy words (up to and with <eos>) and their attention weights [steps, S]."""
    with torch.no_grad():
        memory, mask, (h, c) = encode(encoder, src, lengths)
        B = src.size(1)
        state = (h, c, decoder.initial_feed(B, h))
        x = torch.full((B,), sos, dtype=torch.long)
        words, weights = [[] for _ in range(B)], [[] for _ in range(B)]
        done = [False] * B
        for _ in range(max_length):
            lp, state, w = decoder(x, state, memory, mask)
            x = lp.argmax(1)
            for b in range(B):
                if not done[b]:
                    words[b].append(int(x[b]))
                    if w is not None:
                        weights[b].append(w[b].tolist())
                    done[b] = int(x[b]) == eos
            if all(done):
                break
        return words, weights
