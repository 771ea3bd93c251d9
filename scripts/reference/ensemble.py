"""Ensemble decoding in plain PyTorch, one sentence at a time: what native/seq2seq/ensemble.cc does in batches.

Each member (an Encoder and AttentionDecoder of attention_model.py, loaded from a seq2seq-node model folder by
load_member) encodes the source and keeps its own decoder state. At every step each member is fed the same word,
and the ensemble's log-probabilities are the members' arithmetic mean: summed in member order in float32, then
divided by their number. Greedy decoding takes the best word of that mean; beam search ranks continuations by the
summed mean log-probabilities, with the bookkeeping of native/seq2seq/beam_search.cc (2 x beam candidates per
step, an <eos> ranked among the first `beam` ends a hypothesis, a sentence is done when `beam` have ended or at its
maximum length, scores are log-probabilities divided by length^alpha).
"""

import json
import os

import torch

from attention_model import AttentionDecoder, Encoder, encode


def load_member(folder):
    """The encoder and decoder of a model folder (config.json, encoder.pt, decoder.pt), in eval mode."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    enc = Encoder(cfg["src_vocab_size"], cfg["hidden"], cfg["embedding"], cfg["layers"], cfg.get("bidirectional", False))
    dec = AttentionDecoder(
        cfg["tgt_vocab_size"], cfg["hidden"], cfg["embedding"], cfg["layers"], cfg.get("attention", "none"),
        cfg.get("input_feed"),
    )
    enc.load_state_dict(torch.load(os.path.join(folder, "encoder.pt")))
    dec.load_state_dict(torch.load(os.path.join(folder, "decoder.pt")))
    return enc.eval(), dec.eval()


class _Member:
    def __init__(self, enc, dec, source, rows):
        src = torch.tensor(source).view(-1, 1)
        memory, mask, (h, c) = encode(enc, src, torch.tensor([len(source)]))
        self.dec = dec
        self.memory = memory.repeat_interleave(rows, 0)
        self.mask = mask.repeat_interleave(rows, 0)
        h, c = h.repeat_interleave(rows, 1), c.repeat_interleave(rows, 1)
        self.state = (h, c, dec.initial_feed(rows, h))

    def step(self, x):
        lp, self.state, _ = self.dec(x, self.state, self.memory, self.mask)
        return lp

    def select(self, rows):
        h, c, feed = self.state
        self.state = (h.index_select(1, rows), c.index_select(1, rows), feed.index_select(0, rows))


def _mean_step(members, x):
    total = None
    for m in members:
        lp = m.step(x)
        total = lp if total is None else total + lp
    return total if len(members) == 1 else total / len(members)


def greedy(models, source, sos, eos, max_len):
    """The ensemble's greedy words for one (reversed) source, up to and with <eos>."""
    with torch.no_grad():
        members = [_Member(enc, dec, source, 1) for enc, dec in models]
        x, words = torch.tensor([sos]), []
        for _ in range(max_len):
            x = _mean_step(members, x).argmax(1)
            words.append(int(x[0]))
            if words[-1] == eos:
                break
        return words


def beam(models, source, K, N, alpha, max_len, sos, eos):
    """The ensemble's N best hypotheses for one (reversed) source: {'words', 'logProb', 'score'}, best first."""
    inf = float("inf")
    with torch.no_grad():
        members = [_Member(enc, dec, source, K) for enc, dec in models]
        live = [[] for _ in range(K)]
        scores = [0.0] + [-inf] * (K - 1)
        inputs = [sos] * K
        finished = []
        for t in range(max_len):
            logp = _mean_step(members, torch.tensor(inputs)).double()
            V = logp.size(1)
            cand = (logp + torch.tensor(scores, dtype=torch.double).unsqueeze(1)).view(-1)
            vals, idx = cand.topk(min(2 * K, cand.numel()))
            last = t + 1 >= max_len
            nxt, rows = [], []
            for j in range(len(vals)):
                if len(nxt) >= K:
                    break
                v = vals[j].item()
                if v == -inf:
                    break
                k, w = divmod(idx[j].item(), V)
                words = live[k] + [w]
                if w == eos or last:
                    if j < K:
                        finished.append((words, v, v / max(len(words), 1) ** alpha))
                    continue
                nxt.append((words, v))
                rows.append(k)
            if last or len(finished) >= K or not nxt:
                break
            pad = K - len(nxt)
            live = [w for w, _ in nxt] + [[]] * pad
            scores = [v for _, v in nxt] + [-inf] * pad
            inputs = [w[-1] for w, _ in nxt] + [eos] * pad
            select = torch.tensor(rows + [0] * pad)
            for m in members:
                m.select(select)
        finished.sort(key=lambda f: -f[2])
        return [{"words": w, "logProb": lp, "score": s} for w, lp, s in finished[:N]]
